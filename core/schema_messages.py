"""JSON Schema errors of a filing in Chinese: the field's path and what is wrong with it, for a clerk."""

from __future__ import annotations

import re
from typing import Any

from jsonschema import ValidationError

TYPE_NAMES = {
    "string": "文字",
    "number": "数值",
    "integer": "整数",
    "boolean": "“是”或“否”",
    "array": "列表",
    "object": "对象",
    "null": "空",
}
FORMAT_MESSAGES = {
    "date": "须为日期，例如 2021-03-12",
    "date-time": "须为带时区的日期时间，例如 2021-02-28T13:41:00+08:00",
}
_REQUIRED = re.compile(r"^'(.+)' is a required property$")


def _types(value: Any) -> str:
    kinds = [value] if isinstance(value, str) else list(value or [])
    shown = [TYPE_NAMES.get(k, k) for k in kinds if k != "null"]
    return "或".join(shown) or "空"


def schema_problem(error: ValidationError) -> tuple[str, str]:
    """(path, message) of one schema error: `applicant/credit_code`, 「必填，不能缺少」."""
    path = [str(p) for p in error.absolute_path]
    kind, expected = error.validator, error.validator_value
    if kind == "required":
        match = _REQUIRED.match(error.message)
        missing = match.group(1) if match else ""
        return "/".join([*path, missing] if missing else path) or "(根)", "必填，不能缺少"
    where = "/".join(path) or "(根)"
    if kind == "type":
        message = f"须为{_types(expected)}"
    elif kind == "format":
        message = FORMAT_MESSAGES.get(str(expected), f"格式不符（须为 {expected}）")
    elif kind == "minLength":
        message = "不能为空" if expected == 1 else f"至少 {expected} 个字符"
    elif kind == "maxLength":
        message = f"不能超过 {expected} 个字符"
    elif kind == "pattern":
        message = "须为 6 位数字" if expected == "^[0-9]{6}$" else "格式不符"
    elif kind == "enum":
        message = f"须为以下之一：{'、'.join(str(v) for v in expected)}"
    elif kind in ("minimum", "maximum"):
        message = "数值超出范围"
    elif kind == "maxItems":
        message = f"最多 {expected} 项"
    else:
        message = "不符合要求"
    return where, message


def schema_problems(errors: list[ValidationError]) -> list[tuple[str, str]]:
    """Every error's (path, message), by path, each path once."""
    found: dict[str, str] = {}
    for error in errors:
        where, message = schema_problem(error)
        found.setdefault(where, message)
    return sorted(found.items(), key=lambda item: item[0])
