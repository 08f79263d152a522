"""The filing: one application as typed into the online platform, loaded and checked against the contract."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from pydantic import BaseModel, ConfigDict, Field

from core.errors import FilingInvalid


class Applicant(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    credit_code: str
    established_date: date | None = None
    address: str | None = None
    legal_representative: str | None = None


class Product(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    version: str | None = None
    category: str | None = None
    copyright_registration_no: str | None = None
    copyright_certificate_no: str | None = None
    development_completed_date: date | None = None
    first_published_date: date | None = None
    copyright_holders: list[str] = Field(default_factory=list)
    test_report_no: str | None = None
    testing_institution: str | None = None
    test_standard: str | None = None
    rd_investment_wan: float | None = None
    xinchuang_adapted: bool | None = None
    patents: int | None = None
    standards: int | None = None


class Filing(BaseModel):
    model_config = ConfigDict(extra="allow")

    filing_id: str
    campaign: str
    bureau: str
    submitted_at: datetime | None = None
    applicant: Applicant
    product: Product


@lru_cache(maxsize=1)
def _schema_validator() -> Draft202012Validator:
    text = resources.files("core").joinpath("contract/filing.schema.json").read_text("utf-8")
    return Draft202012Validator(json.loads(text), format_checker=FormatChecker())


def parse_filing(data: Any, origin: str = "filing") -> Filing:
    """Check `data` against the contract's filing schema and return it typed.

    The error names the first offending field, e.g. `applicant/credit_code: ... is required`.
    """
    errors = sorted(_schema_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(根)"
        more = f"（另有 {len(errors) - 1} 处问题）" if len(errors) > 1 else ""
        raise FilingInvalid(f"{origin} 不符合填报表格式：字段 {where}：{first.message}{more}")
    return Filing.model_validate(data)


def load_filing(path: str | Path) -> Filing:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FilingInvalid(f"找不到填报表文件：{path}") from None
    except UnicodeDecodeError:
        raise FilingInvalid(f"填报表文件不是 UTF-8 文本：{path}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FilingInvalid(
            f"填报表文件不是有效的 JSON：{path}（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}）"
        ) from None
    return parse_filing(data, origin=str(path))
