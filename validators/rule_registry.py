"""The registry of campaign rules: each rule function under the campaign key that switches it on.

A kind of campaign rule is one key in the campaign YAML, one function registered here with
`@campaign_rule(key, codes…)`, and one entry per code in validators/flags.yaml. The check runs
the registered rules a campaign switches on; the review pages learn from the registry and the
flag catalogue which fields each rule holds to the campaign.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RuleFunction = Callable[[Any, list[Any]], None]
"""`rule(rule_input, flags)`: appends the flags it raises (validators.rules.RuleInput, Flag)."""


def switched_on(value: Any) -> bool:
    """The default: a rule is on when its key is present and not `false`."""
    return value is not None and value is not False


@dataclass(frozen=True)
class RuleSpec:
    key: str
    """The campaign YAML key that switches the rule on and holds its parameter."""
    codes: tuple[str, ...]
    """The flag codes the rule raises (besides unreadable_field, which any rule may raise)."""
    function: RuleFunction
    setting: Any = None
    """The parameter's type when the Campaign model does not declare `key` (pydantic checks it)."""
    when: Callable[[Any], bool] = switched_on
    """Whether the parameter's value switches the rule on."""


_RULES: dict[str, RuleSpec] = {}


def campaign_rule(
    key: str, *codes: str, setting: Any = None, when: Callable[[Any], bool] = switched_on
) -> Callable[[RuleFunction], RuleFunction]:
    """Register the decorated function as the rule of campaign key `key`, raising `codes`."""
    if not codes:
        raise ValueError(f"campaign rule {key!r} must name the flag codes it raises")

    def register(function: RuleFunction) -> RuleFunction:
        known = _RULES.get(key)
        if known is not None and known.function.__qualname__ != function.__qualname__:
            raise ValueError(f"campaign key {key!r} already has a rule: {known.function}")
        _RULES[key] = RuleSpec(key, tuple(codes), function, setting, when)
        return function

    return register


def unregister(key: str) -> None:
    """Forget the rule of `key` (for tests that register a rule of their own)."""
    _RULES.pop(key, None)


def registered_rules() -> tuple[RuleSpec, ...]:
    """Every registered rule, in the order of registration."""
    return tuple(_RULES.values())


def rule_setting_types() -> dict[str, Any]:
    """key → parameter type, for rules whose key the Campaign model does not declare."""
    return {spec.key: spec.setting for spec in _RULES.values() if spec.setting is not None}
