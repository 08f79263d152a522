"""The filing: one application as typed into the online platform, loaded and checked against the contract."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from pydantic import BaseModel, ConfigDict, Field

from core.errors import FilingInvalid, InvalidInput
from core.schema_messages import schema_problems


class InputLimits(BaseModel):
    """Every limit on what people type, in one place (the README's table lists them).

    Texts are counted in characters. No text may hold a control character (a reason or a
    note may hold line breaks and tabs), a lone surrogate or a non-character; numbers must be
    finite and integers fit in 64 bits; ids follow `filing_id_pattern`.
    """

    model_config = ConfigDict(frozen=True)

    filing_id: int = 64
    filing_id_pattern: str = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
    """Letters, digits, `-` and `_`, starting with a letter or digit: no `/`, `.` or spaces."""
    name: int = 200
    """Applicant and product names, copyright holders."""
    code: int = 64
    """Credit codes, registration, certificate and report numbers, versions, campaign, bureau."""
    text: int = 500
    """Any other text of a filing (addresses, institution, standard, added properties)."""
    list_items: int = 50
    """Entries of a list (copyright holders)."""
    properties: int = 100
    """Properties of one object of a filing (the contract allows added ones)."""
    reason: int = 2000
    """Reasons of decisions, corrections, reviews and recommendations."""
    value: int = 500
    """A corrected value."""
    query: int = 200
    """Search text and filters of the lists."""
    password: int = 256
    max_int: int = 2**63 - 1
    """Largest integer accepted anywhere (ids, offsets, counts)."""


LIMITS = InputLimits()
_FILING_ID = re.compile(LIMITS.filing_id_pattern)
_NAME_FIELDS = frozenset({"name", "copyright_holders", "legal_representative"})
_CODE_FIELDS = frozenset(
    {
        "filing_id",
        "campaign",
        "bureau",
        "credit_code",
        "version",
        "copyright_registration_no",
        "copyright_certificate_no",
        "test_report_no",
        "submitted_at",
        "established_date",
        "development_completed_date",
        "first_published_date",
    }
)
_LINE_BREAKS = frozenset("\t\n\r")


def bad_character(text: str, multiline: bool = False) -> str | None:
    """The first character a stored text may not hold, described in Chinese; None if clean."""
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cs":
            return f"不成对的代理字符 U+{ord(ch):04X}"
        if category == "Cc" and not (multiline and ch in _LINE_BREAKS):
            return f"控制字符 U+{ord(ch):04X}"
        if (0xFDD0 <= ord(ch) <= 0xFDEF) or (ord(ch) & 0xFFFE) == 0xFFFE:
            return f"非字符 U+{ord(ch):04X}"
    return None


def check_text(value: str | None, what: str, limit: int, *, multiline: bool = True) -> str | None:
    """`value` stripped (None when blank), or InvalidInput (422) naming what is wrong."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{what}须为文字")
    value = value.strip()
    if not value:
        return None
    if len(value) > limit:
        raise InvalidInput(f"{what}不能超过 {limit} 个字符（现有 {len(value)} 个）")
    bad = bad_character(value, multiline)
    if bad:
        raise InvalidInput(f"{what}含有不允许的字符：{bad}")
    return value


def _limit_of(key: str) -> int:
    if key in _NAME_FIELDS:
        return LIMITS.name
    if key in _CODE_FIELDS:
        return LIMITS.code
    return LIMITS.text


