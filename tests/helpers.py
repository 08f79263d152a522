"""Shared test helpers: where the contract and samples are, and validating reports against it."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

ROOT = Path(__file__).resolve().parent.parent
SHARED_CONTRACT = ROOT.parent / "shared" / "contract"
"""The contract as fixed outside the project; present on developers' machines and in CI."""
CONTRACT = ROOT / "core" / "contract"
"""The project's own copy, which the code and the tests use (a clean clone needs nothing else)."""
SAMPLES = ROOT / "samples"


@lru_cache(maxsize=2)
def contract_validator(kind: str) -> Draft202012Validator:
    schema = json.loads((CONTRACT / f"{kind}.schema.json").read_text("utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def assert_valid_report(report: dict) -> None:
    """Fail with every violation when `report` breaks the contract's report.schema.json."""
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in contract_validator("report").iter_errors(report)
    ]
    assert not errors, "report breaks the contract:\n" + "\n".join(errors)


def sample_cases() -> list[Path]:
    return sorted(p.parent for p in SAMPLES.glob("*/filing.json"))
