"""Field extraction per page kind: find labels (labels.yaml), read their values, keep the evidence."""

from __future__ import annotations

import re

from core.model import Box, FieldValue, PageKind, TextLine
from extractors import normalize as nz
from extractors.anchors import FUZZY_MIN_LENGTH, Anchor, Layout, find_anchors, tail_anchors
from extractors.entities import organisations
from extractors.filled_dates import filled_in_dates
from extractors.label_specs import FieldSpec, KindSpec, load_specs
from extractors.layout import (
    SEPARATORS,
    CharRef,
    Span,
    StackedChar,
    group_rows,
    overlaid_print,
    same_print,
    span_of,
    strip_separators,
    without_stray_closes,
)
from extractors.term_start import complete_from_term
from extractors.values import PARSERS, Parsed, is_company_form, is_organisation_name

GAP_UNITS = 4.0
"""A gap this many label heights wide inside a row ends a value."""
FAR_UNITS = 10.0
"""Text this many label heights right of a label (past a table's cell) is not its value."""
UNDER_UNITS = 3.0
"""How far left of its label a date printed under the label may start (centred under a seal)."""
PERIOD_MARKS = frozenset("自至起")
"""Characters joining a date to a period (自…至…): such a date is a term's, not a signing date."""


class PageReader:
    """The rows of one page with its labels and their columns, answering "what follows this label?".

    A value is read inside its region (extractors/anchors.py): from the label's right edge to the
    next label on its row or the next column's gutter, and down, for values that wrap, to the next
    label in its column.
    """

    def __init__(self, lines: list[TextLine], spec: KindSpec):
        self.rows = group_rows(lines)
        self._overlaid = overlaid_print([ln for row in self.rows for ln in row.lines])
        self.spec = spec
        labels = spec.all_labels
        fuzzy = frozenset(lab for lab in labels if len(lab) >= FUZZY_MIN_LENGTH)
        found = find_anchors(self.rows, labels, fuzzy)
        by_field = {f.name: f.labels for f in spec.fields}
        found = sorted(
            found + tail_anchors(self.rows, found, by_field), key=lambda a: (a.row, a.start)
        )
        self._found_rows = {h.row: [] for h in found}
        for h in found:
            self._found_rows[h.row].append(h)
        self.hits = [h for h in found if not self._in_text(h)]
        self.layout = Layout(self.rows, self.hits, spec.headings)
        self.unit = self.layout.unit

    def _in_text(self, hit: Anchor) -> bool:
        """A label's words running on inside a paragraph (…的要求，/ 检测结论为通过。), not a label.

        It is one when nothing separates it from the next word and the row just above, with no
        gap between them, already has text over the same place — unless that text is itself a
        label there: labels stacked in a column are a form, not a paragraph.
        """
        row = self.rows[hit.row]
        following = row.chars[hit.end] if hit.end < len(row.chars) else None
        if hit.row == 0 or following is None or following.boundary or following.char in SEPARATORS:
            return False
        above = self.rows[hit.row - 1]
        height = row.bottom - row.top
        x0, x1 = hit.left, hit.right
        labels_above = self._found_rows.get(hit.row - 1, [])
        if any(abs(a.left - x0) < 1.5 * height or a.start == 0 for a in labels_above):
            return False  # the row above is a form's row (it starts with a label), no paragraph
        if row.top - above.bottom > 0.5 * height:
            return False
        # The line above is the paragraph's when its print is of the label's size (a title in
        # large type is not) and it runs over most of the label (a stacked initial does not).
        over = [
            c
            for c in above.chars
            if c.box[0] <= x1
            and c.box[2] >= x0
            and c.box[3] - c.box[1] <= 1.6 * (hit.bottom - hit.top)
        ]
        covered = sum(min(c.box[2], x1) - max(c.box[0], x0) for c in over)
        return covered >= 0.5 * (x1 - x0)

    def _region_chars(self, r: int, x_from: float, x_to: float, after: int = 0) -> list[CharRef]:
        """Characters of row `r` (from index `after`) whose middle lies in [x_from, x_to), no labels."""
        out = []
        for i, c in enumerate(self.rows[r].chars[after:], start=after):
            middle = (c.box[0] + c.box[2]) / 2
            if isinstance(c.line, StackedChar) or id(c.line) in self._overlaid:
                continue
            if x_from <= middle < x_to and not self.layout.is_label_char(r, i):
                out.append(c)
        return out

    def _first_row(self, hit: Anchor, right: float) -> list[CharRef]:
        """The value beside its label, up to the right bound; a first character that is the
        label's last, read again by the value's line where it overlaps the label's box
        (营业期限 | 限2015年…), is the label's."""
        chars = self._region_chars(hit.row, hit.right - 0.3 * self.unit, right, after=hit.end)
        label_line = self.rows[hit.row].chars[hit.end - 1].line
        if (
            chars
            and chars[0].line is not label_line
            and chars[0].char == hit.label[-1]
            and (chars[0].box[0] + chars[0].box[2]) / 2 <= hit.right + 0.2 * self.unit
        ):
            chars = chars[1:]
        if chars and chars[0].box[0] - hit.right > FAR_UNITS * self.unit:
            return []  # text far along the label's row is another block's; the value is lower
        if (
            chars
            and chars[0].box[0] - hit.right > GAP_UNITS * self.unit
            and self._beside_below(hit)
        ):
            return []  # a gap that would end a value, and the value's line sits just lower
        return strip_separators(self._before_gap(chars))

    def _after_its_second_character(self, hit: Anchor, right: float) -> tuple[int, list[CharRef]]:
        """The value of a two-character label found by its first alone (住 of 住所, a
        stacked or lone character), where the label's second character starts the value's
        line on the row above or below, beside it (住 | 所深圳市… read a little higher): its
        row and characters after that second one."""
        if hit.end - hit.start != 1 or len(hit.label) != 2:
            return hit.row, []
        for r in (hit.row - 1, hit.row + 1):
            if not 0 <= r < len(self.rows):
                continue
            row = self.rows[r]
            for i, c in enumerate(row.chars):
                if c.char != hit.label[1] or not c.boundary or c.box[0] < hit.right:
                    continue
                overlap = min(c.box[3], hit.bottom) - max(c.box[1], hit.top)
                if overlap < 0.5 * min(c.box[3] - c.box[1], hit.bottom - hit.top):
                    continue
                chars = [ch for ch in row.chars[i + 1 :] if ch.line is c.line]
                chars = [ch for ch in chars if (ch.box[0] + ch.box[2]) / 2 < right]
                if chars:
                    return r, strip_separators(self._before_gap(chars))
        return hit.row, []

    def _beside_below(self, hit: Anchor) -> bool:
        """The next row holds a line starting at the label's right edge, beside the label."""
        if hit.row + 1 >= len(self.rows):
            return False
        near = self._region_chars(
            hit.row + 1, hit.right - 0.3 * self.unit, hit.right + 1.5 * self.unit
        )
        return bool(near) and near[0].box[1] < hit.bottom

    def _before_gap(self, chars: list[CharRef]) -> list[CharRef]:
        """A value up to a wide gap or the start of another text block: a field is printed as
        one run, and text that OCR read as another line several characters further on, or that
        starts where the lines of a block of text start, is the next column's (its label unread),
        a list of notes or a watermark. The value's own first line is never that: after a label
        read with its colon as one line, the value starts the column of values."""
        started = False
        for i in range(1, len(chars)):
            prev, c = chars[i - 1], chars[i]
            started = started or prev.char not in SEPARATORS
            if c.line is prev.line or not started:
                continue
            if not same_print(prev.line, c.line):
                return chars[:i]
            if c.box[0] - prev.box[2] > GAP_UNITS * self.unit or self.layout.starts_block(
                c.box[0], (c.box[1] + c.box[3]) / 2
            ):
                return chars[:i]
        return chars

    def _under_label(self, hit: Anchor, right: float, bottom: float) -> tuple[int, list[CharRef]]:
        """A value printed under its label (统一社会信用代码 over its code): its row and characters."""
        for r in range(hit.row + 1, min(hit.row + 3, len(self.rows))):
            row = self.rows[r]
            if row.top >= bottom - 0.2 * self.unit or row.top - hit.bottom > 1.5 * self.unit:
                break
            if any(hit.left - 1.5 * self.unit <= a.left < right for a in self.layout.anchors_on(r)):
                break  # the next label of the column: its row holds that label's value
            chars = self._region_chars(r, hit.left - 0.5 * self.unit, right)
            chars = strip_separators(self._before_gap(chars))
            if chars:
                return r, chars
        return hit.row, []

    def _continuation(
        self, hit: Anchor, first_row: int, first: list[CharRef], right: float, bottom: float
    ) -> list[CharRef]:
        """Rows under a value that carry on its text inside its column, until a gap or a label."""
        chars: list[CharRef] = []
        left = (first[0].box[0] if first else hit.right) - 1.0 * self.unit
        last_bottom = max((c.box[3] for c in first), default=hit.bottom)
        beside = bool(first) and first[0].box[0] >= hit.right - 0.5 * self.unit
        for r in range(first_row + 1, len(self.rows)):
            row = self.rows[r]
            if row.top >= bottom - 0.2 * self.unit:
                break
            if beside and self._opens_label_column(r, hit, left):
                break  # the next field's label, even one misread past knowing, stands there
            own = self._region_chars(r, left, right)
            if not own:
                if row.top - last_bottom > 1.5 * self.unit:
                    break
                continue
            if min(c.box[1] for c in own) - last_bottom > 1.0 * self.unit:
                break
            top = min(c.box[1] for c in own)
            if own[0].box[0] > left + 3.0 * self.unit and top < last_bottom - 0.3 * self.unit:
                continue  # a second, overlapping reading of the line above, not its wrap
            if own[0].box[0] >= self.layout.next_column_left(hit):
                break  # a wrapped line starts in its own column; this is the next column's
            if first:
                own = [c for c in own if same_print(first[0].line, c.line)]
                if not own:
                    continue
            own = self._before_gap(own)
            # A label in the value's column, or inside its span, starts the next field.
            stops = [
                a.start
                for a in self.layout.anchors_on(r)
                if hit.left - 1.5 * self.unit <= a.left < right
            ]
            if stops:
                first_stop = min(stops)
                chars.extend(
                    strip_separators([c for c in own if self.rows[r].chars.index(c) < first_stop])
                )
                break
            chars.extend(own)
            last_bottom = max(c.box[3] for c in own)
        return chars

    def _opens_label_column(self, r: int, hit: Anchor, value_left: float) -> bool:
        """Whether row `r` has text where `hit` stands, left of its value: a value printed beside
        its label wraps inside the value's column, so text under the label is another label."""
        return any(
            c.box[0] < min(value_left, hit.right) and c.box[2] > hit.left - 0.5 * self.unit
            for c in self.rows[r].chars
            if not isinstance(c.line, StackedChar)
        )

    def _rows_above(self, hit: Anchor, value: list[CharRef], right: float) -> list[CharRef]:
        """Lines of a table cell that stand above its vertically centred label.

        In a table the label sits in the middle of a tall cell, so the cell's first lines are
        above the label's own row. Rows count when they stand right of the label (and left of
        the value's right bound), carry no label, lie below the text of the cell above (whose
        lines run on without a gap), and — when the label's row has a value of its own —
        follow on from that value without a gap; never a line far along the row (the 须知
        beside an old licence's 住所).
        """
        row = self.rows[hit.row]
        height = row.bottom - row.top
        above = [h for h in self.hits if h.row < hit.row and abs(h.left - hit.left) < 1.5 * height]
        if not above:
            return []
        # The cell above ends where its own text stops running on without a gap.
        first = above[-1].row + 1
        while (
            first < hit.row
            and not self.layout.anchors_on(first)
            and self.rows[first].top - self.rows[first - 1].bottom <= 0.8 * height
        ):
            first += 1
        blocks: list[list[CharRef]] = []
        lower_top = row.top
        for r in range(hit.row - 1, first - 1, -1):
            if self.layout.anchors_on(r):
                break
            chars = self._region_chars(r, hit.right - 0.5 * height, right)
            if not chars:
                continue
            if value and lower_top - self.rows[r].bottom > 0.5 * height:
                break
            if chars[0].box[0] - hit.right > FAR_UNITS * self.unit:
                break  # far along the row: another block's (the 须知 beside an old licence)
            blocks.insert(0, chars)
            lower_top = self.rows[r].top
        return [c for block in blocks for c in block]

    def read(self, field: FieldSpec) -> Span | None:
        """The value after the first label of `field` that has one, read inside its region."""
        # Labels listed first are preferred (类型 over 组成形式), then the page's order.
        hits = sorted(
            (h for h in self.hits if h.label in field.labels),
            key=lambda h: (field.labels.index(h.label), h.row, h.start),
        )
        for hit in hits:
            right = self.layout.right_bound(hit)
            bottom = self.layout.bottom_bound(hit, right)
            first_row = hit.row
            chars = self._first_row(hit, right)
            if not chars:
                first_row, chars = self._after_its_second_character(hit, right)
            if not chars:
                first_row, chars = self._under_label(hit, right, bottom)
            if field.multiline:
                chars = self._without_noise(chars)
                # A character or two beside a centred label is seal residue, not the value's start.
                lead = chars if len(chars) > 2 else []
                above = self._rows_above(hit, lead, right) if first_row >= hit.row else []
                chars = above + chars + self._continuation(hit, first_row, chars, right, bottom)
                chars = without_stray_closes(self._without_noise(chars))
            elif chars and field.wraps_when and field.wraps_when.search(span_of(chars).text):
                chars = chars + self._continuation(hit, first_row, chars, right, bottom)
            for extra in range(1, field.below + 1):
                if field.type != "date" or nz.find_dates(span_of(chars).text):
                    break
                if hit.row + extra < len(self.rows):
                    # under the label, not across the row: the other column's text is not it
                    chars = self._region_chars(
                        hit.row + extra, hit.left - UNDER_UNITS * self.unit, right
                    )
            if chars:
                return span_of(chars)
        return None

    def _without_noise(self, chars: list[CharRef]) -> list[CharRef]:
        """Drop printed asides inside a value, such as （检验检测专用章） under a seal."""
        text = "".join(c.char for c in chars)
        keep = [True] * len(chars)
        for noise in self.spec.noise:
            for m in re.finditer(re.escape(noise), text):
                for i in range(m.start(), m.end()):
                    keep[i] = False
        return strip_separators([c for c, k in zip(chars, keep) if k])

    def last_date(
        self, own_labels: tuple[str, ...] = (), taken: tuple[Box, ...] = ()
    ) -> Span | None:
        """The lowest date printed on the page: the date under a seal or a signature.

        A date that stands beside another label on its row (after 成立日期, the end of 营业期限)
        or lies in another field's value (`taken`: the boxes of the values read) is that
        field's, not the date the page was signed; nor is one above the date's own label
        (登记机关) where that was read, nor an end of a period (自…至…: 执照有效期).
        """
        own_rows = [h.row for h in self.hits if h.label in own_labels]
        for r in range(len(self.rows) - 1, min(own_rows, default=0) - 1, -1):
            row = self.rows[r]
            others = [a for a in self.layout.anchors_on(r) if a.label not in own_labels]
            for _, start, end in reversed(nz.find_dates(row.text)):
                first = row.chars[start].box
                x, y = (first[0] + first[2]) / 2, (first[1] + first[3]) / 2
                if any(
                    a.right - self.unit <= first[0] < self.layout.right_bound(a) for a in others
                ):
                    continue
                if any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in taken):
                    continue
                if row.text[max(0, start - 1) : start] in PERIOD_MARKS or (
                    row.text[end : end + 1] in PERIOD_MARKS
                ):
                    continue
                return span_of(row.chars[start:end])
        return None

    def first_line_that(self, test, beside_labels: bool = False) -> Span | None:
        """The first printed line, top to bottom, that is wholly what `test` accepts and
        stands in no label's row (a licence's name whose 名称 label was cut off the photo);
        with `beside_labels`, in any row, holding no label (a 类型 whose label was misread)."""
        for r, row in enumerate(self.rows):
            if self.layout.anchors_on(r) and not beside_labels:
                continue
            for ln in row.lines:
                places = [i for i, c in enumerate(row.chars) if c.line is ln]
                if any(self.layout.is_label_char(r, i) for i in places):
                    continue
                if test(ln.text):
                    return span_of([row.chars[i] for i in places])
        return None

    def search(self, pattern: re.Pattern[str]) -> Span | None:
        for row in self.rows:
            m = pattern.search(row.text)
            if m:
                return span_of(row.chars[m.start(1) : m.end(1)])
        return None

    def organisation_line(self) -> Span | None:
        """The last line naming a testing organisation (the signature line of a report cover)."""
        for r in range(len(self.rows) - 1, -1, -1):
            row = self.rows[r]
            if self.layout.anchors_on(r):
                continue
            orgs = organisations(row.text)
            tested = [o for o in orgs if re.search(r"检测|评测|测试|检验", o)]
            if tested:
                start = row.text.find(tested[-1])
                return span_of(row.chars[start : start + len(tested[-1])])
        return None


