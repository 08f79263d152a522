"""Amounts of money as licences and the 征集信息表 write them: 500万元, 人民币伍佰万元整, 2,000,000元."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from extractors.normalize import strip_spaces, to_halfwidth

_CN_AMOUNT_DIGITS = {"零": 0, "〇": 0, "两": 2, "貳": 2, "參": 3, "陸": 6}
_CN_AMOUNT_DIGITS |= {ch: i for i, ch in enumerate("一二三四五六七八九", start=1)}
_CN_AMOUNT_DIGITS |= {ch: i for i, ch in enumerate("壹贰叁肆伍陆柒捌玖", start=1)}
_CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_LARGE_UNITS = {"万": 10_000, "亿": 100_000_000}
_CN_AMOUNT_CHARS = "".join([*_CN_AMOUNT_DIGITS, *_CN_SMALL_UNITS, *_CN_LARGE_UNITS])
_ARABIC_AMOUNT = re.compile(r"(?<![\d.,])(\d[\d,]*(?:\.\d+)?)(万|亿|元)")
_CN_AMOUNT = re.compile(f"[{_CN_AMOUNT_CHARS}]+")


def _cn_integer(text: str) -> int | None:
    """An integer in Chinese numerals (伍佰, 一千二百五十, 壹亿贰仟万); None without any digit."""
    total = section = number = 0
    seen_digit = False
    for ch in text:
        if ch in _CN_AMOUNT_DIGITS:
            number, seen_digit = _CN_AMOUNT_DIGITS[ch], True
        elif ch in _CN_SMALL_UNITS:
            section += (number or 1) * _CN_SMALL_UNITS[ch]
            number, seen_digit = 0, True
        else:
            total += (section + number) * _CN_LARGE_UNITS[ch]
            section = number = 0
    return total + section + number if seen_digit else None


def parse_wan(text: str) -> float | None:
    """The first amount in `text` in 万元: 500万元整 → 500, 1,200.5万元 → 1200.5, 伍佰万元 → 500.

    Needs a unit (万, 亿 or 元; 元 alone is divided by 10 000). The currency is not converted.
    """
    work = strip_spaces(to_halfwidth(text))
    candidates: list[tuple[int, Decimal]] = []
    for match in _ARABIC_AMOUNT.finditer(work):
        try:
            value = Decimal(match.group(1).replace(",", ""))
        except InvalidOperation:
            continue
        scale = {"万": Decimal(1), "亿": Decimal(10_000), "元": Decimal("0.0001")}[match.group(2)]
        candidates.append((match.start(), value * scale))
        break
    for match in _CN_AMOUNT.finditer(work):
        run = match.group()
        followed_by_yuan = work[match.end() : match.end() + 1] == "元"
        yuan = _cn_integer(run)
        if yuan is not None and (run[-1] in _CN_LARGE_UNITS or followed_by_yuan):
            candidates.append((match.start(), Decimal(yuan) / 10_000))
            break
    if not candidates:
        return None
    return float(min(candidates, key=lambda item: item[0])[1])
