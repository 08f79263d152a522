"""A date under its label read again as one row, where the page's reading broke it into pieces.

The date a licence prints under 登记机关 (or a certificate under 国家版权局) is set apart —
`2019  年  09  月  19  日`, digits filled into a printed 年 月 日, a seal's ring across it — and
the line detector finds it as scattered boxes, some lost: `2019`, `年`, `09`, `月`. Read as
one line without detection, the same row gives `2019年09月19日`. The row is placed by the
pieces that were found: the first row of short, mostly-date pieces under the label, widened
by a few characters each side (a year or a day the detector lost stands there) but never
into another line of that row. A date so read is kept only when the digits the pieces did
read are its year, month or day.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np

from core.model import Box, PageKind, TextLine
from extractors import normalize as nz
from extractors.label_specs import load_specs
from extractors.ocr import LineChars
from extractors.values import parse_date

DATE_CHARS = frozenset("0123456789Oo〇零一二三四五六七八九十廿卅年月日")
"""What a date's pieces are made of (O and o: OCR's reading of 〇 or 0)."""
MIN_DATE_SHARE = 0.5
"""A piece is at least this share date characters (a seal's stray character may ride along)."""
MAX_PIECE_CHARS = 14
"""A date is at most 12 characters (二〇一五年十二月二十九日): a longer line is a sentence."""
ROWS_UNDER_LABEL = 6
"""How far under its label, in the label's heights, a date's pieces may stand."""
SAME_ROW = 1.2
"""Pieces whose centres are this many piece heights apart or less stand on one row (a year
filled in beside the printed 年 stands a little lower)."""
WIDEN = 2.5
"""Piece heights added to the row on each side: a lost 二〇 or 日 stands there."""
GAP = 0.3
"""Piece heights kept clear of another line on the row."""
MARGIN = 0.2
"""Piece heights added above and below the row."""

_DIGIT_RUN = re.compile(r"\d+")

Recognise = Callable[[np.ndarray], LineChars]


@dataclass(frozen=True)
class DateRow:
    """A row under a date's label: the pieces read there and the strip of page that holds them."""

    pieces: tuple[TextLine, ...]
    box: Box


def date_rows(kind: PageKind, lines: list[TextLine], fields: tuple[str, ...]) -> list[DateRow]:
    """The date row under each label of `fields` (fields printed under a label, labels.yaml
    `below`) found among `lines`, where there are pieces of a date to place it."""
    if kind == PageKind.OTHER:
        return []
    labels = tuple(
        label for spec in load_specs()[kind].fields if spec.name in fields for label in spec.labels
    )
    rows = []
    for label in (line for line in lines if _starts_with(line.text, labels)):
        row = _row_under(label, lines)
        if row is not None and all(row.box != other.box for other in rows):
            rows.append(row)
    return rows


def read_date_rows(
    image: np.ndarray, rows: list[DateRow], recognise: Recognise, lines: list[TextLine]
) -> list[TextLine]:
    """`lines` with each row whose strip, recognised as one line, holds a date that agrees with
    its pieces put in place of those pieces."""
    height, width = image.shape[:2]
    replaced: set[int] = set()
    read: list[TextLine] = []
    for row in rows:
        x0, y0, x1, y1 = (int(round(v)) for v in row.box)
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
        if x1 - x0 < 8 or y1 - y0 < 8:
            continue
        reading = recognise(image[y0:y1, x0:x1])
        text = nz.strip_spaces(reading.text)
        parsed = parse_date(text)
        if not parsed.ok or not _agrees(date.fromisoformat(parsed.value), row.pieces):
            continue
        replaced |= {id(piece) for piece in row.pieces}
        read.append(TextLine(text, (x0, y0, x1, y1), reading.confidence))
    if not read:
        return lines
    kept = [line for line in lines if id(line) not in replaced]
    return sorted(kept + read, key=lambda ln: (ln.box[1], ln.box[0]))


def _starts_with(text: str, labels: tuple[str, ...]) -> bool:
    """A line that begins with a label (not a sentence that names it: 应当向公司登记机关…)."""
    flat = nz.strip_spaces(text).lstrip("：:·.、 ")
    return any(flat.startswith(label) for label in labels)


def _is_piece(line: TextLine) -> bool:
    text = nz.to_halfwidth(nz.strip_spaces(line.text))
    if not text or len(text) > MAX_PIECE_CHARS:
        return False
    return sum(ch in DATE_CHARS for ch in text) / len(text) >= MIN_DATE_SHARE


def _row_under(label: TextLine, lines: list[TextLine]) -> DateRow | None:
    """The first row of date pieces under `label`, widened to where its lost pieces may stand."""
    unit = label.height
    pieces = [
        line
        for line in lines
        if line is not label
        and _is_piece(line)
        and label.box[1] + 0.5 * unit < line.box[1] <= label.box[3] + ROWS_UNDER_LABEL * unit
        and line.box[2] >= label.box[0]
    ]
    if not pieces:
        return None
    pieces.sort(key=lambda line: line.center_y)
    size = statistics.median(p.height for p in pieces)
    row = [p for p in pieces if abs(p.center_y - pieces[0].center_y) <= SAME_ROW * size]
    top = min(p.box[1] for p in row)
    bottom = max(p.box[3] for p in row)
    start, end = min(p.box[0] for p in row), max(p.box[2] for p in row)
    left, right = start - WIDEN * size, end + WIDEN * size
    for other in lines:
        if other in row or other.box[3] <= top or other.box[1] >= bottom:
            continue
        if other.box[2] <= start:
            left = max(left, other.box[2] + GAP * size)
        elif other.box[0] >= end:
            right = min(right, other.box[0] - GAP * size)
    box = (left, top - MARGIN * size, right, bottom + MARGIN * size)
    return DateRow(tuple(row), box)


def _agrees(day: date, pieces: tuple[TextLine, ...]) -> bool:
    """Every run of digits the pieces read is the date's year, month or day."""
    parts = {day.year, day.month, day.day}
    for piece in pieces:
        for run in _DIGIT_RUN.findall(nz.to_halfwidth(piece.text)):
            if int(run) not in parts:
                return False
    return True
