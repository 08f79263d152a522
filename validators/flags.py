"""The flag catalogue (flags.yaml): severities, titles, Chinese names and messages, `make_flag`."""

from __future__ import annotations

import re
import string
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.errors import CampaignInvalid
from core.model import Evidence, Flag, PageKind, PagePart, Severity
from core.yamlfile import invalid_file, read_yaml

CATALOGUE_PATH = Path(__file__).with_name("flags.yaml")

CONTRACT_FLAG_CODES: tuple[str, ...] = (
    "applicant_name_mismatch",
    "credit_code_mismatch",
    "established_date_mismatch",
    "software_name_mismatch",
    "development_date_mismatch",
    "registration_no_mismatch",
    "test_report_no_mismatch",
    "test_product_mismatch",
    "applicant_not_copyright_holder",
    "established_after_cutoff",
    "development_before_cutoff",
    "wrong_test_standard",
    "test_institution_not_qualified",
    "not_registered_in_province",
    "rd_investment_below_minimum",
    "missing_document",
    "invalid_credit_code",
    "usage_report_not_stamped",
    "unreadable_field",
    "late_submission",
    "duplicate_application",
    "in_previous_catalog",
)
"""Every flag code of the contract's flag table, in its order. The catalogue may add codes
(`FlagCatalogue.extension_codes`: the contract may be extended by adding, never by removing)."""

STANDARD_PLACEHOLDERS = frozenset(
    {"filing", "document", "field_label", "kind_label", "source", "page_no"}
)
"""Placeholders `make_flag` fills itself; any other one must be a declared param."""

EMPTY_TEXT = "（空）"


class KindVocabulary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    fields: dict[str, str]


class FlagSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    severity: Severity
    title: str = Field(min_length=1)
    """A short Chinese title, for lists, filters and the paper flag table."""
    message: str
    params: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    """`kind.field` of each document field the raising rule holds to the campaign."""

    @model_validator(mode="after")
    def _template_formats(self) -> FlagSpec:
        try:
            names = {
                name for _, name, _, _ in string.Formatter().parse(self.message) if name is not None
            }
        except ValueError as exc:
            raise ValueError(f"message template does not parse: {exc}") from None
        bad = [n for n in names if not n.isidentifier()]
        if bad:
            raise ValueError(f"placeholders must be plain names, not {bad}")
        unknown = names - STANDARD_PLACEHOLDERS - set(self.params)
        if unknown:
            raise ValueError(f"placeholders {sorted(unknown)} are neither standard nor in params")
        unused = set(self.params) - names
        if unused:
            raise ValueError(f"params {sorted(unused)} are not used by the message")
        self.message.format_map({n: "x" for n in names})
        return self


class FlagCatalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    severities: dict[Severity, str]
    kinds: dict[PageKind, KindVocabulary]
    filing_fields: dict[str, str]
    flags: dict[str, FlagSpec]
    parts: dict[PagePart, str] = Field(default_factory=dict)
    """The Chinese names of the parts of a bound report (its cover, the 征集信息表)."""

    @model_validator(mode="after")
    def _covers_contract(self) -> FlagCatalogue:
        missing = [c for c in CONTRACT_FLAG_CODES if c not in self.flags]
        if missing:
            raise ValueError(f"flag codes of the contract missing from the catalogue: {missing}")
        bad_codes = [c for c in self.flags if not re.fullmatch(r"[a-z][a-z0-9_]*", c)]
        if bad_codes:
            raise ValueError(f"flag codes must be lower-case snake_case: {bad_codes}")
        missing_kinds = [k.value for k in PageKind if k not in self.kinds]
        if missing_kinds:
            raise ValueError(f"page kinds without labels: {missing_kinds}")
        missing_severities = [s.value for s in Severity if s not in self.severities]
        if missing_severities:
            raise ValueError(f"severities without labels: {missing_severities}")
        for code, spec in self.flags.items():
            for check in spec.checks:
                kind, _, name = check.partition(".")
                if (
                    kind not in {k.value for k in self.kinds}
                    or name not in self.kinds[PageKind(kind)].fields
                ):
                    raise ValueError(f"flag {code}: checks {check!r} is no kind.field of `kinds`")
        return self

    @property
    def codes(self) -> tuple[str, ...]:
        """Every code: the contract's in its order, then the ones this project adds."""
        return CONTRACT_FLAG_CODES + self.extension_codes

    @property
    def extension_codes(self) -> tuple[str, ...]:
        """Codes this project adds to the contract, in the catalogue's order."""
        return tuple(c for c in self.flags if c not in CONTRACT_FLAG_CODES)

    def title(self, code: str) -> str:
        spec = self.flags.get(code)
        return spec.title if spec else code

    def severity_label(self, severity: Severity | str) -> str:
        return self.severities.get(Severity(severity), str(severity))

    def checked_fields(self, code: str) -> tuple[tuple[PageKind, str], ...]:
        """(kind, field) of each field the flag's rule holds to the campaign (`checks`)."""
        spec = self.flags.get(code)
        if spec is None:
            return ()
        return tuple(
            (PageKind(kind), name) for kind, _, name in (c.partition(".") for c in spec.checks)
        )

    def kind_label(self, kind: PageKind | str | None) -> str:
        if kind is None:
            return ""
        vocabulary = self.kinds.get(PageKind(kind))
        return vocabulary.label if vocabulary else str(kind)

    def part_label(self, part: PagePart | str | None) -> str:
        if part is None:
            return ""
        return self.parts.get(PagePart(part), str(part))

    def field_label(self, kind: PageKind | str | None, field: str | None) -> str:
        """The Chinese name of `field`, looked up in `kind` first, then anywhere."""
        if field is None:
            return ""
        if kind is not None and field in self.kinds[PageKind(kind)].fields:
            return self.kinds[PageKind(kind)].fields[field]
        for vocabulary in self.kinds.values():
            if field in vocabulary.fields:
                return vocabulary.fields[field]
        return self.filing_fields.get(field, field)

    def field_rank(self, kind: PageKind | str | None, field: str | None) -> int:
        """Position of `field` in the contract's order (within `kind` when given), for sorting."""
        order: list[str] = []
        if kind is not None:
            order.extend(self.kinds[PageKind(kind)].fields)
        for vocabulary in self.kinds.values():
            order.extend(f for f in vocabulary.fields if f not in order)
        order.extend(f for f in self.filing_fields if f not in order)
        return order.index(field) if field in order else len(order)

    def code_rank(self, code: str) -> int:
        codes = self.codes
        return codes.index(code) if code in codes else len(codes)


