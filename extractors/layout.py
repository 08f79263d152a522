"""Reading a page's lines as rows of label/value pairs, keeping every character's place on the page."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from core.model import Box, TextLine
from extractors.normalize import to_halfwidth

_SPACE = re.compile(r"\s")
SEPARATORS = ":：;；,，.。、·• "


@dataclass(frozen=True)
class CharRef:
    """One non-space character of a row, with the line it came from and its estimated box."""

    char: str
    line: TextLine
    box: Box
    boundary: bool
    """True where a label may start: first character of a line, or after white space."""


@dataclass
class Row:
    """Lines that sit side by side on one visual row, left to right, as cleaned characters."""

    lines: list[TextLine]
    chars: list[CharRef]

    @property
    def text(self) -> str:
        return "".join(c.char for c in self.chars)

    @property
    def top(self) -> float:
        return min(ln.box[1] for ln in self.lines)

    @property
    def bottom(self) -> float:
        return max(ln.box[3] for ln in self.lines)


@dataclass(frozen=True)
class Span:
    """A run of characters read from one or more rows: its text, box and worst confidence."""

    text: str
    raw: str
    box: Box | None
    confidence: float

    def __bool__(self) -> bool:
        return bool(self.text)


def _line_chars(line: TextLine) -> list[CharRef]:
    """Spread a line's characters over its box in proportion to their widths."""
    raw = to_halfwidth(line.text)
    weights = [0.0 if ch.isspace() else (0.55 if ord(ch) < 0x2E80 else 1.0) for ch in raw]
    spaces = [0.5 if ch.isspace() else 0.0 for ch in raw]
    total = sum(weights) + sum(spaces) or 1.0
    x0, y0, x1, y1 = line.box
    unit = (x1 - x0) / total
    out: list[CharRef] = []
    x = x0
    boundary = True
    for ch, w, s in zip(raw, weights, spaces):
        if s:
            x += s * unit
            boundary = True
            continue
        out.append(CharRef(ch, line, (x, y0, x + w * unit, y1), boundary))
        x += w * unit
        boundary = False
    return out


@dataclass(frozen=True)
class StackedChar(TextLine):
    """One character of a vertical run of text, given a line of its own by `split_vertical`.

    Such a character may start a label (the stacked first characters 名/类/住 of spaced labels)
    but is never part of a value: values are printed across the page, and what runs down it is
    a label's initials, a side note or a watermark (中国喷绘网).
    """


def pitch(line: TextLine) -> float:
    """Width per character, a Latin letter or digit counted as half a Chinese character."""
    units = sum(1.0 if ord(c) >= 0x2E80 else 0.55 for c in "".join(line.text.split()))
    return (line.box[2] - line.box[0]) / max(units, 1.0)


def same_print(a: TextLine, b: TextLine) -> bool:
    """Whether two lines are set in about one size of type: a value is printed in one size, and
    a line much taller, or its characters spread much wider, is another print laid over it (a
    website's watermark, 中国制造网, across a photographed licence)."""
    low, high = sorted((a.height, b.height))
    if high > 1.6 * max(low, 1.0):
        return False
    low, high = sorted((pitch(a), pitch(b)))
    return high <= 2.0 * max(low, 1.0)


def overlaid_print(lines: list[TextLine]) -> set[int]:
    """Ids of lines set far larger and wider than the page's body text: print laid over the
    page (a website's watermark across a photo), never a field's value. Titles are such lines
    too, and are no value either."""
    body = [ln for ln in lines if not isinstance(ln, StackedChar) and ln.text.strip()]
    if len(body) < 5:
        return set()
    height = statistics.median(ln.height for ln in body)
    spread = statistics.median(pitch(ln) for ln in body)
    return {id(ln) for ln in body if ln.height > 1.6 * height and pitch(ln) > 1.8 * spread}


