"""A filing's stored state as the pipeline's types: documents with corrected fields, and its report."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.filing import Filing
from core.lattice import Lattice
from core.model import (
    DocumentResult,
    FieldValue,
    Flag,
    PageFingerprint,
    PageKind,
    PageResult,
    Severity,
)
from core.states import FINISHED_JOB_STATES, FlagStatus
from intake.persistence.records import (
    CorrectionRecord,
    DocumentRecord,
    FilingRecord,
    FlagRecord,
    JobRecord,
    PageRecord,
    User,
    as_utc,
)
from intake.pipeline.report import CheckReport, ReportNotes, part_of_json, seal_of_json

COUNTING_CORRECTIONS = ("applied", "approved")
"""Correction states a check uses; a pending one waits for a second person, a rejected one
never counts."""


def shown_message(message: str, detail: dict[str, Any] | None, every_bureau: bool) -> str:
    """A flag's message for a viewer: one who sees every bureau reads the reviewers' message
    (for duplicate_application: which filings, in which bureau); a clerk reads `message`."""
    if every_bureau and detail and detail.get("message"):
        return str(detail["message"])
    return message


def filing_of(record: FilingRecord) -> Filing:
    return Filing.model_validate(record.data)


@dataclass
class StoredDocument:
    """One uploaded document as stored: its record, latest job, and what was read (corrected)."""

    record: DocumentRecord
    job: JobRecord | None
    result: DocumentResult
    corrections: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    """(page index, field) → {ocr_value, corrected_by, corrected_at} of the field's correction."""

    @property
    def processed(self) -> bool:
        return self.job is not None and self.job.state in FINISHED_JOB_STATES


def _field_value(name: str, stored: dict[str, Any]) -> FieldValue:
    box = stored.get("box")
    return FieldValue(
        name=name,
        value=stored.get("value"),
        raw=stored.get("raw"),
        confidence=float(stored.get("confidence") if stored.get("confidence") is not None else 0),
        box=tuple(box) if box else None,
        second=stored.get("second"),
        steps=Lattice.from_json(stored.get("steps")),
    )


def latest_jobs(session: Session, document_ids: list[int]) -> dict[int, JobRecord]:
    if not document_ids:
        return {}
    newest = (
        select(func.max(JobRecord.id))
        .where(JobRecord.document_id.in_(document_ids))
        .group_by(JobRecord.document_id)
    )
    jobs = session.scalars(select(JobRecord).where(JobRecord.id.in_(newest)))
    return {job.document_id: job for job in jobs}


def page_image_keys(session: Session, document_ids: list[int]) -> dict[tuple[int, int], str]:
    """(document id, page index) → storage key of the page's upright image, where one is stored."""
    if not document_ids:
        return {}
    rows = session.execute(
        select(PageRecord.document_id, PageRecord.index, PageRecord.image_key).where(
            PageRecord.document_id.in_(document_ids), PageRecord.image_key.is_not(None)
        )
    )
    return {(document_id, index): key for document_id, index, key in rows}


def stored_documents(session: Session, filing_id: str) -> list[StoredDocument]:
    """Every document of the filing in upload order, its pages with corrections applied."""
    records = list(
        session.scalars(
            select(DocumentRecord)
            .where(DocumentRecord.filing_id == filing_id)
            .order_by(DocumentRecord.id)
        )
    )
    ids = [r.id for r in records]
    jobs = latest_jobs(session, ids)
    pages: dict[int, list[PageRecord]] = defaultdict(list)
    corrections: dict[int, list[CorrectionRecord]] = defaultdict(list)
    if ids:
        for page in session.scalars(
            select(PageRecord)
            .where(PageRecord.document_id.in_(ids))
            .order_by(PageRecord.document_id, PageRecord.index)
        ):
            pages[page.document_id].append(page)
        for correction in session.scalars(
            select(CorrectionRecord)
            .where(
                CorrectionRecord.document_id.in_(ids),
                CorrectionRecord.state.in_(COUNTING_CORRECTIONS),
            )
            .order_by(CorrectionRecord.id)
        ):
            corrections[correction.document_id].append(correction)
    return [_stored(r, jobs.get(r.id), pages[r.id], corrections[r.id]) for r in records]


