"""What the clerk's work pages show: the filing form's fields, an import's result, the accounts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from api.page_views import local_time
from intake.persistence.records import ImportRecord, User
from intake.presentation.comparison import row_specs
from intake.service.scope import ROLE_LABELS
from validators.bureaus import load_bureaus

FIELD_KINDS = {
    "submitted_at": "datetime",
    "applicant.established_date": "date",
    "product.development_completed_date": "date",
    "product.first_published_date": "date",
    "product.copyright_holders": "holders",
    "product.rd_investment_wan": "number",
    "product.xinchuang_adapted": "bool",
    "product.patents": "integer",
    "product.standards": "integer",
}
"""How a field of the filing is typed in; every other field is one line of text."""
REQUIRED = frozenset(
    {"filing_id", "campaign", "bureau", "applicant.name", "applicant.credit_code", "product.name"}
)
HINTS = {
    "filing_id": "平台的申报编号，例如 JS2021-{bureau}-0001；须含本单位代码",
    "submitted_at": "北京时间",
    "product.copyright_holders": "多个著作权人用“、”分隔",
    "applicant.credit_code": "18 位",
}


@dataclass(frozen=True)
class FormField:
    path: str
    """The dotted path in the filing (`applicant.credit_code`)."""
    label: str
    kind: str
    required: bool
    hint: str

    @property
    def error_key(self) -> str:
        """The path as the service's errors name it (`applicant/credit_code`)."""
        return self.path.replace(".", "/")

    @property
    def input_id(self) -> str:
        return "f-" + self.path.replace(".", "-")


@dataclass(frozen=True)
class FormGroup:
    title: str
    fields: list[FormField]


def _field(path: str, label: str, bureau: str | None) -> FormField:
    hint = HINTS.get(path, "").replace("{bureau}", bureau or "320500")
    return FormField(path, label, FIELD_KINDS.get(path, "text"), path in REQUIRED, hint)


def filing_form(bureau: str | None) -> list[FormGroup]:
    """The 征集信息表's fields in the online form's order, under their printed labels
    (`intake/presentation/comparison.yaml`), grouped as the form groups them."""
    groups = {"": [], "applicant": [], "product": []}
    for spec in row_specs().rows:
        groups[spec.path.split(".")[0] if "." in spec.path else ""].append(
            _field(spec.path, spec.label, bureau)
        )
    head = [_field("filing_id", "申报编号", bureau), *groups[""]]
    return [
        FormGroup("申报", head),
        FormGroup("送征单位", groups["applicant"]),
        FormGroup("送征产品", groups["product"]),
    ]


# --------------------------------------------------------------------------- imports

IMPORT_STATE_LABELS = {
    "queued": "排队等待读取",
    "running": "正在读取",
    "done": "导入完成",
    "failed": "导入失败",
}


@dataclass(frozen=True)
class ImportView:
    record: ImportRecord
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    errors: list[dict[str, Any]]
    warnings: list[str]

    @property
    def state_label(self) -> str:
        return IMPORT_STATE_LABELS.get(self.record.state, self.record.state)

    @property
    def finished(self) -> bool:
        return self.record.state in ("done", "failed")

    @property
    def uploaded_at(self) -> str:
        return local_time(self.record.created_at, with_seconds=True)


_NAMED_FIELD = re.compile(r"^.*?(?:字段 [A-Za-z_/0-9]+：|不符合填报表格式：「[^」]+」)")
"""What a row's message begins with that the column beside it says already: the field it
names, in words (`…不符合填报表格式：「申报编号」`) or, in an import of before, by its path."""


def shown_row_error(error: dict[str, Any]) -> dict[str, Any]:
    """A row's error as the page shows it: where the column is known (its printed header is
    beside the message), the message without the field's internal path."""
    message = str(error.get("message") or "")
    if error.get("column"):
        message = _NAMED_FIELD.sub("", message, count=1)
    return {**error, "message": message}


def import_view(record: ImportRecord) -> ImportView:
    """An import as the page shows it; a table refused whole lists every row's error too."""
    result = record.result or {}
    errors = [shown_row_error(e) for e in result.get("errors") or result.get("details") or []]
    return ImportView(
        record,
        list(result.get("created") or []),
        list(result.get("updated") or []),
        list(result.get("unchanged") or []),
        sorted(errors, key=lambda e: (e.get("row") or 0, e.get("column") or "")),
        list(result.get("warnings") or []),
    )


# --------------------------------------------------------------------------- accounts


@dataclass(frozen=True)
class AccountRow:
    name: str
    role: str
    role_label: str
    bureau: str
    active: bool
    has_password: bool
    token_expires: str
    created: str


def account_rows(users: list[User]) -> list[AccountRow]:
    bureaus = load_bureaus()
    return [
        AccountRow(
            name=u.name,
            role=u.role,
            role_label=ROLE_LABELS.get(u.role, u.role),
            bureau=bureaus[u.bureau].name if u.bureau in bureaus else "",
            active=bool(u.active),
            has_password=bool(u.password_hash),
            token_expires=local_time(u.token_expires_at),
            created=local_time(u.created_at),
        )
        for u in users
    ]
