"""One cell of the 征集信息表 to its filing value: dates, times, amounts, yes/no, counts, bureaus."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, Literal

from extractors.amounts import parse_wan
from extractors.normalize import (
    date_matches,
    normalize_credit_code,
    split_holders,
    strip_spaces,
    to_halfwidth,
)
from validators.bureaus import Bureau

CHINA_TIME = timezone(timedelta(hours=8))
FieldKind = Literal[
    "text", "id", "credit_code", "bureau", "date", "datetime", "bool", "wan", "count", "holders"
]


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class CellInvalid(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_NONE_TOKENS = frozenset({"无", "暂无", "-", "--", "—", "/", "未发表", "未公开发表"})
_YES = frozenset({"是", "y", "yes", "true", "✓", "✔", "√", "1", "有", "已适配"})
_NO = frozenset({"否", "n", "no", "false", "✗", "✘", "×", "x", "0", "无", "未适配"})
_EXCEL_EPOCH = datetime(1899, 12, 30)
_SERIAL_RANGE = (18264, 73051)
"""Excel serial numbers read as dates: 1950-01-01 up to 2100-01-01 (a bare year is refused)."""
_TIME = re.compile(
    r"(?:T|\s)*(?:(?P<h>\d{1,2})[:：](?P<m>\d{2})(?:[:：](?P<s>\d{2})(?:\.\d+)?)?)?\s*"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?\s*"
)
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")
_PLAIN_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_COUNT = re.compile(r"(\d+)(?:\.0+)?(?:项|个|件|篇)?")


def cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _from_serial(number: float) -> datetime:
    if not _SERIAL_RANGE[0] <= number < _SERIAL_RANGE[1]:
        raise CellInvalid(f"“{cell_text(number)}”不是日期")
    return _EXCEL_EPOCH + timedelta(seconds=round(number * 86400))


def _split_date_time(text: str) -> tuple[date, re.Match[str]]:
    """The date at the start of `text` and the match of what follows it (a time, a zone, nothing)."""
    work = to_halfwidth(text).strip()
    if re.fullmatch(r"\d{8}", work):
        work = f"{work[:4]}-{work[4:6]}-{work[6:]}"
    matches = date_matches(work)
    rest = _TIME.fullmatch(work[matches[0].end :]) if matches and matches[0].start == 0 else None
    if rest is None:
        raise CellInvalid(f"无法识别的日期“{text}”，请写作 2021-03-01")
    if matches[0].value is None:
        raise CellInvalid(f"日期“{text}”不存在")
    return matches[0].value, rest


def _read_date(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value).date().isoformat()
    text = cell_text(value)
    if _SERIAL_TEXT.fullmatch(text):
        return _from_serial(float(text)).date().isoformat()
    return _split_date_time(text)[0].isoformat()


def _read_datetime(value: object) -> str:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = _from_serial(value)
    elif isinstance(value, date):
        raise CellInvalid(f"提交时间“{value}”缺少时刻，请写作 2021-03-10 15:20")
    elif _SERIAL_TEXT.fullmatch(text := cell_text(value)):
        moment = _from_serial(float(text))
    else:
        day, rest = _split_date_time(text)
        if rest["h"] is None:
            raise CellInvalid(f"提交时间“{text}”缺少时刻，请写作 2021-03-10 15:20")
        try:
            clock = time(int(rest["h"]), int(rest["m"]), int(rest["s"] or 0))
        except ValueError:
            raise CellInvalid(f"时刻“{text}”不存在") from None
        zone = rest["zone"]
        if zone == "Z":
            tzinfo = UTC
        elif zone:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tzinfo = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        else:
            tzinfo = None
        moment = datetime.combine(day, clock, tzinfo)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TIME)
    return moment.isoformat()


def _read_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = strip_spaces(to_halfwidth(cell_text(value))).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellInvalid(f"“{cell_text(value)}”应填 是 或 否")


def _read_wan(value: object, unit: str | None) -> float:
    """万元; a plain number takes the header's unit (（元） divides by 10 000), a written one its own."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = strip_spaces(to_halfwidth(cell_text(value)))
        if not _PLAIN_NUMBER.fullmatch(text):
            amount = parse_wan(text)
            if amount is None:
                raise CellInvalid(f"金额“{cell_text(value)}”无法识别，请填万元数，如 350")
            return amount
        number = float(text.replace(",", ""))
    if number < 0:
        raise CellInvalid(f"金额“{cell_text(value)}”不能为负")
    scale = {"元": 1e-4, "亿元": 1e4, "亿": 1e4}.get(strip_spaces(unit or ""), 1.0)
    return number * scale


def _read_count(value: object) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and value >= 0:
            return int(value)
    else:
        text = strip_spaces(to_halfwidth(cell_text(value)))
        if text in {"无", "没有"}:
            return 0
        match = _COUNT.fullmatch(text)
        if match:
            return int(match.group(1))
    raise CellInvalid(f"“{cell_text(value)}”应填项数，如 3")


_BUREAU_SUFFIXES = ("工业和信息化局", "工信局")


def _bureau_key(text: str) -> str:
    key = strip_spaces(to_halfwidth(text)).removeprefix("江苏省")
    for suffix in _BUREAU_SUFFIXES:
        key = key.removesuffix(suffix)
    if len(key) > 2 and key[-1] in "市县":
        key = key[:-1]
    return key


def bureau_index(bureaus: Mapping[str, Bureau]) -> dict[str, str]:
    """Every way a bureau may be written (320500, 苏州市工业和信息化局, 苏州市, 苏州) → its code."""
    index: dict[str, str] = {}
    for bureau in bureaus.values():
        for alias in (bureau.code, bureau.name, bureau.area):
            index[_bureau_key(alias)] = bureau.code
    return index


def _read_bureau(value: object, bureaus: Mapping[str, str]) -> str:
    text = cell_text(value)
    code = bureaus.get(_bureau_key(text))
    if code is None:
        raise CellInvalid(
            f"“{text}”不是受理单位：应填设区市或昆山市、泰兴市、沭阳县的名称或 6 位代码，"
            f"如 苏州市 或 320500"
        )
    return code


def read_cell(kind: FieldKind, value: object, unit: str | None, bureaus: Mapping[str, str]) -> Any:
    """The JSON value of one cell for the filing, or None when the cell is blank."""
    if is_blank(value):
        return None
    if kind == "bool":
        return _read_bool(value)
    if kind == "count":
        return _read_count(value)
    if isinstance(value, str) and strip_spaces(to_halfwidth(value)) in _NONE_TOKENS:
        return None
    match kind:
        case "text" | "id":
            return cell_text(value)
        case "credit_code":
            return normalize_credit_code(cell_text(value))
        case "bureau":
            return _read_bureau(value, bureaus)
        case "date":
            return _read_date(value)
        case "datetime":
            return _read_datetime(value)
        case "wan":
            return _read_wan(value, unit)
        case "holders":
            return split_holders(cell_text(value)) or None
    raise AssertionError(f"unhandled column kind {kind}")
