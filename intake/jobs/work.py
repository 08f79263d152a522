"""Processing one document job: original → pipeline → page images and records → filing re-checked.

A job is claimed with a conditional UPDATE that sets a claim token and a lease; every write of
the worker checks the token, so a worker whose lease ran out (and whose job was taken over)
cannot overwrite the new owner's results. A re-run replaces the document's pages, so running
a job twice gives the same stored result as running it once.

Failures: a transient one (an error whose class says `transient`, such as StorageError or
ServiceUnavailable, or the database lost) puts the job back in the queue, held for a wait
that grows with each attempt, until `max_attempts` claims were made; any other fails the job
with its reason at once. A failed job can be run again as a new job (intake.service.uploads).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core.errors import IntakeError
from core.model import DocumentResult, PageKind, PageResult
from core.states import ACTIVE_JOB_STATES, JobState
from intake.persistence.database import Database
from intake.persistence.records import DocumentRecord, JobRecord, PageRecord, utcnow
from intake.persistence.storage import Storage
from intake.persistence.text_search import page_text
from intake.pipeline.read import Pipeline
from intake.pipeline.report import field_json, seal_json
from intake.service.recheck import recheck_filing
from intake.service.reused import add_bands, recheck_reused_scans

log = logging.getLogger(__name__)

JPEG_QUALITY = 85
PROCESSING_FAILED = "processing_failed"


class LeaseLost(Exception):
    """Another worker took the job over after this one's lease ran out; stop quietly."""


@dataclass
class JobSettings:
    campaign_dirs: list[Path] = field(default_factory=list)
    lease_seconds: int = 300
    """A worker renews the lease after every page; a job silent this long is taken over."""
    max_attempts: int = 3
    """Claims of one job: a transient failure is retried until this many were made, and a
    job claimed more often (its document keeps killing its worker) is failed."""
    retry_seconds: float = 10.0
    """After a transient failure the job waits this long times the attempts made, then runs."""


@dataclass
class JobContext:
    """What a worker needs: the database, the file store, and a pipeline per worker thread."""

    db: Database
    storage: Storage
    pipeline: Callable[[], Pipeline]
    settings: JobSettings = field(default_factory=JobSettings)


def page_image_key(document_id: int, index: int) -> str:
    return f"pages/{document_id}/{index}.jpg"


# --------------------------------------------------------------------------- claiming


def lease_end(seconds: float) -> datetime:
    """When a lease (or a retry's wait) taken now for `seconds` runs out."""
    return utcnow() + timedelta(seconds=seconds)


def lease_expired(now: datetime, record=JobRecord) -> ColumnElement[bool]:
    """The lease rule: a job (or an import) held by a worker, or waiting to retry, whose time
    has run out."""
    return record.lease_until < now


def claimable(now: datetime, record=JobRecord) -> ColumnElement[bool]:
    """A queued or running job (or import) that nobody holds: no lease, or one that has run out."""
    return record.state.in_(ACTIVE_JOB_STATES) & or_(
        record.lease_until.is_(None), lease_expired(now, record)
    )


def is_transient(exc: BaseException) -> bool:
    """Whether trying again later may succeed: the error says so, or the database was lost."""
    if isinstance(exc, IntakeError):
        return exc.transient
    return isinstance(exc, OperationalError)


