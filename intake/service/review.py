"""Review: flags listed and decided, read values corrected (re-checked without OCR), pages, jobs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from core.errors import Conflict, InvalidInput
from core.model import PageKind
from core.states import FINISHED_JOB_STATES, FlagStatus
from extractors.fields import load_specs
from extractors.values import PARSERS
from intake.persistence.records import (
    CorrectionRecord,
    DocumentRecord,
    FilingRecord,
    FlagRecord,
    JobRecord,
    PageRecord,
    utcnow,
)
from intake.service import audit
from intake.service.filings import MAX_PAGE_SIZE, not_found
from intake.service.recheck import recheck_filing, refresh_status
from intake.service.scope import Scope

DECISIONS = {"confirm": "confirmed", "dismiss": "dismissed"}
MAX_REASON_LENGTH = 2000


# --------------------------------------------------------------------------- documents, jobs


def get_document(session: Session, scope: Scope, document_id: int) -> DocumentRecord:
    document = session.get(DocumentRecord, document_id)
    if document is None:
        raise not_found("文件", document_id)
    bureau = session.scalar(
        select(FilingRecord.bureau).where(FilingRecord.id == document.filing_id)
    )
    if bureau is None or not scope.allows(bureau):
        raise not_found("文件", document_id)
    return document


def get_job(session: Session, scope: Scope, job_id: int) -> JobRecord:
    job = session.get(JobRecord, job_id)
    if job is None or not scope.allows(job.bureau):
        raise not_found("任务", job_id)
    return job


def filing_jobs(session: Session, filing_id: str) -> list[JobRecord]:
    return list(
        session.scalars(
            select(JobRecord).where(JobRecord.filing_id == filing_id).order_by(JobRecord.id)
        )
    )


def get_page(session: Session, scope: Scope, document_id: int, index: int) -> PageRecord:
    get_document(session, scope, document_id)
    page = session.scalar(
        select(PageRecord).where(PageRecord.document_id == document_id, PageRecord.index == index)
    )
    if page is None:
        raise not_found("页面", f"{document_id}/{index}")
    return page


# --------------------------------------------------------------------------- flags


@dataclass(frozen=True)
class FlagQuery:
    bureau: str | None = None
    status: str | None = None
    code: str | None = None
    filing_id: str | None = None
    limit: int = 50
    offset: int = 0


def list_flags(session: Session, scope: Scope, query: FlagQuery) -> tuple[list[Row], int]:
    """A page of flags in scope, as rows carrying FlagRecord's columns by name; and the count."""
    conditions = [scope.where(FlagRecord.bureau)]
    bureau = scope.narrowed(query.bureau)
    if bureau is not None:
        conditions.append(FlagRecord.bureau == bureau)
    if query.status:
        conditions.append(FlagRecord.status == query.status)
    if query.code:
        conditions.append(FlagRecord.code == query.code)
    if query.filing_id:
        conditions.append(FlagRecord.filing_id == query.filing_id)
    total = session.scalar(select(func.count()).select_from(FlagRecord).where(*conditions))
    rows = session.execute(
        select(*FlagRecord.__table__.columns)
        .where(*conditions)
        .order_by(FlagRecord.filing_id, FlagRecord.position, FlagRecord.id)
        .limit(min(max(query.limit, 1), MAX_PAGE_SIZE))
        .offset(max(query.offset, 0))
    ).all()
    return rows, int(total or 0)


def get_flag(session: Session, scope: Scope, flag_id: int) -> FlagRecord:
    flag = session.get(FlagRecord, flag_id)
    if flag is None or not scope.allows(flag.bureau):
        raise not_found("疑点", flag_id)
    return flag


def _flag_state(flag: FlagRecord) -> dict[str, Any]:
    return {"status": flag.status, "decision": flag.decision, "reason": flag.reason}


