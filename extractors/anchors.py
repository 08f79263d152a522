"""Where the labels stand on a page, the columns they form, and the region each value may fill.

A label found on the page is an anchor. Anchors whose left edges line up form a column; a value
runs right from its label up to the next label on its row or the left edge of the next column
whose labels stand beside it (the gutter), and down to the next label in its column. Nothing here
knows any one layout: the regions come from where the labels are.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from functools import lru_cache

from core.model import Box
from extractors.layout import CharRef, Row

FUZZY_MIN_LENGTH = 4
"""Labels this long are also found with one character misread (法定代表入 for 法定代表人)."""
_LABEL_GAP = "[.·•・,，、'`〇○°]?"


@dataclass(frozen=True)
class Anchor:
    """One printed label: its row, the characters it covers there, and its box."""

    row: int
    start: int
    end: int
    label: str
    box: Box

    @property
    def left(self) -> float:
        return self.box[0]

    @property
    def right(self) -> float:
        return self.box[2]

    @property
    def top(self) -> float:
        return self.box[1]

    @property
    def bottom(self) -> float:
        return self.box[3]

    @property
    def middle(self) -> float:
        return (self.box[1] + self.box[3]) / 2


@lru_cache(maxsize=512)
def label_pattern(label: str) -> re.Pattern[str]:
    """A label as printed, letting OCR put a stray dot between its spaced characters (名.称)."""
    return re.compile(_LABEL_GAP.join(re.escape(ch) for ch in label))


def _box(chars: list[CharRef]) -> Box:
    return (
        min(c.box[0] for c in chars),
        min(c.box[1] for c in chars),
        max(c.box[2] for c in chars),
        max(c.box[3] for c in chars),
    )


def find_anchors(
    rows: list[Row], labels: list[str], fuzzy: frozenset[str] = frozenset()
) -> list[Anchor]:
    """Every label that starts a printed segment, longest label first; then near-misses.

    A label must start a line, follow white space or open a bracket (（副本）). Labels in
    `fuzzy` (long ones) are also taken with one character misread, keeping its first or last
    character, where no exact label was found at that place.
    """
    anchors = [a for r, row in enumerate(rows) for a in _row_anchors(r, row, labels, fuzzy)]
    return sorted(anchors, key=lambda a: (a.row, a.start))


LEAD_MARKS = "·•・.,，、'\"`*-_|"
"""What OCR reads for a speck or a bullet before a label (·权利人): no text of the page's own."""


def _after_marks(row: Row, s: int) -> bool:
    """Whether only stray marks stand between the start of its line and character `s`."""
    line = row.chars[s].line
    j = s - 1
    while j >= 0 and row.chars[j].line is line and row.chars[j].char in LEAD_MARKS:
        j -= 1
    return j < s - 1 and (j < 0 or row.chars[j].line is not line) and row.chars[j + 1].boundary


def _row_anchors(r: int, row: Row, labels: list[str], fuzzy: frozenset[str]) -> list[Anchor]:
    text = row.text
    taken = [False] * len(text)
    found: list[Anchor] = []

    def free(s: int, e: int) -> bool:
        starts = row.chars[s].boundary or (s > 0 and row.chars[s - 1].char in "（(")
        return (starts or _after_marks(row, s)) and not any(taken[s:e])

    def take(s: int, e: int, label: str) -> None:
        found.append(Anchor(r, s, e, label, _box(row.chars[s:e])))
        taken[s:e] = [True] * (e - s)

    for label in labels:
        for m in label_pattern(label).finditer(text):
            if free(m.start(), m.end()):
                take(m.start(), m.end(), label)
    for label in (lab for lab in labels if len(lab) == 2):
        # A speck read as a line of its own, a character or two, between a spaced label's two
        # characters (类 | 牛 | 型, 类 | DG | 型).
        for m in re.finditer(re.escape(label[0]) + ".{1,2}?" + re.escape(label[1]), text):
            first, *specks, second = row.chars[m.start() : m.end()]
            speck = specks[0].line
            alone = all(c.line is speck for c in specks) and speck not in (first.line, second.line)
            if alone and "".join(speck.text.split()) == "".join(c.char for c in specks):
                if first.line is not second.line and free(m.start(), m.end()):
                    take(m.start(), m.end(), label)
    for label in labels:
        if label not in fuzzy:
            continue
        # The label's first character lost at the edge of a photo or under a fold (定代表人).
        for m in label_pattern(label[1:]).finditer(text):
            if m.start() == 0 or row.chars[m.start()].line is not row.chars[m.start() - 1].line:
                if free(m.start(), m.end()):
                    take(m.start(), m.end(), label)
        n = len(label)
        first, last = label[0], label[-1]
        for s in range(len(text) - n + 1):
            if text[s] != first and text[s + n - 1] != last:
                continue  # neither end kept: not this label (checked first, it is cheap)
            misses = sum(1 for a, b in zip(text[s : s + n], label) if a != b)
            if misses == 1 and free(s, s + n):
                take(s, s + n, label)
        # One character inside the label not read (注册 | 本 for 注册资本): its first and last
        # kept, and the shortened label ending where its printed box ends.
        lost = {label[:i] + label[i + 1 :] for i in range(1, n - 1)}
        for s in range(len(text) - n + 2):
            e = s + n - 1
            if text[s] != first or text[s:e] not in lost:
                continue
            if (e == len(text) or row.chars[e].boundary) and free(s, e):
                take(s, e, label)
    return found