_CERT_NO = re.compile(r"软著登字第?(\d{5,9})号?")
_REG_NO = re.compile(r"(\d{4}[S5$][RK]\d{5,8})")
_CREDIT = re.compile(r"(?<![0-9A-Z])([0-9A-Z]{18})(?![0-9A-Z])")


def _field(name: str, parsed: Parsed, span: Span) -> FieldValue:
    confidence = span.confidence if parsed.ok else 0.0
    return FieldValue(
        name=name, value=parsed.value, raw=span.raw, confidence=round(confidence, 4), box=span.box
    )


def fill_from_darkest_ink(
    kind: PageKind, fields: dict[str, FieldValue], ink_lines: list[TextLine]
) -> dict[str, FieldValue]:
    """`fields` and those it lacks read on the page's darkest ink (extractors/faint_print.py)."""
    return extract_fields(kind, ink_lines) | fields


def extract_fields(kind: PageKind, lines: list[TextLine]) -> dict[str, FieldValue]:
    """All contract fields of `kind` found among `lines`, with value, raw text, confidence and box."""
    if kind == PageKind.OTHER:
        return {}
    spec = load_specs()[kind]
    page = PageReader(lines, spec)
    out: dict[str, FieldValue] = {}
    for field in spec.fields:
        span = page.read(field)
        if field.below and (span is None or not nz.find_dates(span.text)):
            taken = tuple(v.box for v in out.values() if v.box is not None)
            span = page.last_date(field.labels, taken) or next(
                reversed(filled_in_dates(lines)), None
            )
        if span is None:
            span = _fallback(page, kind, field.name)
        if span is None:
            continue
        parsed = PARSERS[field.type](span.text)
        if not parsed.ok:
            retry = _fallback(page, kind, field.name)
            if retry is not None:
                span, parsed = retry, PARSERS[field.type](retry.text)
        out[field.name] = _field(field.name, parsed, span)
    _versions_from_names(out)
    if kind == PageKind.BUSINESS_LICENSE:
        out = complete_from_term(out)
    return out


