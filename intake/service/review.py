"""Review: flags listed and decided, read values corrected (re-checked without OCR), pages, jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Conflict, Forbidden, InvalidInput
from core.filing import LIMITS, check_text
from core.model import PageKind
from core.states import FINISHED_JOB_STATES, FlagStatus
from extractors.label_specs import load_specs
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
from intake.service.filings import not_found
from intake.service.recheck import (
    CROSS_FILING_CODES,
    lock_filing,
    own_flags,
    recheck_filing,
    refresh_status,
    standing_prints,
)
from intake.service.scope import Scope
from validators.flags import load_flag_catalogue

DECISIONS = {"confirm": "confirmed", "dismiss": "dismissed"}
REVIEWS = {"approve": "approved", "reject": "rejected"}
APPROVER_ROLES = frozenset({"reviewer"})
"""Who may approve a correction that clears a flag: a reviewer, never the one who made it."""


# --------------------------------------------------------------------------- documents, jobs


def get_document(session: Session, scope: Scope, document_id: int) -> DocumentRecord:
    """The document, in one query whether it is missing or another bureau's (same answer,
    same work: the time of the answer tells nothing)."""
    document = session.scalar(
        select(DocumentRecord)
        .join(FilingRecord, FilingRecord.id == DocumentRecord.filing_id)
        .where(DocumentRecord.id == document_id, scope.where(FilingRecord.bureau))
    )
    if document is None:
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
        raise InvalidInput(f"decision 须为 {' 或 '.join(DECISIONS)}")
    reason = check_text(reason, "理由", LIMITS.reason)
    if decision == "dismiss" and not reason:
        raise InvalidInput("排除疑点必须填写理由")
    if flag.status == FlagStatus.RESOLVED:
        raise Conflict("该疑点在最新核验中已不再出现，无需处理")
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


VALUE_HINTS = {
    "date": "，请写作 2021-03-01",
    "date_or_unpublished": "，请写作 2021-03-01",
}
"""How a clerk should write a value of this type, after 「…」不是有效的 <label>."""


def normal_value(kind: str, field_name: str, value: Any) -> Any:
    """The corrected value in the contract's normal form, parsed like an OCR reading."""
    fields = correctable_fields(kind)
    catalogue = load_flag_catalogue()
    label = catalogue.field_label(kind, field_name)
    if field_name not in fields:
        known = "、".join(catalogue.field_label(kind, f) for f in fields) or "（无）"
        raise InvalidInput(f"{catalogue.kind_label(kind)}上没有「{label}」；可更正的字段：{known}")
    kind_of_value = fields[field_name]
    if kind_of_value == "bool":
        if not isinstance(value, bool):
            raise InvalidInput(f"「{label}」须为 是 或 否（true 或 false）")
        return value
    if value is None:
        if kind_of_value == "date_or_unpublished":
            return None
        raise InvalidInput(f"「{label}」不能为空")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "、".join(value)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"「{label}」须填写文字，不能为空")
    parsed = PARSERS[kind_of_value](value)
    if not parsed.ok:
        raise InvalidInput(f"「{value}」不是有效的{label}{VALUE_HINTS.get(kind_of_value, '')}")
    return parsed.value