def decide_flag(
    session: Session, scope: Scope, flag_id: int, decision: str, reason: str | None
) -> FlagRecord:
    """Confirm a flag, or dismiss it with a reason; the decision follows it across re-checks."""
    flag = get_flag(session, scope, flag_id)
    if decision not in DECISIONS:
        raise InvalidInput(f"decision 须为 {' 或 '.join(DECISIONS)}（confirm or dismiss）")
    reason = (reason or "").strip() or None
    if decision == "dismiss" and not reason:
        raise InvalidInput("排除疑点必须填写理由（a reason is required to dismiss a flag）")
    if reason and len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(f"理由不能超过 {MAX_REASON_LENGTH} 个字符")
    if flag.status == FlagStatus.RESOLVED:
        raise Conflict("该疑点在最新核验中已不再出现，无需处理（the flag is resolved）")
    record = session.get(FilingRecord, flag.filing_id, with_for_update=True)
    before = _flag_state(flag)
    flag.decision = DECISIONS[decision]
    flag.status = flag.decision
    flag.reason = reason
    flag.decided_by = scope.user_id
    flag.decided_at = utcnow()
    session.flush()
    refresh_status(session, record)
    audit.record(
        session,
        scope,
        f"flag_{flag.decision}",
        flag.filing_id,
        target=f"flag:{flag.id}:{flag.code}",
        before=before,
        after=_flag_state(flag),
    )
    return flag


# --------------------------------------------------------------------------- corrections


def correctable_fields(kind: str) -> dict[str, str]:
    """Field name → parser type for a page kind (has_seal: a yes/no for usage reports)."""
    try:
        spec = load_specs()[PageKind(kind)]
    except (KeyError, ValueError):
        return {}
    fields = {f.name: f.type for f in spec.fields}
    if kind == PageKind.USAGE_REPORT.value:
        fields["has_seal"] = "bool"
    return fields


def normal_value(kind: str, field_name: str, value: Any) -> Any:
    """The corrected value in the contract's normal form, parsed like an OCR reading."""
    fields = correctable_fields(kind)
    if field_name not in fields:
        known = "、".join(fields) or "（无）"
        raise InvalidInput(f"「{kind}」页没有字段 {field_name}；可更正的字段：{known}")
    kind_of_value = fields[field_name]
    if kind_of_value == "bool":
        if not isinstance(value, bool):
            raise InvalidInput(f"字段 {field_name} 的值须为 true 或 false")
        return value
    if value is None:
        if kind_of_value == "date_or_unpublished":
            return None
        raise InvalidInput(f"字段 {field_name} 的值不能为空")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "、".join(value)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"字段 {field_name} 的值须为非空文字")
    parsed = PARSERS[kind_of_value](value)
    if not parsed.ok:
        raise InvalidInput(
            f"「{value}」不是有效的 {field_name}（cannot read it as {kind_of_value}）"
        )
    return parsed.value


def correct_field(
    session: Session,
    scope: Scope,
    document_id: int,
    page_index: int,
    field_name: str,
    value: Any,
    campaign_dirs: list[Path],
) -> CorrectionRecord:
    """Record a corrected value (the OCR value stays on the page) and re-check the filing."""
    page = get_page(session, scope, document_id, page_index)
    document = session.get(DocumentRecord, document_id)
    job = session.scalar(
        select(JobRecord).where(JobRecord.document_id == document_id).order_by(JobRecord.id.desc())
    )
    if job is None or job.state not in FINISHED_JOB_STATES:
        raise Conflict("该文件仍在识别中，识别完成后再更正（the document is still being read）")
    corrected = normal_value(page.kind, field_name, value)
    ocr = (page.fields or {}).get(field_name, {}).get("value")
    previous = session.scalar(
        select(CorrectionRecord)
        .where(
            CorrectionRecord.document_id == document_id,
            CorrectionRecord.page_index == page_index,
            CorrectionRecord.field == field_name,
        )
        .order_by(CorrectionRecord.id.desc())
    )
    before = previous.value if previous is not None else ocr
    correction = CorrectionRecord(
        document_id=document_id,
        page_index=page_index,
        field=field_name,
        value=corrected,
        ocr_value=ocr,
        user_id=scope.user_id,
        user_name=scope.user_name,
        created_at=utcnow(),
    )
    session.add(correction)
    session.flush()
    audit.record(
        session,
        scope,
        "field_corrected",
        document.filing_id,
        target=f"document:{document_id}:page:{page_index}:{field_name}",
        before={"value": before, "ocr_value": ocr},
        after={"value": corrected},
    )
    recheck_filing(session, document.filing_id, campaign_dirs)
    return correction
