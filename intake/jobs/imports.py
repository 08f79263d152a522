"""Processing one 征集信息表 import: the stored table read in a bounded child process, then its rows
written as filings with the importer's scope, in one transaction.

Claimed, leased, retried and failed by the same rules as a document job (intake.jobs.work): a
transient failure goes back to the queue for a wait that grows with each attempt; anything
else fails the import with its reason, which the client reads from `GET /api/imports/{id}`.
Reading the table is the part an upload can make unbounded (a workbook that packs small and
unpacks huge), so it runs in a child process with limits on memory, CPU and wall time
(intake.jobs.isolated); the worker itself only renews its lease while it waits.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core.errors import ImportInvalid, IntakeError
from core.states import ACTIVE_JOB_STATES, JobState
from intake.jobs.isolated import ChildFailed, ChildLimits, MiB, run_isolated
from intake.jobs.work import JobContext, LeaseLost, claim, claimable, is_transient, lease_end
from intake.persistence.database import Database
from intake.persistence.records import ImportRecord, utcnow
from intake.service import audit
from intake.service.filings import ImportRejected, ImportSummary, store_imported
from intake.service.importer import ImportResult, RowError
from intake.service.imports import importer_scope

log = logging.getLogger(__name__)

READ_LIMITS = ChildLimits(memory_bytes=512 * MiB, cpu_seconds=120, wall_seconds=180)
"""What reading one table may take: a table within the importer's own bounds (MAX_CELLS,
MAX_ROWS, the unpacked size) reads in a few seconds and well under 200 MB."""
READ_TARGET = "intake.jobs.read_table:read_table"


def claimable_imports(db: Database, limit: int = 10) -> list[int]:
    with db.session() as session:
        return list(
            session.scalars(
                select(ImportRecord.id)
                .where(claimable(utcnow(), ImportRecord))
                .order_by(ImportRecord.id)
                .limit(limit)
            )
        )


def claim_import(db: Database, import_id: int, lease_seconds: int) -> str | None:
    """Take the import if it is queued or its lease ran out (the jobs' rule); the token, or None."""
    return claim(db, import_id, lease_seconds, record=ImportRecord)


def requeue_running_imports(db: Database) -> int:
    """Put every running import back in the queue (a single-process service starting up)."""
    with db.session(write=True) as session:
        result = session.execute(
            update(ImportRecord)
            .where(ImportRecord.state == JobState.RUNNING)
            .values(state=JobState.QUEUED, claim_token=None, lease_until=None, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


def stalled_imports(db: Database, now, resend_before) -> list[int]:
    """Imports to send to the workers again: lease run out, or queued and not taken for long."""
    stale = ImportRecord.state.in_(ACTIVE_JOB_STATES) & or_(
        ImportRecord.lease_until < now,
        (ImportRecord.state == JobState.QUEUED) & (ImportRecord.updated_at < resend_before),
    )
    with db.session(write=True) as session:
        ids = list(session.scalars(select(ImportRecord.id).where(stale).limit(500)))
        if ids:
            session.execute(
                update(ImportRecord)
                .where(ImportRecord.id.in_(ids), ImportRecord.state == JobState.QUEUED)
                .values(updated_at=now, lease_until=None)
                .execution_options(synchronize_session=False)
            )
    return ids


def _owned(session: Session, import_id: int, token: str) -> ImportRecord:
    record = session.get(ImportRecord, import_id, with_for_update=True, populate_existing=True)
    if record is None or record.claim_token != token or record.state != JobState.RUNNING:
        raise LeaseLost(import_id)
    return record


def _renew(db: Database, import_id: int, token: str, lease_seconds: int) -> None:
    with db.session(write=True) as session:
        record = _owned(session, import_id, token)
        record.lease_until = lease_end(lease_seconds)
        record.updated_at = utcnow()


# --------------------------------------------------------------------------- running


def run_import(context: JobContext, import_id: int) -> str | None:
    """Claim and process one import; its final state, or None when it was not claimable."""
    token = claim_import(context.db, import_id, context.settings.lease_seconds)
    if token is None:
        return None
    try:
        return _process(context, import_id, token)
    except LeaseLost:
        log.warning("import %s was taken over by another worker", import_id)
        return None


def _process(context: JobContext, import_id: int, token: str) -> str:
    settings = context.settings
    with context.db.session(write=True) as session:
        record = _owned(session, import_id, token)
        if record.attempts > settings.max_attempts:
            reason = f"读取已中断 {record.attempts - 1} 次，不再重试；请检查表格后重新导入"
            return _finish(session, record, JobState.FAILED, reason, "processing_failed")
        key, source, campaign, sha = (
            record.storage_key,
            record.source,
            record.campaign,
            record.sha256,
        )
        scope = importer_scope(record)
    try:
        table = _read_table(context, import_id, token, key, source, campaign, sha)
    except LeaseLost:
        raise
    except Exception as exc:  # noqa: BLE001 - one bad table fails its own import only
        return _failed(context, import_id, token, exc)
    try:
        with context.db.session(write=True) as session:
            record = _owned(session, import_id, token)
            summary = store_imported(
                session, scope, table, source, campaign, settings.campaign_dirs
            )
            return _finish(session, record, JobState.DONE, result=_result(summary))
    except LeaseLost:
        raise
    except Exception as exc:  # noqa: BLE001 - the rows were rolled back; say why
        return _failed(context, import_id, token, exc)


def _read_table(
    context: JobContext, import_id: int, token: str, key: str, source: str, campaign: str, sha: str
) -> ImportResult:
    with context.storage.open(key) as stored:
        data = stored.read()
    if hashlib.sha256(data).hexdigest() != sha:
        raise ImportInvalid(
            f"「{source}」存储中的文件与上传时的校验值不一致，文件可能已损坏；请重新导入"
        )
    settings = context.settings
    try:
        return run_isolated(
            READ_TARGET,
            data,
            source,
            campaign,
            limits=READ_LIMITS,
            heartbeat=lambda: _renew(context.db, import_id, token, settings.lease_seconds),
        )
    except ChildFailed as exc:
        raise _over_limit(source, exc) from None


def _over_limit(source: str, exc: ChildFailed) -> ImportInvalid:
    if exc.limit == "memory":
        what = f"读取时超出内存上限（{READ_LIMITS.memory_bytes // MiB} MB）"
    elif exc.limit in ("cpu", "wall"):
        what = f"读取时间超过上限（{READ_LIMITS.cpu_seconds} 秒）"
    else:
        what = f"读取进程异常退出（{exc.detail[:200]}）"
    return ImportInvalid(
        f"「{source}」{what}，未导入；请删除多余的工作表和行列、只保留征集信息表后再导入"
    )


def _rows(errors: list[RowError]) -> list[dict[str, Any]]:
    return [{"row": e.row, "column": e.column, "message": e.message} for e in errors]


def _result(summary: ImportSummary) -> dict[str, Any]:
    return {
        "created": summary.created,
        "updated": summary.updated,
        "unchanged": summary.unchanged,
        "errors": _rows(summary.errors),
        "warnings": summary.warnings,
    }


def _finish(
    session: Session,
    record: ImportRecord,
    state: str,
    error: str | None = None,
    error_code: str | None = None,
    result: dict[str, Any] | None = None,
) -> str:
    now = utcnow()
    record.state = state
    record.error = error
    record.error_code = error_code
    record.result = result
    record.claim_token = None
    record.lease_until = None
    record.finished_at = now
    record.updated_at = now
    if state == JobState.FAILED:
        audit.record(
            session,
            importer_scope(record),
            "import_failed",
            None,
            target=record.source[:128],
            after={"import_id": record.id, "campaign": record.campaign, "error": error},
        )
    session.flush()
    return state


def _reason(exc: BaseException) -> str:
    if isinstance(exc, IntakeError):
        return exc.message
    return f"{type(exc).__name__}：{exc}"


def _failed(context: JobContext, import_id: int, token: str, exc: Exception) -> str:
    """A transient failure with attempts left: back in the queue after a wait; else failed."""
    settings = context.settings
    with context.db.session(write=True) as session:
        record = _owned(session, import_id, token)
        if is_transient(exc) and record.attempts < settings.max_attempts:
            log.warning("import %s: transient failure, will retry: %s", import_id, exc)
            record.state = JobState.QUEUED
            record.claim_token = None
            record.lease_until = lease_end(settings.retry_seconds * record.attempts)
            record.updated_at = utcnow()
            record.error = (
                f"暂时出错，稍后自动重试（已尝试 {record.attempts} 次，最多 "
                f"{settings.max_attempts} 次）：{_reason(exc)}"
            )
            return record.state
        if isinstance(exc, IntakeError) and not exc.transient:
            details = _rows(exc.errors) if isinstance(exc, ImportRejected) else []
            return _finish(
                session,
                record,
                JobState.FAILED,
                exc.message,
                exc.code,
                result={"errors": details} if details else None,
            )
        log.exception("import %s failed", import_id, exc_info=exc)
        if is_transient(exc):
            reason = (
                f"导入暂时无法完成，已尝试 {record.attempts} 次（{_reason(exc)}）；请稍后重新导入"
            )
        else:
            reason = f"导入出错（{_reason(exc)}）"
        return _finish(session, record, JobState.FAILED, reason, "processing_failed")
