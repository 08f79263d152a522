"""A wrong upload removed or replaced, a page's kind set or the page turned by hand: audit-logged,
re-checked.

What a person decided on the document — a confirmed or dismissed flag on its pages, a correction
of one of its values — is never dropped silently: removing such a document is refused with
ConfirmationRequired (409, listing each decision) until it is asked for again with `confirm`,
and the history then records every decision the removal set aside. A flag's decision is kept on
the flag (resolved by the re-check): the same file uploaded again brings the flag back decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.errors import ConfirmationRequired, Conflict, InvalidInput
from core.filing import LIMITS, check_text
from core.model import PageKind
from core.states import ACTIVE_JOB_STATES, FlagStatus
from intake.persistence.records import (
    CorrectionRecord,
    DocumentRecord,
    FlagRecord,
    JobRecord,
    PageBand,
    PageRecord,
)
from intake.persistence.stored import latest_jobs
from intake.service import audit
from intake.service.recheck import lock_filing, recheck_filing, refresh_status
from intake.service.review import get_document, get_page
from intake.service.scope import Scope
from intake.service.uploads import queued_job
from validators.flags import display_value, load_flag_catalogue

DECIDED = (FlagStatus.CONFIRMED, FlagStatus.DISMISSED)
DECISION_LABELS = {"confirmed": "已确认", "dismissed": "已排除"}
CORRECTION_LABELS = {"applied": "已生效", "pending": "待复核", "approved": "已批准"}


@dataclass(frozen=True)
class Removed:
    """What was removed: the document's id, file name and the stored files now without a row
    (the caller deletes them once the removal has committed; else the orphan sweep does)."""

    document_id: int
    filing_id: str
    source: str
    storage_keys: list[str]


def _decisions(session: Session, document: DocumentRecord) -> list[dict]:
    """Every decision a person made on the document: flags decided, corrections made."""
    catalogue = load_flag_catalogue()
    found = []
    flags = session.scalars(
        select(FlagRecord)
        .where(
            FlagRecord.filing_id == document.filing_id,
            FlagRecord.document_id == document.id,
            FlagRecord.status.in_(DECIDED),
        )
        .order_by(FlagRecord.position, FlagRecord.id)
    )
    for flag in flags:
        text = f"疑点「{catalogue.title(flag.code)}」{DECISION_LABELS[flag.status]}"
        found.append(
            {
                "flag_id": flag.id,
                "code": flag.code,
                "status": flag.status,
                "reason": flag.reason,
                "text": text + (f"（理由：{flag.reason}）" if flag.reason else ""),
            }
        )
    corrections = session.scalars(
        select(CorrectionRecord)
        .where(
            CorrectionRecord.document_id == document.id,
            CorrectionRecord.state.in_(tuple(CORRECTION_LABELS)),
        )
        .order_by(CorrectionRecord.id)
    )
    for correction in corrections:
        label = catalogue.field_label(None, correction.field)
        found.append(
            {
                "correction_id": correction.id,
                "field": correction.field,
                "value": correction.value,
                "state": correction.state,
                "text": f"第{correction.page_index + 1}页「{label}」更正为"
                f"「{display_value(correction.value)}」（{CORRECTION_LABELS[correction.state]}，"
                f"{correction.user_name}）",
            }
        )
    return found


def removable(session: Session, scope: Scope, document_id: int, confirm: bool) -> DocumentRecord:
    """The document, if it may be removed now: not while it is being read (409), and not,
    without `confirm`, when a person decided something on it (ConfirmationRequired)."""
    document = get_document(session, scope, document_id)
    job = latest_jobs(session, [document.id]).get(document.id)
    if job is not None and job.state in ACTIVE_JOB_STATES:
        raise Conflict(f"「{document.source}」正在识别，请等识别结束后再删除或替换")
    decisions = _decisions(session, document)
    if decisions and not confirm:
        listed = "；".join(d["text"] for d in decisions)
        raise ConfirmationRequired(
            f"「{document.source}」上有 {len(decisions)} 项人工决定：{listed}。"
            "删除或替换后这些决定不再生效（会记入处理记录）；确认后请再次提交"
        )
    return document


def remove_document(
    session: Session,
    scope: Scope,
    document_id: int,
    campaign_dirs: list[Path],
    *,
    reason: str | None = None,
    confirm: bool = False,
    replaced_by: DocumentRecord | None = None,
) -> Removed:
    """Remove the document, its pages, jobs and corrections; audit-log it with every decision
    set aside; re-check the filing. The caller commits, then runs `recheck_reused_scans` for
    the filing in a transaction of its own, then deletes `storage_keys`."""
    reason = check_text(reason, "理由", LIMITS.reason)
    document = removable(session, scope, document_id, confirm)
    record = lock_filing(session, document.filing_id)
    decisions = _decisions(session, document)
    pages = session.scalars(select(PageRecord).where(PageRecord.document_id == document.id))
    keys = [document.storage_key] + [p.image_key for p in pages if p.image_key]
    page_ids = select(PageRecord.id).where(PageRecord.document_id == document.id)
    session.execute(delete(PageBand).where(PageBand.page_id.in_(page_ids)))
    session.execute(delete(PageRecord).where(PageRecord.document_id == document.id))
    session.execute(delete(CorrectionRecord).where(CorrectionRecord.document_id == document.id))
    session.execute(delete(JobRecord).where(JobRecord.document_id == document.id))
    removed = Removed(document.id, document.filing_id, document.source, keys)
    before = {
        "document_id": document.id,
        "source": document.source,
        "sha256": document.sha256,
        "page_count": document.page_count,
        "decisions": decisions,
    }
    after: dict = {"reason": reason, "confirmed": bool(decisions)}
    if replaced_by is not None:
        after.update(document_id=replaced_by.id, source=replaced_by.source)
    session.delete(document)
    session.flush()
    audit.record(
        session,
        scope,
        "document_replaced" if replaced_by is not None else "document_removed",
        record.id,
        target=f"document:{removed.document_id}",
        before=before,
        after=after,
    )
    recheck_filing(session, record.id, campaign_dirs, actor=scope)
    return removed


# --------------------------------------------------------------------------- a page's kind by hand


def set_page_kind(
    session: Session, scope: Scope, document_id: int, index: int, kind: str, reason: str | None
) -> JobRecord:
    """A person overrides the classifier: the page is read again as `kind` (a new job of its
    document; the caller commits and queues it), and stays that kind on later re-reads.
    Audit-logged with the kind before and after; 409 while the document is being read or when
    the page already is that kind; a reason is required."""
    try:
        wanted = PageKind(kind)
    except ValueError:
        raise InvalidInput(f"页面类型须为 {'、'.join(k.value for k in PageKind)} 之一") from None
    reason = check_text(reason, "理由", LIMITS.reason)
    if not reason:
        raise InvalidInput("更改页面类型必须填写理由")
    page, document, record = _page_to_change(session, scope, document_id, index, "更改页面类型")
    catalogue = load_flag_catalogue()
    if page.kind == wanted.value:
        raise Conflict(f"第{index + 1}页已经是「{catalogue.kind_label(wanted)}」")
    overrides = dict(document.kind_overrides or {})
    overrides[str(index)] = wanted.value
    document.kind_overrides = overrides
    job = queued_job(session, record, document)
    refresh_status(session, record)
    audit.record(
        session,
        scope,
        "page_kind_changed",
        record.id,
        target=f"document:{document.id}:page:{index}",
        before={"kind": page.kind, "source": document.source, "page": index},
        after={"kind": wanted.value, "reason": reason, "job_id": job.id},
    )
    return job


def _page_to_change(session: Session, scope: Scope, document_id: int, index: int, action: str):
    """The page a person changes by hand, its document and its filing (locked); 409 while the
    document is being read (`action` names the change in the message)."""
    page = get_page(session, scope, document_id, index)
    document = session.get(DocumentRecord, document_id)
    record = lock_filing(session, document.filing_id)
    latest = latest_jobs(session, [document.id]).get(document.id)
    if latest is not None and latest.state in ACTIVE_JOB_STATES:
        raise Conflict(f"「{document.source}」正在识别，请等识别结束后再{action}")
    return page, document, record


# --------------------------------------------------------------------------- a page turned by hand

TURN_LABELS = {90: "向右转 90°", 180: "转 180°", 270: "向左转 90°"}
"""A quarter turn clockwise, in the words of the button that asks for it."""


def turn_page(
    session: Session, scope: Scope, document_id: int, index: int, turn: int, reason: str | None
) -> JobRecord:
    """A person turns the stored page by a quarter turn (`turn` degrees clockwise of it as shown)
    when its orientation was found wrong: the page is read again turned so (a new job of its
    document; the caller commits and queues it) and stays so on later re-reads. Audit-logged
    with the page's turn before and after; 409 while the document is being read or when the
    page has no image; a reason is required."""
    if turn not in TURN_LABELS:
        raise InvalidInput("旋转角度须为 90、180 或 270 度（顺时针）")
    reason = check_text(reason, "理由", LIMITS.reason)
    if not reason:
        raise InvalidInput("旋转页面必须填写理由")
    page, document, record = _page_to_change(session, scope, document_id, index, "旋转页面")
    if not page.image_key:
        raise Conflict(f"「{document.source}」第{index + 1}页没有可显示的图像，无法旋转")
    rotation = (page.rotation + turn) % 360  # of the page as scanned: the pipeline's terms
    overrides = dict(document.rotation_overrides or {})
    overrides[str(index)] = rotation
    document.rotation_overrides = overrides
    job = queued_job(session, record, document)
    refresh_status(session, record)
    audit.record(
        session,
        scope,
        "page_turned",
        record.id,
        target=f"document:{document.id}:page:{index}",
        before={"rotation": page.rotation, "source": document.source, "page": index},
        after={"rotation": rotation, "turn": turn, "reason": reason, "job_id": job.id},
    )
    return job