def tail_anchors(
    rows: list[Row], anchors: list[Anchor], labels_by_field: dict[str, tuple[str, ...]]
) -> list[Anchor]:
    """Two-character labels with one character lost, found by the other standing alone.

    Spaced labels are printed justified: 名　　称, 类　　型 and 法定代表人 share a left and a
    right edge. A lone 称 that starts a printed segment where two other labels end (their right
    edges within half a label height) is the label 名称; a lone 住 that stands alone where two
    other labels start (their left edges so) is 住所. Only a character that ends (or starts) the
    labels of one field, and of no other, is taken so.
    """
    if len(anchors) < 2:
        return []
    unit = statistics.median(a.bottom - a.top for a in anchors)
    taken = {(a.row, i) for a in anchors for i in range(a.start, a.end)}
    found = []
    for r, row in enumerate(rows):
        for i, c in enumerate(row.chars):
            if not c.boundary or (r, i) in taken:
                continue
            if i > 0 and row.chars[i - 1].line is c.line:
                continue
            if any(a.right > c.box[0] for a in anchors if a.row == r):
                continue  # a label of this row stands right of it: it is that label's value
            lone = i + 1 == len(row.chars) or row.chars[i + 1].line is not c.line
            label = _only_label(labels_by_field, c.char, -1)
            before = row.chars[i - 1] if i > 0 else None
            if label and before and before.char == label[0] and (r, i - 1) not in taken:
                # 住 read as the end of the next column's line, 所 as the start of the value's:
                # the label is split across the two lines exactly.
                box = (
                    before.box[0],
                    min(before.box[1], c.box[1]),
                    c.box[2],
                    max(before.box[3], c.box[3]),
                )
                found.append((-1, Anchor(r, i - 1, i + 1, label, box)))
                continue
            for end, edge in ((-1, 2), (0, 0)):
                label = _only_label(labels_by_field, c.char, end)
                if label is None or (end == 0 and not lone):
                    continue
                edge_of = (lambda a: a.right) if edge == 2 else (lambda a: a.left)
                if sum(abs(edge_of(a) - c.box[edge]) <= 0.5 * unit for a in anchors) >= 2:
                    found.append((end, Anchor(r, i, i + 1, label, c.box)))
                    break
    # 名 … 称 both standing alone: the label is split, and its value follows the second.
    tails = {(a.row, a.label) for end, a in found if end == -1}
    return [a for end, a in found if end == -1 or (a.row, a.label) not in tails]


def _only_label(labels_by_field: dict[str, tuple[str, ...]], char: str, end: int) -> str | None:
    """The two-character label whose character at `end` (0: first, -1: last) is `char`, when
    the labels of one field only have `char` there."""
    fields = {
        name for name, labels in labels_by_field.items() for lab in labels if lab[end] == char
    }
    if len(fields) != 1:
        return None
    (name,) = fields
    return next((lab for lab in labels_by_field[name] if len(lab) == 2 and lab[end] == char), None)


