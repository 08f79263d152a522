"""Re-running the checks from stored fields (no OCR): flags upserted by fingerprint, status kept."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
from intake.service import audit
from intake.service.duplicates import CODE as DUPLICATE_CODE
from intake.service.duplicates import bureau_messages
from intake.service.scope import Scope

SYSTEM = Scope.system("系统")
"""Who re-checks when no person acted (a job finishing): named so in the history."""

CROSS_FILING_CODES = frozenset({"duplicate_application", "reused_scan"})
"""Codes decided over all of an applicant's filings, not over one filing's documents."""
CROSS_POSITION = 100_000
"""Cross-filing flags come after the per-filing ones, as `intake check` prints them."""
REUSED_POSITION = 200_000
"""reused_scan flags (intake/service/reused.py) come last."""
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
    if flag.code in CROSS_FILING_CODES:
        # One per filing, whatever the other filings are: its decision outlives new filings.
        return (flag.code, flag.field, None, None, None)
    head = None if flag.source else flag.message.split("（", 1)[0]
    return (flag.code, flag.field, document_sha, flag.page, head)


def fingerprint(place: tuple, ordinal: int) -> str:
    """A flag's identity across re-checks: its place, and the n-th of flags at that place."""
    key = [*place, ordinal]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FlagChange:
    """A stored flag whose status a re-check changed (None before: newly raised)."""

    flag: FlagRecord
    before: str | None
    after: str


def _place_print(
    flag: Flag, documents_by_source: dict[str, DocumentRecord], ordinals: Counter[tuple]
) -> tuple[str, DocumentRecord | None]:
    document = documents_by_source.get(flag.source) if flag.source else None
    place = flag_place(flag, document.sha256 if document else None)
    print_key = fingerprint(place, ordinals[place])
    ordinals[place] += 1
    return print_key, document


def standing_prints(flags: list[Flag], documents_by_source: dict[str, DocumentRecord]) -> set[str]:
    """The fingerprints `flags` would be stored under (what a re-check would keep raised)."""
    ordinals: Counter[tuple] = Counter()
    return {_place_print(f, documents_by_source, ordinals)[0] for f in flags}


def upsert_flags(
    session: Session,
    record: FilingRecord,
    flags: list[Flag],
    documents_by_source: dict[str, DocumentRecord],
    governs: Callable[[str], bool],
    first_position: int = 0,
    actor: Scope = SYSTEM,
    details: list[dict | None] | None = None,
) -> list[FlagChange]:
    """Make the filing's stored flags of the codes `governs` accepts match `flags`.

    New flags are inserted open; flags raised again keep their decision (confirmed/dismissed);
    stored flags not raised any more become `resolved`, keeping their decision for later.
    Every change of a flag's status goes into the audit log, in `actor`'s name.
    """
    existing = {
        row.fingerprint: row
        for row in session.scalars(select(FlagRecord).where(FlagRecord.filing_id == record.id))
        if governs(row.code)
    }
    seen: set[str] = set()
    ordinals: Counter[tuple] = Counter()
    changes: list[FlagChange] = []
    for offset, flag in enumerate(flags):
        print_key, document = _place_print(flag, documents_by_source, ordinals)
        seen.add(print_key)
        row = existing.get(print_key)
        before = None
        if row is None:
            row = FlagRecord(
                filing_id=record.id,
                fingerprint=print_key,
                raised_at=utcnow(),
                decision=None,
            )
            session.add(row)
        else:
            before = row.status
        row.bureau = record.bureau
        row.position = first_position + offset
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
        row.detail = details[offset] if details is not None else None
        row.status = row.decision or "open"
        if row.status != before:
            changes.append(FlagChange(row, before, row.status))
    for print_key, row in existing.items():
        if print_key not in seen and row.status != FlagStatus.RESOLVED:
            changes.append(FlagChange(row, row.status, FlagStatus.RESOLVED))
            row.status = FlagStatus.RESOLVED
    if changes:
        record.updated_at = utcnow()  # a flag raised or changed: the queue shows it
    session.flush()
    for change in changes:
        audit.record(
            session,
            actor,
            "flag_raised" if change.before is None else "flag_status_changed",
            record.id,
            target=f"flag:{change.flag.id}:{change.flag.code}",
            before=None if change.before is None else {"status": change.before},
            after={"status": change.after, "decision": change.flag.decision},
        )
    return changes


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
    before = (record.status, record.open_flags)
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
    if (status, record.open_flags) != before:
        record.updated_at = utcnow()  # the queue's change token (lists.queue_version)


def lock_filing(session: Session, filing_id: str) -> FilingRecord | None:
    """The filing's row, locked for this transaction (PostgreSQL; SQLite serialises writers)."""
    return session.get(FilingRecord, filing_id, with_for_update=True, populate_existing=True)


def own_flags(
    session: Session, record: FilingRecord, campaign_dirs: list[Path]
) -> tuple[list[Flag], dict[str, DocumentRecord]] | None:
    """The filing's own flags over its stored documents (corrections applied), and its
    documents by file name; None while a document is still being read."""
    documents = stored_documents(session, record.id)
    if any(not d.processed for d in documents):
        return None
    flags = check_case(
        filing_of(record),
        [d.result for d in documents],
        campaign_dirs,
        awaiting_upload=not documents,
    )
    by_source: dict[str, DocumentRecord] = {}
    for document in documents:
        by_source.setdefault(document.record.source, document.record)
    return flags, by_source


def recheck_filing(
    session: Session, filing_id: str, campaign_dirs: list[Path], actor: Scope = SYSTEM
) -> None:
    """Re-run the filing's own checks over its read documents and store the flags.

    While a document is still being read the flags are left as they are (the job that
    finishes last re-checks; the filing row lock orders concurrent finishers), so that a
    half-read filing raises no flags that the rest of its documents would resolve. With no
    document uploaded yet, the checks that need none run, without `missing_document`.
    """
    record = lock_filing(session, filing_id)
    if record is None:
        return
    found = own_flags(session, record, campaign_dirs)
    if found is None:
        refresh_status(session, record)
        return
    flags, by_source = found
    upsert_flags(
        session,
        record,
        flags,
        by_source,
        governs=lambda code: code not in CROSS_FILING_CODES,
        actor=actor,
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
    actor: Scope = SYSTEM,
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
        messages = bureau_messages(records, flags, campaign_dirs)
        for record in records:
            own = flags.get(record.id, [])
            shown = [messages.get((record.id, i), (f, None)) for i, f in enumerate(own)]
            upsert_flags(
                session,
                record,
                [flag for flag, _detail in shown],
                {},
                governs=lambda code: code == DUPLICATE_CODE,
                first_position=CROSS_POSITION,
                actor=actor,
                details=[detail for _flag, detail in shown],
            )
            refresh_status(session, record)