def split_vertical(lines: list[TextLine]) -> list[TextLine]:
    """A box far taller than wide holding several characters is a column of single characters
    (the first characters of spaced labels stacked one above another, 名/类/住): one line each."""
    out: list[TextLine] = []
    for line in lines:
        text = "".join(line.text.split())
        x0, y0, x1, y1 = line.box
        if len(text) >= 2 and (y1 - y0) > 1.8 * (x1 - x0):
            step = (y1 - y0) / len(text)
            out.extend(
                StackedChar(ch, (x0, y0 + i * step, x1, y0 + (i + 1) * step), line.confidence)
                for i, ch in enumerate(text)
            )
        else:
            out.append(line)
    return out


def _mostly_within(line: TextLine, row: list[TextLine]) -> bool:
    """A short line (a lone label character) lying mostly inside the height of a taller one
    beside it belongs to its row, though their middles differ (称 read with a tall box)."""
    for other in row:
        small, big = sorted((line, other), key=lambda ln: ln.height)
        overlap = min(small.box[3], big.box[3]) - max(small.box[1], big.box[1])
        if small.height > 0 and overlap >= 0.7 * small.height and len(small.text.strip()) <= 2:
            return True
    return False


def group_rows(lines: list[TextLine]) -> list[Row]:
    """Group lines into visual rows: a line joins a row when their vertical middles overlap."""
    if not lines:
        return []
    lines = split_vertical(lines)
    ordered = sorted(lines, key=lambda ln: (ln.center_y, ln.box[0]))
    median_h = statistics.median(ln.height for ln in ordered) or 1.0
    rows: list[list[TextLine]] = []
    for line in ordered:
        if rows:
            last = rows[-1]
            mid = statistics.fmean(ln.center_y for ln in last)
            tolerance = 0.5 * min(median_h, max(ln.height for ln in last), line.height)
            if abs(line.center_y - mid) <= max(tolerance, 0.35 * median_h) or _mostly_within(
                line, last
            ):
                last.append(line)
                continue
        rows.append([line])
    result = []
    for members in rows:
        members.sort(key=lambda ln: ln.box[0])
        chars = [c for ln in members for c in _line_chars(ln)]
        result.append(Row(members, chars))
    return result


def span_of(chars: list[CharRef]) -> Span:
    """The text, union box and lowest line confidence of a run of characters."""
    chars = [c for c in chars if not _SPACE.match(c.char)]
    if not chars:
        return Span("", "", None, 0.0)
    box = (
        min(c.box[0] for c in chars),
        min(c.box[1] for c in chars),
        max(c.box[2] for c in chars),
        max(c.box[3] for c in chars),
    )
    lines = {id(c.line): c.line for c in chars}
    raw = " ".join(ln.text for ln in lines.values())
    confidence = min(ln.confidence for ln in lines.values())
    return Span("".join(c.char for c in chars), raw, box, confidence)


def strip_separators(chars: list[CharRef]) -> list[CharRef]:
    """Trim separators around a value; a closing 。 belongs to a sentence and stays."""
    start, end = 0, len(chars)
    while start < end and chars[start].char in SEPARATORS:
        start += 1
    while end > start and chars[end - 1].char in SEPARATORS and chars[end - 1].char != "。":
        end -= 1
    return chars[start:end]


OPENING, CLOSING = frozenset("(（"), frozenset(")）")


def without_stray_closes(chars: list[CharRef]) -> list[CharRef]:
    """A value wrapped onto more lines without the closing brackets its line ends were read
    with where the brackets do not balance (…（自贸区武汉） | 片区）: the first is a misread)."""
    excess = sum(c.char in CLOSING for c in chars) - sum(c.char in OPENING for c in chars)
    drop: set[int] = set()
    for i, c in enumerate(chars[:-1]):
        wraps = chars[i + 1].line is not c.line and chars[i + 1].box[1] >= c.box[3] - 1
        if excess > len(drop) and c.char in CLOSING and wraps:
            if any(later.char in CLOSING for later in chars[i + 1 :]):
                drop.add(i)
    return [c for i, c in enumerate(chars) if i not in drop]