class Layout:
    """The anchors of a page grouped into columns, answering where each value may run."""

    def __init__(
        self, rows: list[Row], anchors: list[Anchor], headings: frozenset[str] = frozenset()
    ):
        self.rows = rows
        self.anchors = anchors
        self.headings = headings
        """Labels that end a value but stand alone, in large type (营业执照, 副本): no column."""
        heights = (
            [a.bottom - a.top for a in anchors if a.label not in headings]
            or [ln.height for row in rows for ln in row.lines]
            or [1.0]
        )
        self.unit = max(statistics.median(heights), 1.0)
        """A typical label height: the yardstick for every tolerance on this page."""
        self.columns = self._columns()
        self.text_edges = self._text_edges()
        self._by_row: dict[int, list[Anchor]] = {}
        for a in anchors:
            self._by_row.setdefault(a.row, []).append(a)

    def _columns(self) -> list[list[Anchor]]:
        """Anchors whose left edges line up (within a label height and a half)."""
        columns: list[list[Anchor]] = []
        for anchor in sorted(
            (a for a in self.anchors if a.label not in self.headings), key=lambda a: a.left
        ):
            if (
                columns
                and anchor.left - statistics.fmean(a.left for a in columns[-1]) <= 1.5 * self.unit
            ):
                columns[-1].append(anchor)
            else:
                columns.append([anchor])
        return columns

    def _text_edges(self) -> list[tuple[float, float, float]]:
        """Left edges of text blocks: (x, top, bottom) where lines on four rows or more start
        within half a label height of each other — a list of notes, the column of values.

        A value that runs into a line starting at such an edge has run into the next block
        (须知 beside the fields of an old licence), even where that block has no labels.
        """
        starts = sorted(
            (ln.box[0], ln.box[1], ln.box[3], r)
            for r, row in enumerate(self.rows)
            for ln in row.lines
            if len(ln.text.strip()) > 1
        )
        edges = []
        i = 0
        while i < len(starts):
            j = i
            while j + 1 < len(starts) and starts[j + 1][0] - starts[i][0] <= 0.5 * self.unit:
                j += 1
            group = starts[i : j + 1]
            if len({g[3] for g in group}) >= 4:
                edges.append(
                    (
                        statistics.fmean(g[0] for g in group),
                        min(g[1] for g in group),
                        max(g[2] for g in group),
                    )
                )
            i = j + 1
        return edges

    def starts_block(self, x: float, y: float) -> bool:
        """Whether a line starting at `x` on height `y` starts a text block's line."""
        return any(
            abs(x - ex) <= 0.5 * self.unit and top <= y <= bottom
            for ex, top, bottom in self.text_edges
        )

    def next_column_left(self, anchor: Anchor) -> float:
        """The left edge of the nearest column of labels (two or more) standing right of
        `anchor`, wherever its labels stand; infinity where there is none."""
        lefts = [
            min(a.left for a in col) for col in self.columns if len(col) > 1 and anchor not in col
        ]
        return min((x for x in lefts if x > anchor.right), default=float("inf"))

    def right_bound(self, anchor: Anchor) -> float:
        """Where a value after `anchor` must stop on the right.

        The next label on the same row, or the left edge of a column of labels that stands
        right of the value at the value's height (the gutter between columns).
        """
        bound = float("inf")
        for col in self.columns:
            if anchor in col:
                continue
            left = min(a.left for a in col)
            if left <= anchor.right - 0.2 * self.unit:
                continue
            beside = [a for a in col if abs(a.middle - anchor.middle) < 0.6 * self.unit]
            if beside:
                bound = min(bound, min(a.left for a in beside))
            elif self.covers(col, anchor.middle):
                bound = min(bound, left)
        return bound

    def covers(self, column: list[Anchor], y: float) -> bool:
        """Whether a column of labels stands at height `y`: between two of its labels that follow
        each other closely, beside one, or beside the text that runs on under its last label.

        A lone heading and a signature line far below it line up too, but they are no column:
        labels more than a few rows apart do not cover the height between them.
        """
        anchors = sorted(column, key=lambda a: a.top)
        u = self.unit
        if len(anchors) < 2:
            return False  # a lone label bounds only what stands beside it
        if anchors[0].top - 1.0 * u <= y <= anchors[0].bottom:
            return True
        for upper, lower in zip(anchors, anchors[1:]):
            if lower.top - upper.bottom <= 5.0 * u and upper.top <= y <= lower.bottom:
                return True
        if any(abs(a.middle - y) < 0.8 * u for a in anchors):
            return True
        last = anchors[-1]
        return last.bottom <= y <= self._text_below(last)

    def _text_below(self, anchor: Anchor) -> float:
        """The bottom of the text that runs on, row after row, right of and under a label."""
        bottom = anchor.bottom
        for row in self.rows[anchor.row + 1 :]:
            chars = [c for c in row.chars if c.box[0] >= anchor.left - 0.5 * self.unit]
            if not chars:
                continue
            top = min(c.box[1] for c in chars)
            if top - bottom > 1.0 * self.unit:
                break
            bottom = max(c.box[3] for c in chars)
        return bottom

    def bottom_bound(self, anchor: Anchor, right: float) -> float:
        """The top of the next label below `anchor` whose left edge lies under the value's span."""
        tolerance = 1.5 * self.unit
        below = [
            a.top
            for a in self.anchors
            if a.top > anchor.middle + 0.5 * self.unit and anchor.left - tolerance <= a.left < right
        ]
        return min(below, default=float("inf"))

    def is_label_char(self, row: int, index: int) -> bool:
        return any(a.start <= index < a.end for a in self.anchors_on(row))

    def anchors_on(self, row: int) -> list[Anchor]:
        return self._by_row.get(row, [])
