"""Re-running the checks from stored fields (no OCR): flags upserted by fingerprint, status kept."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.filing import Filing
from core.model import Flag
from core.states import ACTIVE_JOB_STATES, FlagStatus
from extractors.normalize import company_key, normalize_credit_code
from intake.persistence.records import DocumentRecord, FilingRecord, FlagRecord, JobRecord, utcnow
from intake.persistence.stored import filing_of, stored_documents
from intake.pipeline.check import check_applicants, check_case
from intake.pipeline.report import _box

CROSS_FILING_CODES = frozenset({"duplicate_application"})
"""Codes decided over all of an applicant's filings, not over one filing's documents."""
CROSS_POSITION = 100_000
"""Cross-filing flags come after the per-filing ones, as `intake check` prints them."""
_GROUP_ROUNDS = 5


def applicant_keys(filing: Filing) -> tuple[str, str]:
    """(credit code, name key): filings sharing either belong to the same applicant."""
    return normalize_credit_code(filing.applicant.credit_code), company_key(filing.applicant.name)


def flag_place(flag: Flag, document_sha: str | None) -> tuple:
    """What a flag is about and where: code, field, document content and page.

    A flag on a document keeps this place (and the reviewer's decision) when a value on it is
    corrected. A flag with no document is placed by its message up to any bracketed note,
    since that names the thing (a missing document kind, a late date).
    """
    head = None if flag.source else flag.message.split("（", 1)[0]
    return (flag.code, flag.field, document_sha, flag.page, head)


def fingerprint(place: tuple, ordinal: int) -> str:
    """A flag's identity across re-checks: its place, and the n-th of flags at that place."""
    key = [*place, ordinal]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode("utf-8")).hexdigest()


def upsert_flags(
    session: Session,
    record: FilingRecord,
    flags: list[Flag],
    documents_by_source: dict[str, DocumentRecord],
    governs: Callable[[str], bool],
    first_position: int = 0,
) -> None:
    """Make the filing's stored flags of the codes `governs` accepts match `flags`.

    New flags are inserted open; flags raised again keep their decision (confirmed/dismissed);
    stored flags not raised any more become `resolved`, keeping their decision for later.
    """
    existing = {
        row.fingerprint: row
        for row in session.scalars(select(FlagRecord).where(FlagRecord.filing_id == record.id))
        if governs(row.code)
    }
    seen: set[str] = set()
    ordinals: Counter[tuple] = Counter()
    for position, flag in enumerate(flags, start=first_position):
        document = documents_by_source.get(flag.source) if flag.source else None
        place = flag_place(flag, document.sha256 if document else None)
        print_key = fingerprint(place, ordinals[place])
        ordinals[place] += 1
        seen.add(print_key)
        row = existing.get(print_key)
        if row is None:
            row = FlagRecord(
                filing_id=record.id,
                fingerprint=print_key,
                raised_at=utcnow(),
                decision=None,
            )
            session.add(row)
        row.bureau = record.bureau
        row.position = position
        row.code = flag.code
        row.severity = flag.severity.value
        row.message = flag.message
        row.field = flag.field
        row.filing_value = flag.filing_value
        row.document_value = flag.document_value
        row.source = flag.source
        row.document_id = document.id if document else None
        row.page = flag.page
        row.box = _box(flag.box)
        row.status = row.decision or "open"
    for print_key, row in existing.items():
        if print_key not in seen and row.status != FlagStatus.RESOLVED:
            row.status = FlagStatus.RESOLVED
    session.flush()


def refresh_status(session: Session, record: FilingRecord) -> None:
    """Filing status and open-flag count from its jobs, flags and the bureau's decision."""
    counts = dict(
        session.execute(
            select(FlagRecord.status, func.count())
            .where(FlagRecord.filing_id == record.id)
            .group_by(FlagRecord.status)
        ).all()
    )
    has_documents = (
        session.scalar(select(DocumentRecord.id).where(DocumentRecord.filing_id == record.id))
        is not None
    )
    active = session.scalar(
        select(JobRecord.id).where(
            JobRecord.filing_id == record.id, JobRecord.state.in_(ACTIVE_JOB_STATES)
        )
    )
    record.open_flags = counts.get("open", 0)
    if not has_documents:
        status = "awaiting_upload"
    elif active is not None:
        status = "processing"
    elif record.recommendation:
        status = record.recommendation
    elif counts.get("open", 0) or counts.get("confirmed", 0):
        status = "flagged"
    else:
        status = "clean"
    record.status = status


