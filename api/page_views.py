"""What the reviewer pages show, prepared for the templates: deadlines, filters, history lines."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.model import PageKind
from intake.persistence.records import AuditEntry
from intake.pipeline.check import campaign_for
from intake.presentation.review_marks import FILING_STATUS_LABELS, FLAG_STATUS_LABELS
from intake.presentation.times import beijing_text
from intake.service.documents import TURN_LABELS
from intake.service.filings import FILING_STATUSES
from validators.bureaus import Bureau, load_bureaus
from validators.campaign import list_campaigns
from validators.flags import display_value, load_flag_catalogue

LOCAL_TIME = ZoneInfo("Asia/Shanghai")
RECOMMENDATION_LABELS = {"recommended": "推荐", "not_recommended": "不推荐"}


def local_time(moment: datetime | str | None, with_seconds: bool = False) -> str:
    """A stored (UTC) time as Beijing time, e.g. 2021-03-12 17:00."""
    return beijing_text(moment, with_seconds)


def time_left(deadline: datetime, now: datetime) -> str:
    """How long until `deadline`: 剩余 3 天 4 小时 / 剩余 5 小时 20 分 / 已截止."""
    seconds = (deadline - now).total_seconds()
    if seconds <= 0:
        return "已截止"
    minutes = math.ceil(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"剩余 {days} 天 {hours} 小时"
    if hours:
        return f"剩余 {hours} 小时 {minutes} 分"
    return f"剩余 {minutes} 分钟"


@dataclass(frozen=True)
class Deadline:
    label: str
    at: datetime
    left: str

    @property
    def passed(self) -> bool:
        return self.left == "已截止"

    @property
    def shown_at(self) -> str:
        return local_time(self.at)


@dataclass(frozen=True)
class CampaignDeadlines:
    campaign_id: str
    title: str
    deadlines: list[Deadline]


def campaign_deadlines(
    campaign: str | None, dirs: list[Path], now: datetime
) -> list[CampaignDeadlines]:
    """The online and recommendation deadlines of `campaign` (or of every known campaign)."""
    found = []
    for campaign_id in [campaign] if campaign else list_campaigns(dirs):
        rules = campaign_for(campaign_id, dirs)
        deadlines = [
            Deadline(label, at, time_left(at, now))
            for label, at in (
                ("在线填报截止", rules.deadline),
                ("受理单位推荐截止", rules.recommendation_deadline),
            )
            if at is not None
        ]
        if deadlines:
            found.append(CampaignDeadlines(campaign_id, rules.title, deadlines))
    return found


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def bureau_choices() -> list[Bureau]:
    return [b for _code, b in sorted(load_bureaus().items())]


def status_choices() -> list[Choice]:
    return [Choice(s, FILING_STATUS_LABELS[s]) for s in FILING_STATUSES]


def flag_code_choices() -> list[Choice]:
    catalogue = load_flag_catalogue()
    return [Choice(code, catalogue.title(code)) for code in catalogue.codes]


def page_kind_choices() -> list[Choice]:
    catalogue = load_flag_catalogue()
    return [Choice(k.value, catalogue.kind_label(k)) for k in PageKind]


def campaign_choices(dirs: list[Path]) -> list[Choice]:
    return [Choice(c, campaign_for(c, dirs).title) for c in list_campaigns(dirs)]


@dataclass(frozen=True)
class Pager:
    page: int
    size: int
    count: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.count / self.size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


# --------------------------------------------------------------------------- history

ACTION_LABELS = {
    "filing_created": "创建申报",
    "filing_updated": "修改申报",
    "filing_imported": "导入申报",
    "documents_uploaded": "上传材料",
    "job_retried": "重新处理",
    "document_removed": "删除材料",
    "document_replaced": "替换材料",
    "page_kind_changed": "更改页面类型",
    "page_turned": "旋转页面",
    "flag_confirmed": "确认疑点",
    "flag_dismissed": "排除疑点",
    "field_corrected": "更正识别值",
    "recommendation": "推荐意见",
    "flag_raised": "出现疑点",
    "flag_status_changed": "疑点状态变化",
    "correction_approved": "批准更正",
    "correction_rejected": "驳回更正",
}
CORRECTION_STATE_LABELS = {
    "applied": "已生效",
    "pending": "待复核",
    "approved": "已批准",
    "rejected": "已驳回",
}


@dataclass(frozen=True)
class HistoryLine:
    """One audit entry as a clerk reads it: when, who, what, and the change."""

    at: str
    user_name: str
    action: str
    action_label: str
    subject: str
    before: str
    after: str


def _changed_paths(before: Any, after: Any, prefix: str = "") -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        paths = []
        for key in sorted(set(before) | set(after)):
            paths += _changed_paths(before.get(key), after.get(key), f"{prefix}{key}.")
        return paths
    return [prefix.rstrip(".")] if before != after else []


def _filing_value(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def history_line(
    entry: AuditEntry, sources: dict[int, str], flag_numbers: dict[int, int] | None = None
) -> HistoryLine:
    """`sources`: document id → file name, to name the page of a correction; `flag_numbers`:
    flag id → its number on the review page (疑点 1, 2 …), so both pages name a flag alike."""
    catalogue = load_flag_catalogue()
    action, target = entry.action, entry.target or ""
    subject, before, after = "", "", ""
    if action.startswith("flag_"):
        _, flag_id, code = (target.split(":") + ["", ""])[:3]
        number = (flag_numbers or {}).get(int(flag_id)) if flag_id.isdigit() else None
        shown = f"疑点 {number}" if number else "疑点（已不在最新核验中）"
        subject = f"{shown} {catalogue.title(code)}"
        before = _flag_state(entry.before)
        after = _flag_state(entry.after)
    elif action == "field_corrected":
        parts = target.split(":")
        document_id, page, name = (
            (int(parts[1]), int(parts[3]), parts[4]) if len(parts) == 5 else (0, 0, target)
        )
        where = sources.get(document_id, f"文件 {document_id}")
        subject = f"{where} 第{page + 1}页 {catalogue.field_label(None, name)}"
        before = display_value((entry.before or {}).get("value"))
        after = display_value((entry.after or {}).get("value"))
        note = entry.after or {}
        if note.get("state") == "pending":
            after += "（待复核）"
        if note.get("reason"):
            after += f"（理由：{note['reason']}）"
    elif action.startswith("correction_"):
        subject = f"更正 #{target.split(':')[1] if ':' in target else target}"
        before = CORRECTION_STATE_LABELS.get((entry.before or {}).get("state"), "")
        after = CORRECTION_STATE_LABELS.get((entry.after or {}).get("state"), "")
        if (entry.after or {}).get("reason"):
            after += f"（{entry.after['reason']}）"
    elif action == "documents_uploaded":
        subject = "、".join(d.get("source", "") for d in entry.after or [])
    elif action == "job_retried":
        subject = (entry.after or {}).get("source", "")
        before = (entry.before or {}).get("error") or ""
    elif action == "page_kind_changed":
        old, new = entry.before or {}, entry.after or {}
        subject = f"{old.get('source', '')} 第{int(old.get('page', 0)) + 1}页"
        before = catalogue.kind_label(old["kind"]) if old.get("kind") else ""
        after = catalogue.kind_label(new["kind"]) if new.get("kind") else ""
        if new.get("reason"):
            after += f"（理由：{new['reason']}）"
    elif action == "page_turned":
        old, new = entry.before or {}, entry.after or {}
        subject = f"{old.get('source', '')} 第{int(old.get('page', 0)) + 1}页"
        after = TURN_LABELS.get(new.get("turn"), "")
        if new.get("reason"):
            after += f"（理由：{new['reason']}）"
    elif action in ("document_removed", "document_replaced"):
        subject, before, after = _removal(entry.before or {}, entry.after or {})
    elif action == "recommendation":
        before = _recommendation(entry.before)
        after = _recommendation(entry.after)
    elif action in ("filing_updated", "filing_imported") and entry.before:
        changed = _changed_paths(entry.before, entry.after)
        subject = "、".join(changed[:6]) + ("等" if len(changed) > 6 else "")
        before = "；".join(display_value(_filing_value(entry.before, p)) for p in changed[:6])
        after = "；".join(display_value(_filing_value(entry.after, p)) for p in changed[:6])
    return HistoryLine(
        at=local_time(entry.at, with_seconds=True),
        user_name=entry.user_name,
        action=action,
        action_label=ACTION_LABELS.get(action, action),
        subject=subject,
        before=before,
        after=after,
    )


def _flag_state(state: Any) -> str:
    if not isinstance(state, dict):
        return ""
    label = FLAG_STATUS_LABELS.get(state.get("status"), state.get("status") or "")
    return f"{label}（{state['reason']}）" if state.get("reason") else label


def _removal(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, before, after) of a removed or replaced upload: the file, the decisions it
    carried (set aside, with the person's confirmation), the file that replaced it, why."""
    subject = before.get("source", "")
    decisions = [d.get("text", "") for d in before.get("decisions") or []]
    shown_before = "；".join(decisions) if decisions else "（无人工决定）"
    if after.get("confirmed"):
        shown_before += "（已确认不再生效）"
    shown_after = f"替换为 {after['source']}" if after.get("source") else "已删除"
    if after.get("reason"):
        shown_after += f"（理由：{after['reason']}）"
    return subject, shown_before, shown_after


def _recommendation(state: Any) -> str:
    if not isinstance(state, dict) or not state.get("recommendation"):
        return "未决定"
    label = RECOMMENDATION_LABELS.get(state["recommendation"], state["recommendation"])
    return f"{label}（{state['reason']}）" if state.get("reason") else label
