"""Shared test helpers: where the contract and samples are, and validating reports against it."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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


PG_ADMIN = os.environ.get("INTAKE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_postgres(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database for one test module or test (SQLAlchemy URL), dropped after;
    the test is skipped, saying why, where no server answers (.ci/run starts one)."""
    import pytest

    psycopg = pytest.importorskip("psycopg")
    for user in ("postgres", "root"):
        url = PG_ADMIN.replace("postgres@", f"{user}@", 1)
        try:
            admin = psycopg.connect(url, autocommit=True, connect_timeout=3)
            break
        except psycopg.OperationalError:
            continue
    else:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN} (start it, e.g. with .ci/run)")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
