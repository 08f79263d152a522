"""A licence's 成立日期 read with a digit lost, completed from the start of its 营业期限.

A licence prints its founding date twice: as 成立日期 and as the first date of 营业期限 (自…至…),
which are the same day unless the term was renewed. When the 成立日期 was read but not as a
date (a digit lost, 日 misread: 2009年05月2日, 2016年07月041E), and the term's start agrees
with every digit that reading kept, year and month at least, the term's start is the date —
read where it is printed, its box the evidence. A 成立日期 not read at all is never filled from
the term: a renewed term starts later than the company, and that would be invented.
"""

from __future__ import annotations

import re

from core.model import FieldValue
from extractors import normalize as nz

YEAR_AND_MONTH = 6
"""Digits a lost-digit reading and the term's start must share at least (2009 05)."""


def complete_from_term(fields: dict[str, FieldValue]) -> dict[str, FieldValue]:
    """`fields` with an established date read without a value completed from the term."""
    founded, term = fields.get("established_date"), fields.get("business_term")
    if founded is None or founded.value is not None or not founded.raw or term is None:
        return fields
    if not term.raw or term.confidence <= 0:
        return fields
    dates = nz.find_dates(term.raw)
    if not dates:
        return fields
    start, s, e = dates[0]
    kept, printed = _digits(founded.raw), _digits(term.raw[s:e])
    if len(kept) < YEAR_AND_MONTH or len(printed) < YEAR_AND_MONTH:
        return fields
    if not (printed.startswith(kept) or kept.startswith(printed)):
        return fields
    completed = FieldValue(
        "established_date", start.isoformat(), term.raw, term.confidence, term.box
    )
    return fields | {"established_date": completed}


def _digits(text: str) -> str:
    return "".join(re.findall(r"\d", nz.to_halfwidth(text)))