def input_problem(value: Any, path: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """(where, what) of the first value of a filing's JSON that breaks the input limits."""
    where = "/".join(path) or "(根)"
    if isinstance(value, str):
        limit = _limit_of(next((p for p in reversed(path) if not p.isdigit()), ""))
        if len(value) > limit:
            return where, f"不能超过 {limit} 个字符（现有 {len(value)} 个）"
        bad = bad_character(value)
        return (where, f"含有不允许的字符：{bad}") if bad else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        if abs(value) > LIMITS.max_int:
            return where, f"数值超出范围（绝对值不能大于 {LIMITS.max_int}）"
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (where, "须为有限的数值（不能是 NaN 或 Infinity）")
    if isinstance(value, list):
        if len(value) > LIMITS.list_items:
            return where, f"最多 {LIMITS.list_items} 项"
        for i, item in enumerate(value):
            found = input_problem(item, (*path, str(i)))
            if found:
                return found
        return None
    if isinstance(value, dict):
        if len(value) > LIMITS.properties:
            return where, f"最多 {LIMITS.properties} 个属性"
        for key, item in value.items():
            key_problem = input_problem(str(key), (*path, "(属性名)"))
            if key_problem or len(str(key)) > LIMITS.code:
                return where, f"属性名「{str(key)[:20]}」无效"
            found = input_problem(item, (*path, str(key)))
            if found:
                return found
    return None


_NON_CHARACTERS = "".join(
    chr(plane * 0x10000 + low) for plane in range(1, 17) for low in (0xFFFE, 0xFFFF)
)
_REFUSED = "\\ufdd0-\\ufdef\\ufffe\\uffff" + _NON_CHARACTERS
TEXT_PATTERN = f"^[^\\u0000-\\u001f\\u007f-\\u009f{_REFUSED}]*$"
"""`bad_character` as a JSON Schema pattern: no control character or non-character (a lone
surrogate is no Unicode scalar value: JSON Schema cannot name it, and the service refuses it)."""
REASON_PATTERN = (
    f"^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f{_REFUSED}]*"
    f"[^\\s\\u0000-\\u001f\\u007f-\\u009f{_REFUSED}]"
    f"[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f{_REFUSED}]*$"
)
"""A reason as `check_text` takes it: not blank, line breaks and tabs allowed."""
MULTILINE_PATTERN = f"^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f{_REFUSED}]*$"
"""An optional reason or note: blank or not, line breaks and tabs allowed."""


def _text(limit: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": limit, "pattern": TEXT_PATTERN}


def filing_schema(campaigns: list[str], bureaus: list[str]) -> dict[str, Any]:
    """The contract's filing schema with what the service holds a filing to besides: the known
    campaigns and bureaus, the id pattern, every limit above. A filing it describes is accepted
    (for OpenAPI clients), unless its id names another bureau than its own or the caller's."""
    text = resources.files("core").joinpath("contract/filing.schema.json").read_text("utf-8")
    schema = json.loads(text)
    number = {"minimum": -LIMITS.max_int, "maximum": LIMITS.max_int}
    scalar = {"anyOf": [_text(LIMITS.code), {"type": ["number", "boolean", "null"], **number}]}

    def tighten(node: dict[str, Any], key: str = "") -> None:
        kinds = node.get("type")
        kinds = [kinds] if isinstance(kinds, str) else kinds or []
        if "string" in kinds and "format" not in node:  # a date is checked by its format
            node["maxLength"] = min(node.get("maxLength", _limit_of(key)), _limit_of(key))
            node.setdefault("pattern", TEXT_PATTERN)
        if "number" in kinds or "integer" in kinds:
            node.update(number)
        if "array" in kinds:
            node["maxItems"] = LIMITS.list_items
            tighten(node.setdefault("items", {}), key)
        if "object" in kinds:
            node["maxProperties"] = LIMITS.properties
            node["propertyNames"] = _text(LIMITS.code)
            node["additionalProperties"] = scalar
            for name, child in node.get("properties", {}).items():
                tighten(child, name)

    tighten(schema)
    properties = schema["properties"]
    properties["filing_id"]["pattern"] = LIMITS.filing_id_pattern
    properties["campaign"] = {"type": "string", "enum": sorted(campaigns)}
    properties["bureau"]["enum"] = sorted(bureaus)
    for drop in ("$schema", "$id"):
        schema.pop(drop, None)
    schema["title"] = "FilingIn"
    return schema


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

    The error names the first offending field (`字段 applicant/credit_code：必填，不能缺少`)
    and carries every one in `fields`.
    """
    problem = input_problem(data)
    if problem is None and isinstance(data, dict) and isinstance(data.get("filing_id"), str):
        if not _FILING_ID.match(data["filing_id"]):
            problem = (
                "filing_id",
                "只能由字母、数字、“-”和“_”组成，并以字母或数字开头，不能含“/”“.”或空格",
            )
    if problem is not None:
        raise FilingInvalid(
            f"{origin} 不符合填报表格式：字段 {problem[0]}：{problem[1]}", [problem]
        )
    problems = schema_problems(list(_schema_validator().iter_errors(data)))
    if problems:
        where, message = problems[0]
        more = f"（另有 {len(problems) - 1} 处问题）" if len(problems) > 1 else ""
        raise FilingInvalid(f"{origin} 不符合填报表格式：字段 {where}：{message}{more}", problems)
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
