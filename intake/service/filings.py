"""Filings as the service stores them: create, update, import, list, history and recommendation.

Every function takes the acting user's `Scope`: a record outside it is reported exactly as a
record that does not exist. Callers commit; an error leaves the session to be rolled back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.errors import Conflict, FilingInvalid, Forbidden, InvalidInput, NotFound
from core.filing import LIMITS, Filing, check_text, parse_filing
from core.states import ACTIVE_JOB_STATES
from intake.persistence.records import (
    CorrectionRecord,
    DocumentRecord,
    FilingRecord,
    FlagRecord,
    JobRecord,
    utcnow,
)
from intake.pipeline.check import campaign_for, campaign_of
from intake.service import audit
from intake.service.importer import ImportInvalid, ImportResult, RowError
from intake.service.recheck import (
    applicant_keys,
    recheck_applicants,
    recheck_filing,
    refresh_status,
)
from intake.service.scope import Scope
from validators.bureaus import load_bureaus

FILING_STATUSES = (
    "awaiting_upload",
    "processing",
    "flagged",
    "clean",
    "recommended",
    "not_recommended",
)
RECOMMENDATIONS = ("recommended", "not_recommended")


def not_found(what: str, key: object) -> NotFound:
    return NotFound(f"找不到{what} {key}")


# --------------------------------------------------------------------------- reading


def get_filing(session: Session, scope: Scope, filing_id: str) -> FilingRecord:
    record = session.get(FilingRecord, filing_id)
    if record is None or not scope.allows(record.bureau):
        raise not_found("申报", filing_id)
    return record


def status_counts(
    session: Session, scope: Scope, bureau: str | None = None, campaign: str | None = None
) -> dict[str, int]:
    """How many filings in scope (narrowed to `bureau`, `campaign`) have each status."""
    conditions = scope.conditions(FilingRecord.bureau, bureau)
    if campaign:
        conditions.append(FilingRecord.campaign == campaign)
    rows = session.execute(
        select(FilingRecord.status, func.count()).where(*conditions).group_by(FilingRecord.status)
    ).all()
    counts = dict.fromkeys(FILING_STATUSES, 0)
    counts.update({status: int(count) for status, count in rows})
    return counts


def filing_history(session: Session, scope: Scope, filing_id: str):
    get_filing(session, scope, filing_id)
    return audit.history(session, filing_id)


# --------------------------------------------------------------------------- writing


def validate_filing(data: Any, campaign_dirs: list[Path], origin: str = "申报") -> Filing:
    """Schema, bureau code and campaign checked; each error names the field (422)."""
    filing = parse_filing(data, origin=origin)
    campaign_of(filing, campaign_dirs, origin)
    return filing


def filing_json(filing: Filing) -> dict[str, Any]:
    return filing.model_dump(mode="json")


def _apply(record: FilingRecord, filing: Filing) -> None:
    code, name = applicant_keys(filing)
    record.campaign = filing.campaign
    record.bureau = filing.bureau
    record.applicant_name = filing.applicant.name[:255]
    record.credit_code = filing.applicant.credit_code[:32]
    record.credit_code_key = code[:32]
    record.name_key = name[:255]
    record.product_name = filing.product.name[:255]
    record.product_version = (filing.product.version or None) and filing.product.version[:64]
    submitted = filing.submitted_at
    if submitted is not None and submitted.tzinfo is not None:
        submitted = submitted.astimezone(UTC)  # stored as UTC (SQLite keeps no offset)
    record.submitted_at = submitted
    record.data = filing_json(filing)
    record.updated_at = utcnow()


def _require_bureau(scope: Scope, filing: Filing) -> None:
    if not scope.allows(filing.bureau):
        raise Forbidden(f"只能提交本单位（{scope.bureau}）的申报，该申报属于 {filing.bureau}")


def id_problem(scope: Scope, filing: Filing) -> str | None:
    """Why a new filing may not take its id, or None.

    An id that names a bureau (a segment that is one of the sixteen codes, as the platform's
    `JS2021-320500-4181` does) must name the filing's own; and a clerk's new ids must name
    the clerk's bureau, so that no clerk can take, or find out about, another bureau's ids.
    """
    segments = set(re.split(r"[-_]", filing.filing_id))
    named = segments & set(load_bureaus())
    if named - {filing.bureau}:
        return (
            f"申报编号 {filing.filing_id} 中的受理单位代码 {'、'.join(sorted(named))} "
            f"与该申报的受理单位 {filing.bureau} 不一致"
        )
    if scope.bureau is not None and scope.bureau not in segments:
        return (
            f"申报编号须含本单位代码 {scope.bureau}（例如 JS2021-{scope.bureau}-0001），"
            f"「{filing.filing_id}」不含"
        )
    return None


def create_filing(
    session: Session, scope: Scope, data: Any, campaign_dirs: list[Path]
) -> FilingRecord:
    filing = validate_filing(data, campaign_dirs)
    _require_bureau(scope, filing)
    problem = id_problem(scope, filing)
    if problem:
        raise FilingInvalid(f"申报 字段 filing_id：{problem}", [("filing_id", problem)])
    if session.get(FilingRecord, filing.filing_id) is not None:
        raise Conflict(f"申报编号 {filing.filing_id} 已存在；修改请用 PUT")
    record = _insert(session, scope, filing, "filing_created")
    _recheck_new(session, scope, record, filing, campaign_dirs, old_keys=None)
    return record


def _insert(session: Session, scope: Scope, filing: Filing, action: str) -> FilingRecord:
    record = FilingRecord(id=filing.filing_id, status="awaiting_upload", open_flags=0)
    record.created_at = utcnow()
    _apply(record, filing)
    session.add(record)
    session.flush()
    audit.record(session, scope, action, record.id, after=record.data)
    return record


def _recheck_new(
    session: Session,
    scope: Scope,
    record: FilingRecord,
    filing: Filing,
    campaign_dirs: list[Path],
    old_keys: tuple[str, tuple[str, str]] | None,
) -> None:
    recheck_filing(session, record.id, campaign_dirs, actor=scope)
    touched = [(filing.campaign, applicant_keys(filing))]
    if old_keys is not None:
        touched.append(old_keys)
    recheck_applicants(session, campaign_dirs, touched, actor=scope)


def update_filing(
    session: Session, scope: Scope, filing_id: str, data: Any, campaign_dirs: list[Path]
) -> tuple[FilingRecord, bool]:
    """Replace the filing's data and re-check; (record, changed). Unchanged data is a no-op."""
    record = get_filing(session, scope, filing_id)
    filing = validate_filing(data, campaign_dirs)
    if filing.filing_id != filing_id:
        raise FilingInvalid(
            f"申报 字段 filing_id：「{filing.filing_id}」与地址中的编号 {filing_id} 不一致"
        )
    _require_bureau(scope, filing)
    return _update(session, scope, record, filing, campaign_dirs, "filing_updated")


