"""Database tables of the service: users, filings, documents, jobs, imports, pages, flags,
corrections, audit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without a zone; every stored time is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    """clerk, reviewer or admin."""
    bureau: Mapped[str | None] = mapped_column(String(6), nullable=True)
    """A clerk's bureau code; reviewers and admins see every bureau."""
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the API token; the token itself is shown once and never stored."""
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    token_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    """When the API token stops working (None: tokens made before expiry existed, never)."""


class LoginThrottle(Base):
    """Failed sign-ins counted per account (`user:NAME`) and per address (`addr:IP`)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WebSession(Base):
    """A browser login: the cookie holds the id, the table only its SHA-256."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FilingRecord(Base):
    __tablename__ = "filings"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign: Mapped[str] = mapped_column(String(64))
    bureau: Mapped[str] = mapped_column(String(6))
    applicant_name: Mapped[str] = mapped_column(String(255))
    credit_code: Mapped[str] = mapped_column(String(32))
    credit_code_key: Mapped[str] = mapped_column(String(32))
    """The credit code in normal form: with `name_key`, how an applicant's filings are found."""
    name_key: Mapped[str] = mapped_column(String(255))
    """The applicant's name with widths, brackets and punctuation folded (same_company)."""
    product_name: Mapped[str] = mapped_column(String(255))
    product_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The filing as the contract's JSON."""
    status: Mapped[str] = mapped_column(String(16), default="awaiting_upload")
    """awaiting_upload, processing, flagged, clean, recommended, not_recommended."""
    open_flags: Mapped[int] = mapped_column(Integer, default=0)
    recommendation: Mapped[str | None] = mapped_column(String(16), nullable=True)
    """The bureau's decision: recommended or not_recommended (None while undecided)."""
    recommendation_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    documents: Mapped[list[DocumentRecord]] = relationship(
        back_populates="filing", order_by="DocumentRecord.id"
    )

    __table_args__ = (
        # The lists' filters with the lists' order (`id`) behind them: a page is read off the
        # index in order, without sorting every match (and counts read only the index).
        Index("ix_filings_bureau_status", "bureau", "status", "id"),
        Index("ix_filings_bureau_id", "bureau", "id"),
        Index("ix_filings_status", "status", "id"),
        Index("ix_filings_campaign_code", "campaign", "credit_code_key"),
        Index("ix_filings_campaign_name", "campaign", "name_key"),
        Index("ix_filings_search", "applicant_name", "product_name", "credit_code", "id"),
        # The queue's change token (the latest change in scope) and its 最近更新 order.
        Index("ix_filings_updated", "updated_at", "id"),
        Index("ix_filings_bureau_updated", "bureau", "updated_at", "id"),
    )


class DocumentRecord(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[str] = mapped_column(ForeignKey("filings.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(255))
    """The file name as uploaded (checked: no separators, no control characters)."""
    storage_key: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(16))
    """pdf, jpeg, png or tiff, as sniffed from the stored bytes."""
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind_overrides: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    """Page kinds a reviewer set by hand ("3" → "business_license"): the pipeline reads those
    pages as that kind instead of classifying them."""
    rotation_overrides: Mapped[dict[str, int] | None] = mapped_column(JSON, nullable=True)
    """Quarter turns a reviewer set by hand ("3" → 90, clockwise, of the page as scanned): the
    pipeline turns those pages so instead of finding their orientation itself."""

    filing: Mapped[FilingRecord] = relationship(back_populates="documents")

    __table_args__ = (UniqueConstraint("filing_id", "sha256", name="uq_document_per_filing"),)


class JobRecord(Base):
    """Reading one document; claimed by a worker with a conditional UPDATE and held by a lease."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    filing_id: Mapped[str] = mapped_column(ForeignKey("filings.id"), index=True)
    bureau: Mapped[str] = mapped_column(String(6), index=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    """queued, running, done, failed."""
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    pages_total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """Set by the worker that holds the job; its writes only count while it still matches."""
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_jobs_state_lease", "state", "lease_until"),)


class ImportRecord(Base):
    """A 征集信息表 import: the table as uploaded, read by a worker with a claim and a lease as a
    document job is; `result` holds what it created, updated, left alone and refused."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bureau: Mapped[str | None] = mapped_column(String(6), nullable=True, index=True)
    """The importing clerk's bureau (None: a reviewer or admin, every bureau)."""
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    user_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    """The importer's role and bureau: the rows are written with their scope."""
    source: Mapped[str] = mapped_column(String(255))
    """The file name as uploaded."""
    campaign: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="queued")
    """queued, running, done, failed."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """{created, updated, unchanged, errors, warnings}; for a refused table its row errors."""
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_imports_state_lease", "state", "lease_until"),)


class PageRecord(Base):
    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    image_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Field name → {value, raw, confidence, box} as read by OCR (never overwritten)."""
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    fingerprint: Mapped[str | None] = mapped_column(Text, nullable=True)
    """PageFingerprint.to_text() of a page of the four documents (reused_scan)."""
    seals: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    """The seals read on the page, as the report's JSON (intake.pipeline.report.seal_json)."""
    part: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """For an `other` page, the part of a bound report it is (report_cover, filing_form)."""
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The page's OCR text, a line a line (None: not read in full); searched by trigram
    (intake/persistence/text_search.py: SQLite FTS5 kept by triggers, PostgreSQL pg_trgm)."""

    __table_args__ = (UniqueConstraint("document_id", "index", name="uq_page_index"),)


class PageBand(Base):
    """One MinHash band of a page's fingerprint: pages sharing a band are reused_scan candidates."""

    __tablename__ = "page_bands"

    page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    band: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)


