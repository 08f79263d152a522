"""Times as a clerk in Jiangsu reads them: Beijing time, the offset kept wherever a time is data."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")


def in_beijing(moment: datetime | str | None) -> datetime | None:
    """`moment` in Beijing time; a time without a zone is taken as UTC (how times are stored)."""
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING)


def beijing_text(moment: datetime | str | None, with_seconds: bool = False) -> str:
    """e.g. 2021-02-28 13:41 (Beijing time); empty for no time."""
    local = in_beijing(moment)
    if local is None:
        return ""
    return local.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def beijing_iso(moment: datetime | str | None) -> str | None:
    """ISO 8601 with the +08:00 offset, e.g. 2021-02-28T13:41:00+08:00; None for no time."""
    local = in_beijing(moment)
    return local.isoformat() if local is not None else None