def _update(
    session: Session,
    scope: Scope,
    record: FilingRecord,
    filing: Filing,
    campaign_dirs: list[Path],
    action: str,
) -> tuple[FilingRecord, bool]:
    before = record.data
    after = filing_json(filing)
    if before == after:
        return record, False
    old_keys = (record.campaign, (record.credit_code_key, record.name_key))
    moved = record.bureau != filing.bureau
    _apply(record, filing)
    if moved:  # the bureau is kept on jobs and flags too, for scoped lists
        for table in (JobRecord, FlagRecord):
            session.execute(
                update(table).where(table.filing_id == record.id).values(bureau=filing.bureau)
            )
    session.flush()
    audit.record(session, scope, action, record.id, before=before, after=after)
    _recheck_new(session, scope, record, filing, campaign_dirs, old_keys=old_keys)
    return record, True


def set_recommendation(
    session: Session, scope: Scope, filing_id: str, decision: str | None, reason: str | None
) -> FilingRecord:
    """The bureau's decision on a filing: recommended (only with nothing left open), or not."""
    record = get_filing(session, scope, filing_id)
    if decision is not None and decision not in RECOMMENDATIONS:
        raise InvalidInput(f"推荐意见须为 {'、'.join(RECOMMENDATIONS)} 或 null")
    reason = check_text(reason, "理由", LIMITS.reason)
    if decision == "not_recommended" and not reason:
        raise InvalidInput("不推荐时须填写理由")
    if decision == "recommended":
        active = session.scalar(
            select(func.count())
            .select_from(JobRecord)
            .where(JobRecord.filing_id == filing_id, JobRecord.state.in_(ACTIVE_JOB_STATES))
        )
        if record.status == "awaiting_upload" or active:
            raise Conflict("材料尚未上传或仍在核验中，暂不能推荐")
        if record.open_flags:
            raise Conflict(f"还有 {record.open_flags} 个疑点未处理，请先确认或排除")
        waiting = pending_corrections(session, filing_id)
        if waiting:
            raise Conflict(f"还有 {waiting} 项更正等待复核人员批准，批准或驳回后才能推荐")
    before = {"recommendation": record.recommendation, "reason": record.recommendation_reason}
    record.recommendation = decision
    record.recommendation_reason = reason
    record.updated_at = utcnow()
    refresh_status(session, record)
    after = {"recommendation": decision, "reason": reason}
    audit.record(session, scope, "recommendation", filing_id, before=before, after=after)
    return record