class CorrectionRecord(Base):
    """A reviewer's correction of a misread value; the OCR value stays on the page record.

    Keyed by document and page index (not page id) so that it survives a re-run of the job.
    """

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    page_index: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    ocr_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Why the value was corrected (required since corrections need a reason)."""
    state: Mapped[str] = mapped_column(String(16), default="applied")
    """applied; pending (it would clear a flag: a second person must approve); approved;
    rejected. Only applied and approved corrections count in a check."""
    reviewed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reviewed_by_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    review_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_corrections_place", "document_id", "page_index", "field"),)


class FlagRecord(Base):
    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[str] = mapped_column(ForeignKey("filings.id"))
    bureau: Mapped[str] = mapped_column(String(6))
    fingerprint: Mapped[str] = mapped_column(String(64))
    """Identity across re-checks: code, field, document and page; decisions follow it."""
    position: Mapped[int] = mapped_column(Integer, default=0)
    """Order in the latest check (the validators' stable order)."""
    code: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(64), nullable=True)
    filing_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    document_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    source: Mapped[str | None] = mapped_column(String(255), nullable=True)
    document_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    page: Mapped[int | None] = mapped_column(Integer, nullable=True)
    box: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """What only reviewers see: for duplicate_application the message naming every filing
    (`message` names only the flag's own bureau's filings)."""
    status: Mapped[str] = mapped_column(String(16), default="open")
    """open, confirmed, dismissed, or resolved (no longer raised by the latest check)."""
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    """confirmed or dismissed: kept while the flag is resolved, back in force if raised again."""
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("filing_id", "fingerprint", name="uq_flag_fingerprint"),
        # Each filter of the flag list followed by the list's order (filing, position, id).
        Index("ix_flags_filing_order", "filing_id", "position", "id"),
        Index("ix_flags_bureau_order", "bureau", "filing_id", "position", "id"),
        Index("ix_flags_bureau_status_order", "bureau", "status", "filing_id", "position", "id"),
        Index(
            "ix_flags_bureau_status_code",
            "bureau",
            "status",
            "code",
            "filing_id",
            "position",
            "id",
        ),
        Index("ix_flags_status_order", "status", "filing_id", "position", "id"),
        Index("ix_flags_status_code", "status", "code", "filing_id", "position", "id"),
        Index("ix_flags_code_status_filing", "code", "status", "filing_id"),
    )


class AuditEntry(Base):
    """Append-only: who did what to which filing, with the state before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[str | None] = mapped_column(String(64), index=True, nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    user_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(128), nullable=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit row (a programming error)."""


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_audit_change(_mapper, _connection, target: AuditEntry) -> None:
    raise AuditLogIsAppendOnly(f"audit_log row {target.id} may not be changed or deleted")
