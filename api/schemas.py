"""API models: what requests carry and responses hold (lists come back as `{data, count}`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

from fastapi import Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from core.filing import LIMITS, MULTILINE_PATTERN, REASON_PATTERN
from intake.persistence.records import (
    DocumentRecord,
    FilingRecord,
    JobRecord,
    as_utc,
)
from intake.persistence.stored import shown_message
from intake.presentation.times import in_beijing
from validators.bureaus import load_bureaus

Item = TypeVar("Item")


def reason_required(when: str | None = None) -> Callable[[dict[str, Any]], None]:
    """`json_schema_extra` of a body whose `reason` the service requires — always, or when
    `decision` is `when` — as a text that is not blank (the service answers with its own
    Chinese message; the schema says so, for clients)."""

    def extra(schema: dict[str, Any]) -> None:
        required = {"type": "string", "maxLength": LIMITS.reason, "pattern": REASON_PATTERN}
        if when is None:
            schema["properties"]["reason"] = {
                **required,
                "description": schema["properties"]["reason"].get("description", ""),
            }
            schema.setdefault("required", []).append("reason")
            return
        schema["if"] = {"properties": {"decision": {"const": when}}, "required": ["decision"]}
        schema["then"] = {"properties": {"reason": required}, "required": ["reason"]}

    return extra


Reason = Annotated[
    str | None,
    Field(max_length=LIMITS.reason, json_schema_extra={"pattern": MULTILINE_PATTERN}),
]
"""A reason or note: up to 2,000 characters, line breaks and tabs but no other control
characters (checked by the service with messages naming the reason)."""

UtcTime = Annotated[datetime, BeforeValidator(as_utc)]
"""A stored time: SQLite hands it back without a zone, and every stored time is UTC."""


class FromRecord(BaseModel):
    """A public view whose fields are read by name from a record (ORM row or plain value)."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, record: Any) -> Self:
        return cls.model_validate(record)


class ListOf(BaseModel, Generic[Item]):
    data: list[Item]
    count: int
    """How many match in all (the list itself is one page of them)."""

    def response(self) -> Response:
        """Already validated: sent as JSON without FastAPI validating it a second time."""
        return Response(self.model_dump_json(), media_type="application/json")


# --------------------------------------------------------------------------- users


class UserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    role: Literal["clerk", "reviewer", "admin"]
    bureau: str | None = Field(default=None, description="a clerk's bureau code, e.g. 320500")
    password: str | None = Field(
        default=None, max_length=LIMITS.password, description="for signing in to the pages"
    )


class UserPublic(FromRecord):
    id: int
    name: str
    role: str
    bureau: str | None
    active: bool
    created_at: UtcTime
    token_expires_at: UtcTime | None = None


class UserActiveIn(BaseModel):
    active: bool


class PasswordIn(BaseModel):
    password: str = Field(min_length=8, max_length=LIMITS.password)


class UserCreated(UserPublic):
    token: str = Field(description="the API token; shown only now, stored hashed")


class Me(UserPublic):
    csrf_token: str | None = Field(description="for form posts from a browser session")


# --------------------------------------------------------------------------- filings


@lru_cache(maxsize=1)
def bureau_names() -> dict[str, str]:
    return {code: bureau.name for code, bureau in load_bureaus().items()}


def _bureau_name(code: str) -> str | None:
    return bureau_names().get(code)


class FilingPublic(BaseModel):
    filing_id: str
    campaign: str
    bureau: str
    bureau_name: str | None
    applicant_name: str
    credit_code: str
    product_name: str
    product_version: str | None
    submitted_at: datetime | None
    status: str
    open_flags: int
    recommendation: str | None
    recommendation_reason: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: FilingRecord) -> FilingPublic:
        return cls(
            filing_id=record.id,
            campaign=record.campaign,
            bureau=record.bureau,
            bureau_name=_bureau_name(record.bureau),
            applicant_name=record.applicant_name,
            credit_code=record.credit_code,
            product_name=record.product_name,
            product_version=record.product_version,
            submitted_at=in_beijing(record.submitted_at),
            status=record.status,
            open_flags=record.open_flags,
            recommendation=record.recommendation,
            recommendation_reason=record.recommendation_reason,
            created_at=as_utc(record.created_at),
            updated_at=as_utc(record.updated_at),
        )


