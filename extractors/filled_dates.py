"""Dates filled into a printed 年 月 日: digits a printer set beside the form's own characters.

Licences and certificates print 年 月 日 in the form and the digits separately, often on a
slightly different line, so OCR returns `年月`, `日`, `2019`, `09`, `26` as five boxes that no
row joins into a date. A year (four digits), a month and a day (one or two digits each),
standing left to right within a few characters of one another at about one height, beside the
form's 年/月/日, are read as that date.
"""

from __future__ import annotations

import re
import statistics
from datetime import date

from core.model import TextLine
from extractors.layout import Span
from extractors.normalize import to_halfwidth

_DIGITS = re.compile(r"\d{1,4}")
_FORM = re.compile(r"[年月日]+")


def filled_in_dates(lines: list[TextLine]) -> list[Span]:
    """Every date assembled from a year, month and day box beside printed 年/月/日, top to bottom."""
    digits = [ln for ln in lines if _DIGITS.fullmatch(to_halfwidth(ln.text.strip()))]
    forms = [ln for ln in lines if _FORM.fullmatch(ln.text.strip())]
    if not digits or not forms:
        return []
    unit = statistics.median(ln.height for ln in lines) or 1.0
    found = []
    for year in (ln for ln in digits if len(ln.text.strip()) == 4):
        after = sorted(
            (
                ln
                for ln in digits
                if ln is not year
                and len(ln.text.strip()) <= 2
                and abs(ln.center_y - year.center_y) <= 0.8 * unit
                and 0 <= ln.box[0] - year.box[2] <= 10 * unit
            ),
            key=lambda ln: ln.box[0],
        )
        if len(after) < 2:
            continue
        month, day = after[0], after[1]
        if day.box[0] - month.box[2] > 5 * unit:
            continue
        beside = [
            f
            for f in forms
            if abs(f.center_y - year.center_y) <= 1.5 * unit
            and f.box[2] >= year.box[2] - unit
            and f.box[0] <= day.box[2] + 2 * unit
        ]
        if not beside:
            continue
        try:
            day_value = date(int(year.text), int(month.text), int(day.text))
        except ValueError:
            continue
        parts = [year, month, day, *beside]
        box = (
            min(p.box[0] for p in parts),
            min(p.box[1] for p in parts),
            max(p.box[2] for p in parts),
            max(p.box[3] for p in parts),
        )
        text = f"{day_value.year}年{day_value.month}月{day_value.day}日"
        raw = " ".join(p.text for p in sorted(parts, key=lambda p: p.box[0]))
        confidence = min(p.confidence for p in parts)
        found.append((box[1], Span(text, raw, box, confidence)))
    return [span for _, span in sorted(found, key=lambda item: item[0])]