def lock_filing(session: Session, filing_id: str) -> FilingRecord | None:
    """The filing's row, locked for this transaction (PostgreSQL; SQLite serialises writers)."""
    return session.get(FilingRecord, filing_id, with_for_update=True, populate_existing=True)


def recheck_filing(session: Session, filing_id: str, campaign_dirs: list[Path]) -> None:
    """Re-run the filing's own checks over its read documents and store the flags.

    While a document is still being read the flags are left as they are (the job that
    finishes last re-checks; the filing row lock orders concurrent finishers), so that a
    half-read filing raises no flags that the rest of its documents would resolve. With no
    document uploaded yet, the checks that need none run, without `missing_document`.
    """
    record = lock_filing(session, filing_id)
    if record is None:
        return
    documents = stored_documents(session, filing_id)
    if any(not d.processed for d in documents):
        refresh_status(session, record)
        return
    flags = check_case(
        filing_of(record),
        [d.result for d in documents],
        campaign_dirs,
        awaiting_upload=not documents,
    )
    by_source: dict[str, DocumentRecord] = {}
    for document in documents:
        by_source.setdefault(document.record.source, document.record)
    upsert_flags(
        session, record, flags, by_source, governs=lambda code: code not in CROSS_FILING_CODES
    )
    refresh_status(session, record)


def applicant_filings(
    session: Session, campaign: str, keys: Iterable[tuple[str, str]]
) -> list[FilingRecord]:
    """Every filing of the campaign linked to `keys` by credit code or name, transitively."""
    codes: set[str] = set()
    names: set[str] = set()
    for code, name in keys:
        if code:
            codes.add(code)
        if name:
            names.add(name)
    found: dict[str, FilingRecord] = {}
    for _ in range(_GROUP_ROUNDS):
        conditions = []
        if codes:
            conditions.append(FilingRecord.credit_code_key.in_(codes))
        if names:
            conditions.append(FilingRecord.name_key.in_(names))
        if not conditions:
            break
        rows = list(
            session.scalars(
                select(FilingRecord).where(FilingRecord.campaign == campaign, or_(*conditions))
            )
        )
        grown = False
        for row in rows:
            found.setdefault(row.id, row)
            if row.credit_code_key and row.credit_code_key not in codes:
                codes.add(row.credit_code_key)
                grown = True
            if row.name_key and row.name_key not in names:
                names.add(row.name_key)
                grown = True
        if not grown:
            break
    return [found[k] for k in sorted(found)]


def recheck_applicants(
    session: Session,
    campaign_dirs: list[Path],
    touched: Iterable[tuple[str, tuple[str, str]]],
) -> None:
    """Re-run duplicate_application over every filing of the applicants in `touched`.

    `touched` holds (campaign, applicant keys) pairs — the keys of a filing before and after a
    change, so that filings no longer linked to it are re-checked too. Rows are locked in id
    order, so two concurrent re-checks cannot deadlock.
    """
    by_campaign: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for campaign, keys in touched:
        by_campaign[campaign].add(keys)
    for campaign_id, keys in sorted(by_campaign.items()):
        group = applicant_filings(session, campaign_id, keys)
        if not group:
            continue
        locked = [lock_filing(session, r.id) for r in group]
        records = [r for r in locked if r is not None]
        flags = check_applicants([filing_of(r) for r in records], campaign_dirs)
        for record in records:
            upsert_flags(
                session,
                record,
                flags.get(record.id, []),
                {},
                governs=lambda code: code in CROSS_FILING_CODES,
                first_position=CROSS_POSITION,
            )
            refresh_status(session, record)