class JobPublic(FromRecord):
    id: int
    document_id: int
    filing_id: str
    state: Literal["queued", "running", "done", "failed"]
    pages_done: int
    pages_total: int
    attempts: int
    error: str | None
    created_at: UtcTime
    updated_at: UtcTime
    started_at: UtcTime | None
    finished_at: UtcTime | None

    def event(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class DocumentPublic(BaseModel):
    id: int
    filing_id: str
    source: str
    sha256: str
    size: int
    content_type: str
    page_count: int
    error: str | None
    error_code: str | None
    created_at: datetime
    job: JobPublic | None = None

    @classmethod
    def of(cls, document: DocumentRecord, job: JobRecord | None = None) -> DocumentPublic:
        return cls(
            id=document.id,
            filing_id=document.filing_id,
            source=document.source,
            sha256=document.sha256,
            size=document.size,
            content_type=document.content_type,
            page_count=document.page_count,
            error=document.error,
            error_code=document.error_code,
            created_at=as_utc(document.created_at),
            job=JobPublic.of(job) if job else None,
        )


class FilingDetail(FilingPublic):
    filing: dict[str, Any] = Field(description="the filing as the contract's JSON")
    documents: list[DocumentPublic]


class UploadItem(BaseModel):
    document: DocumentPublic
    job: JobPublic
    duplicate: bool = Field(description="the same bytes were uploaded before: the existing job")
    requeued: bool = Field(
        default=False,
        description="a duplicate whose job had failed: `job` is a new job reading it again",
    )


class DocumentRemovalIn(BaseModel):
    reason: Annotated[
        Reason, Field(description="why the upload was wrong (kept in the history)")
    ] = None
    confirm: bool = Field(
        default=False,
        description="needed when a person decided something on the document (a flag's decision, "
        "a correction): without it the answer is 409 confirmation_required listing them",
    )


class PageKindIn(BaseModel):
    model_config = ConfigDict(json_schema_extra=reason_required())

    kind: Literal[
        "business_license", "copyright_certificate", "test_report", "usage_report", "other"
    ] = Field(description="the page's kind, as a person reads it")
    reason: Annotated[Reason, Field(description="why the classifier was wrong (required)")] = None


class PageTurnIn(BaseModel):
    model_config = ConfigDict(json_schema_extra=reason_required())

    turn: Literal[90, 180, 270] = Field(
        description="degrees clockwise to turn the page as it is shown now"
    )
    reason: Annotated[
        Reason, Field(description="why the page's orientation was wrong (required)")
    ] = None


class DocumentRemoved(BaseModel):
    document_id: int
    filing_id: str
    source: str


class RecommendationIn(BaseModel):
    model_config = ConfigDict(json_schema_extra=reason_required(when="not_recommended"))

    decision: Literal["recommended", "not_recommended"] | None
    reason: Reason = None


class RowErrorPublic(BaseModel):
    row: int
    column: str | None
    message: str


class ImportPublic(BaseModel):
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    errors: list[RowErrorPublic]
    warnings: list[str]


class ImportJobPublic(FromRecord):
    """A 征集信息表 import: queued and read by a worker; `result` once it is done."""

    id: int
    source: str = Field(description="the file name as uploaded")
    campaign: str
    user_name: str
    state: Literal["queued", "running", "done", "failed"]
    attempts: int
    error: str | None = Field(description="why it failed (the table as a whole), in Chinese")
    error_code: str | None = Field(
        description="import_invalid (not a table, no header, too large), campaign_not_found, …"
    )
    result: ImportPublic | None = Field(
        description="done: filings created, updated, unchanged, the bad rows by number"
    )
    details: list[RowErrorPublic] = Field(
        default_factory=list, description="failed because no row was valid: every row's error"
    )
    created_at: UtcTime
    updated_at: UtcTime
    started_at: UtcTime | None
    finished_at: UtcTime | None

    @classmethod
    def of(cls, record: Any) -> Self:
        stored = record.result or {}
        done = record.state == "done"
        return cls(
            id=record.id,
            source=record.source,
            campaign=record.campaign,
            user_name=record.user_name,
            state=record.state,
            attempts=record.attempts,
            error=record.error,
            error_code=record.error_code,
            result=ImportPublic.model_validate(stored) if done else None,
            details=[] if done else stored.get("errors", []),
            created_at=record.created_at,
            updated_at=record.updated_at,
            started_at=record.started_at,
            finished_at=record.finished_at,
        )


class AuditPublic(FromRecord):
    id: int
    filing_id: str | None
    user_name: str
    action: str
    target: str | None
    before: Any
    after: Any
    at: UtcTime


# --------------------------------------------------------------------------- flags


class FlagPublic(FromRecord):
    id: int
    filing_id: str
    bureau: str
    code: str
    severity: str
    message: str
    field: str | None
    filing_value: Any
    document_value: Any
    source: str | None
    document_id: int | None
    page: int | None
    box: list[float] | None
    status: Literal["open", "confirmed", "dismissed", "resolved"]
    decision: str | None
    reason: str | None
    decided_by: int | None
    decided_at: UtcTime | None
    raised_at: UtcTime

    @classmethod
    def seen_by(cls, record: Any, every_bureau: bool) -> FlagPublic:
        """The flag as a viewer may read it: a clerk does not learn which other bureau's
        filings a duplicate_application flag is about; a reviewer does."""
        public = cls.model_validate(record)
        public.message = shown_message(record.message, record.detail, every_bureau)
        return public


class DecisionIn(BaseModel):
    model_config = ConfigDict(json_schema_extra=reason_required(when="dismiss"))

    decision: Literal["confirm", "dismiss"]
    reason: Annotated[Reason, Field(description="required to dismiss")] = None


class CorrectionIn(BaseModel):
    model_config = ConfigDict(json_schema_extra=reason_required())

    field: str = Field(min_length=1, max_length=64)
    value: Any = Field(description="the value as printed; it is brought to the normal form")
    reason: Annotated[Reason, Field(description="why the reading is wrong (required)")] = None


class CorrectionPublic(FromRecord):
    id: int
    document_id: int
    page_index: int
    field: str
    value: Any
    ocr_value: Any
    user_name: str
    created_at: UtcTime
    reason: str | None
    state: Literal["applied", "pending", "approved", "rejected"]
    """pending: it would clear a flag, and waits for a reviewer other than its author."""
    reviewed_by_name: str | None
    reviewed_at: UtcTime | None
    review_reason: str | None


class CorrectionReviewIn(BaseModel):
    model_config = ConfigDict(json_schema_extra=reason_required(when="reject"))

    decision: Literal["approve", "reject"]
    reason: Annotated[Reason, Field(description="required to reject")] = None


class BureauPublic(BaseModel):
    code: str
    name: str
    area: str
    level: str
    city: str | None