def _fallback(page: PageReader, kind: PageKind, name: str) -> Span | None:
    """Where a field has no label of its own on this layout, find it by its form."""
    if name == "certificate_no":
        return page.search(_CERT_NO)
    if name == "registration_no":
        return page.search(_REG_NO)
    if name == "credit_code":
        return page.search(_CREDIT)
    if name == "testing_institution":
        return page.organisation_line()
    if name == "name" and kind == PageKind.BUSINESS_LICENSE:
        return page.first_line_that(is_organisation_name)
    if name == "company_type" and kind == PageKind.BUSINESS_LICENSE:
        return page.first_line_that(is_company_form, beside_labels=True)
    if name == "test_standard":
        # 检测依据's standard not read: the conclusion names the standard met (符合…的要求).
        return page.first_line_that(_names_a_standard, beside_labels=True)
    return None


def _names_a_standard(text: str) -> bool:
    return nz.normalize_standard(text) is not None


def _versions_from_names(fields: dict[str, FieldValue]) -> None:
    """A version printed at the end of the software name fills the version field when absent."""
    for name_field, version_field in (
        ("software_name", "software_version"),
        ("product_name", "product_version"),
    ):
        named = fields.get(name_field)
        if named is None or version_field in fields or named.raw is None:
            continue
        _, version = nz.split_name_version(nz.normalize_software_name(named.raw))
        if version:
            fields[version_field] = FieldValue(
                version_field, version, named.raw, named.confidence, named.box
            )