def _stored(
    record: DocumentRecord,
    job: JobRecord | None,
    pages: list[PageRecord],
    corrections: list[CorrectionRecord],
) -> StoredDocument:
    latest: dict[tuple[int, str], CorrectionRecord] = {}
    for correction in corrections:  # in id order: the last one wins
        latest[(correction.page_index, correction.field)] = correction
    results = []
    for page in pages:
        fields = {name: _field_value(name, stored) for name, stored in (page.fields or {}).items()}
        for (index, name), correction in latest.items():
            if index != page.index:
                continue
            read = fields.get(name)
            fields[name] = FieldValue(
                name=name,
                value=correction.value,
                raw=read.raw if read else None,
                confidence=1.0,
                box=read.box if read else None,
            )
        results.append(
            PageResult(
                index=page.index,
                kind=PageKind(page.kind),
                rotation=page.rotation,
                width=page.width,
                height=page.height,
                fields=fields,
                error=page.error,
                fingerprint=PageFingerprint.from_text(page.fingerprint)
                if page.fingerprint
                else None,
                seals=[seal_of_json(s) for s in page.seals or []],
                part=part_of_json(page.part),
            )
        )
    result = DocumentResult(
        source=record.source,
        sha256=record.sha256,
        pages=results,
        error=record.error,
        error_code=record.error_code,
        page_count=record.page_count,
    )
    notes = {
        key: {
            "ocr_value": c.ocr_value,
            "corrected_by": c.user_name,
            "corrected_at": as_utc(c.created_at).isoformat(),
            "correction_reason": c.reason,
            "approved_by": c.reviewed_by_name,
        }
        for key, c in latest.items()
    }
    return StoredDocument(record=record, job=job, result=result, corrections=notes)


def flag_of(row: FlagRecord, every_bureau: bool = False) -> Flag:
    return Flag(
        code=row.code,
        severity=Severity(row.severity),
        message=shown_message(row.message, row.detail, every_bureau),
        field=row.field,
        filing_value=row.filing_value,
        document_value=row.document_value,
        source=row.source,
        page=row.page,
        box=tuple(row.box) if row.box else None,
    )


def flag_note(row: FlagRecord, decided_by: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "reason": row.reason,
        "decided_by": decided_by,
        "decided_at": as_utc(row.decided_at).isoformat() if row.decided_at else None,
        "document_id": row.document_id,
    }


def filing_report(
    session: Session, record: FilingRecord, every_bureau: bool = False
) -> dict[str, Any]:
    """The contract's check report of everything stored for the filing, with the service's notes.

    Flags no longer raised (resolved) are left out; dismissed ones stay, marked, and no longer
    make the report flagged. Documents still being read are listed with their job's state.
    `corrections` lists every correction (applied, pending, approved or rejected) with who
    made it, why, and who reviewed it. `every_bureau`: the viewer sees every bureau (a
    reviewer), and reads which other filings a duplicate_application flag is about.
    """
    documents = stored_documents(session, record.id)
    rows = list(
        session.scalars(
            select(FlagRecord)
            .where(FlagRecord.filing_id == record.id, FlagRecord.status != FlagStatus.RESOLVED)
            .order_by(FlagRecord.position, FlagRecord.id)
        )
    )
    deciders = {
        user.id: user.name
        for user in session.scalars(
            select(User).where(User.id.in_({r.decided_by for r in rows if r.decided_by}))
        )
    }
    notes = ReportNotes(
        documents=[_document_note(d) for d in documents],
        flags=[flag_note(r, deciders.get(r.decided_by)) for r in rows],
        fields={
            (position, page, name): extra
            for position, d in enumerate(documents)
            for (page, name), extra in d.corrections.items()
        },
        report={
            "filing_status": record.status,
            "open_flags": record.open_flags,
            "recommendation": record.recommendation,
            "corrections": correction_notes(session, documents),
        },
    )
    report = CheckReport(
        filing_of(record),
        [d.result for d in documents],
        [flag_of(r, every_bureau) for r in rows],
        notes,
    )
    return report.to_dict()


def correction_notes(session: Session, documents: list[StoredDocument]) -> list[dict[str, Any]]:
    """Every correction of the filing's documents, oldest first: what, who, why, and its review."""
    sources = {d.record.id: d.record.source for d in documents}
    if not sources:
        return []
    rows = session.scalars(
        select(CorrectionRecord)
        .where(CorrectionRecord.document_id.in_(sources))
        .order_by(CorrectionRecord.id)
    )
    return [
        {
            "id": c.id,
            "document_id": c.document_id,
            "source": sources[c.document_id],
            "page": c.page_index,
            "field": c.field,
            "value": c.value,
            "ocr_value": c.ocr_value,
            "reason": c.reason,
            "corrected_by": c.user_name,
            "corrected_at": as_utc(c.created_at).isoformat(),
            "state": c.state,
            "reviewed_by": c.reviewed_by_name,
            "reviewed_at": as_utc(c.reviewed_at).isoformat() if c.reviewed_at else None,
            "review_reason": c.review_reason,
        }
        for c in rows
    ]


def _document_note(document: StoredDocument) -> dict[str, Any]:
    job = document.job
    return {
        "document_id": document.record.id,
        "content_type": document.record.content_type,
        "size": document.record.size,
        "job_id": job.id if job else None,
        "state": job.state if job else None,
        "pages_done": job.pages_done if job else 0,
        "pages_total": job.pages_total if job else 0,
    }