def parse_flag_catalogue(path: Path) -> FlagCatalogue:
    """Load and check a flag catalogue file; CampaignInvalid naming the file and key on error."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise CampaignInvalid(
            f"配置文件 {path} 无效：顶层必须是映射（top level must be a mapping）"
        )
    try:
        return FlagCatalogue.model_validate(data)
    except ValidationError as exc:
        raise invalid_file(path, exc) from None


@lru_cache(maxsize=1)
def load_flag_catalogue() -> FlagCatalogue:
    """The catalogue shipped with the package (validators/flags.yaml), loaded once."""
    return parse_flag_catalogue(CATALOGUE_PATH)


def display_value(value: Any) -> str:
    """A value as a clerk should read it in a message."""
    if value is None or (isinstance(value, list | tuple) and not value):
        return EMPTY_TEXT
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "、".join(display_value(v) for v in value)
    return str(value)


def json_value(value: Any) -> Any:
    """A value as it goes into the report: dates as ISO text, tuples as lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return value


def make_flag(
    code: str,
    *,
    field: str | None = None,
    filing: Any = None,
    document: Any = None,
    evidence: Evidence | None = None,
    **template_values: Any,
) -> Flag:
    """A Flag with the catalogue's severity and message; source, page and box from `evidence`.

    `kind=` among the template values names the document kind when there is no evidence
    (for `{kind_label}` and the field's label). Raises ValueError for an unknown code or a
    missing template value — both are programming errors, not clerk errors.
    """
    catalogue = load_flag_catalogue()
    spec = catalogue.flags.get(code)
    if spec is None:
        raise ValueError(f"unknown flag code {code!r}")
    kind = template_values.pop("kind", None) or (evidence.kind if evidence else None)
    values = {
        "filing": display_value(filing),
        "document": display_value(document),
        "field_label": catalogue.field_label(kind, field),
        "kind_label": catalogue.kind_label(kind),
        "source": evidence.source if evidence else "",
        "page_no": str(evidence.page + 1) if evidence else "",
    }
    values.update({name: display_value(v) for name, v in template_values.items()})
    missing = [p for p in spec.params if p not in template_values]
    if missing:
        raise ValueError(f"flag {code}: template values {missing} not given")
    box = evidence.field.box if evidence else None
    return Flag(
        code=code,
        severity=spec.severity,
        message=spec.message.format_map(values),
        field=field,
        filing_value=json_value(filing),
        document_value=json_value(document),
        source=evidence.source if evidence else None,
        page=evidence.page if evidence else None,
        box=tuple(float(v) for v in box) if box is not None else None,
    )


def dedupe_flags(flags: list[Flag]) -> list[Flag]:
    """Drop repeats, keeping the first: same code, field, place and message.

    This is what makes one unreadable field one flag although a cross-check and several rules
    needed it (their unreadable_field flags are built from the same reading, so they are equal
    on all these), while two missing documents or two unstamped reports stay two flags.
    """
    seen: set[tuple[object, ...]] = set()
    kept: list[Flag] = []
    for flag in flags:
        key = (flag.code, flag.field, flag.source, flag.page, flag.message)
        if key not in seen:
            seen.add(key)
            kept.append(flag)
    return kept