def pending_corrections(session: Session, filing_id: str) -> int:
    """Corrections of the filing's documents that wait for a second person's approval."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(CorrectionRecord)
            .join(DocumentRecord, DocumentRecord.id == CorrectionRecord.document_id)
            .where(DocumentRecord.filing_id == filing_id, CorrectionRecord.state == "pending")
        )
        or 0
    )


# --------------------------------------------------------------------------- import


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class ImportRejected(ImportInvalid):
    """No row of the table could be imported; nothing was stored (details: the row errors)."""

    def __init__(self, message: str, errors: list[RowError]):
        super().__init__(message)
        self.errors = errors


def store_imported(
    session: Session,
    scope: Scope,
    table: ImportResult,
    filename: str,
    campaign: str,
    campaign_dirs: list[Path],
) -> ImportSummary:
    """The rows of a read 征集信息表 (`import_table`) as filings: valid rows kept, bad rows
    reported by number.

    Importing the same rows again changes nothing. A table in which no row is valid is
    refused whole (ImportRejected) so that a wrong file cannot half-import.
    """
    campaign = (campaign or "").strip()
    campaign_for(campaign, campaign_dirs)
    summary = ImportSummary(errors=list(table.errors), warnings=list(table.warnings))
    accepted: list[tuple[int, Filing]] = []
    for row, filing in table.filings:
        if not scope.allows(filing.bureau):
            summary.errors.append(
                RowError(
                    row, None, f"该行属于受理单位 {filing.bureau}，不是本单位（{scope.bureau}）"
                )
            )
            continue
        existing = session.get(FilingRecord, filing.filing_id)
        theirs = existing is not None and not scope.allows(existing.bureau)
        problem = id_problem(scope, filing) if existing is None or theirs else None
        if problem or theirs:
            summary.errors.append(
                RowError(row, None, problem or f"申报编号 {filing.filing_id} 不可用")
            )
            continue
        accepted.append((row, filing))
    summary.errors.sort(key=lambda e: e.row)
    if not accepted:
        raise ImportRejected(
            f"「{filename}」没有可以导入的行（{len(summary.errors)} 处错误），未保存任何内容",
            summary.errors,
        )
    for _row, filing in accepted:
        existing = session.get(FilingRecord, filing.filing_id)
        if existing is None:
            record = _insert(session, scope, filing, "filing_imported")
            _recheck_new(session, scope, record, filing, campaign_dirs, old_keys=None)
            summary.created.append(filing.filing_id)
            continue
        _record, changed = _update(
            session, scope, existing, filing, campaign_dirs, "filing_imported"
        )
        (summary.updated if changed else summary.unchanged).append(filing.filing_id)
    audit.record(
        session,
        scope,
        "import",
        None,
        target=filename[:128],
        after={
            "campaign": campaign,
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "errors": len(summary.errors),
        },
    )
    return summary