def claim(db: Database, job_id: int, lease_seconds: int, record=JobRecord) -> str | None:
    """Take the job (or import) if it is queued or its lease has run out; the claim token, or
    None."""
    token = uuid.uuid4().hex
    now = utcnow()
    with db.session(write=True) as session:
        result = session.execute(
            update(record)
            .where(record.id == job_id, claimable(now, record))
            .values(
                state=JobState.RUNNING,
                claim_token=token,
                lease_until=lease_end(lease_seconds),
                attempts=record.attempts + 1,
                started_at=now,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return token if result.rowcount == 1 else None


def claimable_jobs(db: Database, limit: int = 10) -> list[int]:
    with db.session() as session:
        return list(
            session.scalars(
                select(JobRecord.id).where(claimable(utcnow())).order_by(JobRecord.id).limit(limit)
            )
        )


def requeue_running(db: Database) -> int:
    """Put every running job back in the queue (a single-process service starting up)."""
    with db.session(write=True) as session:
        result = session.execute(
            update(JobRecord)
            .where(JobRecord.state == JobState.RUNNING)
            .values(state=JobState.QUEUED, claim_token=None, lease_until=None, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


def _owned(session: Session, job_id: int, token: str) -> JobRecord:
    job = session.get(JobRecord, job_id, with_for_update=True, populate_existing=True)
    if job is None or job.claim_token != token or job.state != JobState.RUNNING:
        raise LeaseLost(job_id)
    return job


# --------------------------------------------------------------------------- running


def run_job(context: JobContext, job_id: int) -> str | None:
    """Claim and process one job; its final state, or None when it was not claimable."""
    token = claim(context.db, job_id, context.settings.lease_seconds)
    if token is None:
        return None
    try:
        return process_claimed(context, job_id, token)
    except LeaseLost:
        log.warning("job %s was taken over by another worker", job_id)
        return None


def process_claimed(context: JobContext, job_id: int, token: str) -> str:
    with context.db.session(write=True) as session:
        job = _owned(session, job_id, token)
        if job.attempts > context.settings.max_attempts:
            reason = (
                f"处理已中断 {job.attempts - 1} 次（可能是文件导致处理进程崩溃），不再重试；"
                "请检查或重新扫描该文件"
            )
            _finish_failed(session, job, reason)
            recheck_filing(session, job.filing_id, context.settings.campaign_dirs)
            return "failed"
        document = session.get(DocumentRecord, job.document_id)
        session.execute(delete(PageRecord).where(PageRecord.document_id == document.id))
        job.pages_done = 0
        job.error = None
        key, source, sha = document.storage_key, document.source, document.sha256
        document_id, filing_id = document.id, document.filing_id
        kinds = {int(i): PageKind(k) for i, k in (document.kind_overrides or {}).items()}
        turns = {int(i): int(t) for i, t in (document.rotation_overrides or {}).items()}
    try:
        result = _read(context, job_id, token, document_id, key, source, kinds, turns)
    except LeaseLost:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad document fails its own job only
        return _failed(context, job_id, token, filing_id, exc)
    with context.db.session(write=True) as session:
        # The pages are stored: reused_scan on this filing and on those sharing a sheet with
        # it, before the job says it is done. Its own transaction, filings locked in id order.
        _owned(session, job_id, token)
        recheck_reused_scans(session, filing_id, context.settings.campaign_dirs)
    with context.db.session(write=True) as session:
        job = _owned(session, job_id, token)
        document = session.get(DocumentRecord, document_id)
        if result.sha256 != sha:
            result.error = "存储中的文件与上传时的校验值不一致，文件可能已损坏；请重新上传"
            result.error_code = "checksum_mismatch"
        document.page_count = result.page_count
        document.error = result.error
        document.error_code = result.error_code
        failed = bool(result.error) and not result.pages
        job.state = JobState.FAILED if failed else JobState.DONE
        job.error = result.error
        job.pages_total = max(job.pages_total, result.page_count)
        _release(job)
        session.flush()
        recheck_filing(session, filing_id, context.settings.campaign_dirs)
        return job.state


def _reason(exc: BaseException) -> str:
    if isinstance(exc, IntakeError):
        return exc.message
    return f"{type(exc).__name__}：{exc}"


def _failed(context: JobContext, job_id: int, token: str, filing_id: str, exc: Exception) -> str:
    """A transient failure with attempts left: back in the queue after a wait; else failed."""
    settings = context.settings
    with context.db.session(write=True) as session:
        job = _owned(session, job_id, token)
        if is_transient(exc) and job.attempts < settings.max_attempts:
            log.warning("job %s: transient failure, will retry: %s", job_id, exc)
            job.state = JobState.QUEUED
            job.claim_token = None
            job.lease_until = lease_end(settings.retry_seconds * job.attempts)
            job.updated_at = utcnow()
            job.error = (
                f"暂时出错，稍后自动重试（已尝试 {job.attempts} 次，最多 {settings.max_attempts} 次）："
                f"{_reason(exc)}"
            )
            return job.state
        log.exception("job %s failed", job_id, exc_info=exc)
        if is_transient(exc):
            reason = (
                f"处理暂时无法完成，已尝试 {job.attempts} 次（{_reason(exc)}）；"
                "请稍后点击「重新处理」"
            )
        else:
            reason = f"处理出错（{_reason(exc)}）"
        _finish_failed(session, job, reason)
        recheck_filing(session, filing_id, settings.campaign_dirs)
        return JobState.FAILED


def _release(job: JobRecord) -> None:
    now = utcnow()
    job.claim_token = None
    job.lease_until = None
    job.finished_at = now
    job.updated_at = now


def _finish_failed(session: Session, job: JobRecord, reason: str) -> None:
    document = session.get(DocumentRecord, job.document_id)
    document.error = reason
    document.error_code = PROCESSING_FAILED
    job.state = JobState.FAILED
    job.error = reason
    _release(job)
    session.flush()


def _read(
    context: JobContext,
    job_id: int,
    token: str,
    document_id: int,
    key: str,
    source: str,
    kinds: dict[int, PageKind],
    turns: dict[int, int] | None = None,
) -> DocumentResult:
    """Run the pipeline; each page's image and record are stored as soon as it is read
    (`kinds`: the pages a person set the kind of, read as that kind; `turns`: the pages a
    person turned, read turned so)."""
    pending: list[tuple[PageResult, np.ndarray | None]] = []

    def on_page(page: PageResult, image: np.ndarray | None) -> None:
        pending.append((page, image))

    def progress(done: int, total: int) -> None:
        for page, image in pending:
            _store_page(context, job_id, token, document_id, page, image, done, total)
        pending.clear()

    with context.storage.local_copy(key) as path:
        return context.pipeline().read_document(
            path, source=source, progress=progress, on_page=on_page, kinds=kinds, turns=turns
        )


def _store_page(
    context: JobContext,
    job_id: int,
    token: str,
    document_id: int,
    page: PageResult,
    image: np.ndarray | None,
    done: int,
    total: int,
) -> None:
    image_key = None
    if image is not None:
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if ok:
            image_key = page_image_key(document_id, page.index)
            context.storage.put_bytes(image_key, encoded.tobytes(), content_type="image/jpeg")
    with context.db.session(write=True) as session:
        job = _owned(session, job_id, token)
        session.execute(
            delete(PageRecord).where(
                PageRecord.document_id == document_id, PageRecord.index == page.index
            )
        )
        stored = PageRecord(
            document_id=document_id,
            index=page.index,
            kind=page.kind.value,
            rotation=page.rotation,
            width=page.width,
            height=page.height,
            image_key=image_key,
            fields={name: field_json(fv) for name, fv in page.fields.items()},
            error=page.error,
            fingerprint=page.fingerprint.to_text() if page.fingerprint else None,
            seals=[seal_json(s) for s in page.seals] or None,
            part=page.part.value if page.part else None,
            text=page_text(line.text for line in page.lines + page.ink_lines),
        )
        session.add(stored)
        session.flush()
        add_bands(session, stored)
        now = utcnow()
        job.pages_done = done
        job.pages_total = total
        job.lease_until = lease_end(context.settings.lease_seconds)
        job.updated_at = now