def correct_field(
    session: Session,
    scope: Scope,
    document_id: int,
    page_index: int,
    field_name: str,
    value: Any,
    campaign_dirs: list[Path],
    reason: str | None = None,
) -> CorrectionRecord:
    """Record a corrected value with its reason (the OCR value stays on the page) and re-check.

    A correction that would clear a flag still standing (open, confirmed or dismissed) is kept
    `pending`: it changes no flag and the filing cannot be recommended until a second person,
    a reviewer, approves it (`review_correction`). Any other correction applies at once.
    """
    reason = check_text(reason, "更正理由", LIMITS.reason)
    if not reason:
        raise InvalidInput("更正识别值必须填写理由")
    page = get_page(session, scope, document_id, page_index)
    document = session.get(DocumentRecord, document_id)
    job = session.scalar(
        select(JobRecord).where(JobRecord.document_id == document_id).order_by(JobRecord.id.desc())
    )
    if job is None or job.state not in FINISHED_JOB_STATES:
        raise Conflict("该文件仍在识别中，识别完成后再更正")
    corrected = normal_value(page.kind, field_name, value)
    ocr = (page.fields or {}).get(field_name, {}).get("value")
    place = (
        CorrectionRecord.document_id == document_id,
        CorrectionRecord.page_index == page_index,
        CorrectionRecord.field == field_name,
    )
    if session.scalar(
        select(CorrectionRecord.id).where(*place, CorrectionRecord.state == "pending")
    ):
        raise Conflict("该字段已有一项更正等待复核，复核后再更正")
    previous = session.scalar(
        select(CorrectionRecord)
        .where(*place, CorrectionRecord.state.in_(("applied", "approved")))
        .order_by(CorrectionRecord.id.desc())
    )
    before = previous.value if previous is not None else ocr
    record = lock_filing(session, document.filing_id)
    correction = CorrectionRecord(
        document_id=document_id,
        page_index=page_index,
        field=field_name,
        value=corrected,
        ocr_value=ocr,
        reason=reason,
        state="applied",
        user_id=scope.user_id,
        user_name=scope.user_name,
        created_at=utcnow(),
    )
    session.add(correction)
    session.flush()
    cleared = _would_clear(session, record, campaign_dirs)
    if cleared:
        correction.state = "pending"
        session.flush()
    audit.record(
        session,
        scope,
        "field_corrected",
        document.filing_id,
        target=f"document:{document_id}:page:{page_index}:{field_name}",
        before={"value": before, "ocr_value": ocr},
        after={
            "value": corrected,
            "reason": reason,
            "state": correction.state,
            "would_clear": [f"flag:{f.id}:{f.code}" for f in cleared],
        },
    )
    if not cleared:
        recheck_filing(session, document.filing_id, campaign_dirs, actor=scope)
    else:
        refresh_status(session, record)
    return correction


def _would_clear(
    session: Session, record: FilingRecord, campaign_dirs: list[Path]
) -> list[FlagRecord]:
    """The filing's standing flags that a re-check with the session's corrections would clear."""
    found = own_flags(session, record, campaign_dirs)
    if found is None:
        return []
    flags, by_source = found
    kept = standing_prints(flags, by_source)
    standing = session.scalars(
        select(FlagRecord).where(
            FlagRecord.filing_id == record.id, FlagRecord.status != FlagStatus.RESOLVED
        )
    )
    return [f for f in standing if f.code not in CROSS_FILING_CODES and f.fingerprint not in kept]


def get_correction(session: Session, scope: Scope, correction_id: int) -> CorrectionRecord:
    correction = session.get(CorrectionRecord, correction_id)
    if correction is None:
        raise not_found("更正", correction_id)
    get_document(session, scope, correction.document_id)  # 404 alike outside the scope
    return correction


def review_correction(
    session: Session,
    scope: Scope,
    correction_id: int,
    decision: str,
    reason: str | None,
    campaign_dirs: list[Path],
) -> CorrectionRecord:
    """The second pair of eyes: a reviewer other than its author approves a pending correction
    (it then applies, and the flags it clears are resolved in the reviewer's name) or rejects
    it (with a reason; it never counts)."""
    correction = get_correction(session, scope, correction_id)
    if decision not in REVIEWS:
        raise InvalidInput(f"decision 须为 {' 或 '.join(REVIEWS)}")
    if scope.role not in APPROVER_ROLES:
        raise Forbidden("只有复核人员可以复核更正")
    if correction.user_id == scope.user_id:
        raise Forbidden("更正须由另一人复核，不能复核自己的更正")
    reason = check_text(reason, "复核理由", LIMITS.reason)
    if decision == "reject" and not reason:
        raise InvalidInput("驳回更正必须填写理由")
    if correction.state != "pending":
        shown = {"applied": "已生效", "approved": "已批准", "rejected": "已驳回"}
        raise Conflict(f"该更正不在待复核状态（{shown.get(correction.state, correction.state)}）")
    document = session.get(DocumentRecord, correction.document_id)
    record = lock_filing(session, document.filing_id)
    correction.state = REVIEWS[decision]
    correction.reviewed_by = scope.user_id
    correction.reviewed_by_name = scope.user_name
    correction.reviewed_at = utcnow()
    correction.review_reason = reason
    session.flush()
    audit.record(
        session,
        scope,
        f"correction_{correction.state}",
        document.filing_id,
        target=f"correction:{correction.id}:{correction.field}",
        before={"state": "pending", "value": correction.value, "by": correction.user_name},
        after={"state": correction.state, "reason": reason},
    )
    if correction.state == "approved":
        recheck_filing(session, document.filing_id, campaign_dirs, actor=scope)
    else:
        refresh_status(session, record)
    return correction
