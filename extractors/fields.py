"""Field extraction per page kind: find labels (labels.yaml), read their values, keep the evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from core.errors import IntakeError
from core.model import FieldValue, PageKind, TextLine
from extractors import normalize as nz
from extractors.entities import organisations
from extractors.layout import (
    SEPARATORS,
    CharRef,
    Row,
    Span,
    group_rows,
    span_of,
    strip_separators,
)
from extractors.values import PARSERS, Parsed


@dataclass(frozen=True)
class FieldSpec:
    name: str
    labels: tuple[str, ...]
    type: str
    multiline: bool = False
    below: int = 0
    """Rows under the label where the value may stand (a date under a seal)."""


@dataclass(frozen=True)
class KindSpec:
    fields: tuple[FieldSpec, ...]
    stops: tuple[str, ...]
    noise: tuple[str, ...] = ()

    @property
    def all_labels(self) -> list[str]:
        labels = {lab for f in self.fields for lab in f.labels} | set(self.stops)
        return sorted(labels, key=len, reverse=True)


@lru_cache(maxsize=1)
def load_specs() -> dict[PageKind, KindSpec]:
    raw = yaml.safe_load(resources.files("extractors").joinpath("labels.yaml").read_text("utf-8"))
    try:
        return {
            PageKind(kind): KindSpec(
                fields=tuple(
                    FieldSpec(
                        name=name,
                        labels=tuple(nz.strip_spaces(lab) for lab in spec["labels"]),
                        type=spec["type"],
                        multiline=bool(spec.get("multiline", False)),
                        below=int(spec.get("below", 0)),
                    )
                    for name, spec in body["fields"].items()
                ),
                stops=tuple(nz.strip_spaces(s) for s in body.get("stops", [])),
                noise=tuple(nz.to_halfwidth(nz.strip_spaces(s)) for s in body.get("noise", [])),
            )
            for kind, body in raw.items()
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise IntakeError(f"labels.yaml 配置有误：{exc!r}") from exc


@dataclass(frozen=True)
class LabelHit:
    row: int
    start: int
    end: int
    label: str


def _find_labels(rows: list[Row], labels: list[str]) -> list[LabelHit]:
    """Every label occurrence that starts a printed segment, longest label first."""
    hits: list[LabelHit] = []
    for r, row in enumerate(rows):
        text = row.text
        taken = [False] * len(text)
        for label in labels:
            for m in _label_pattern(label).finditer(text):
                s, e = m.start(), m.end()
                if row.chars[s].boundary and not any(taken[s:e]):
                    hits.append(LabelHit(r, s, e, label))
                    for i in range(s, e):
                        taken[i] = True
    return sorted(hits, key=lambda h: (h.row, h.start))


_LABEL_GAP = "[.·•・,，、'`]?"


@lru_cache(maxsize=512)
def _label_pattern(label: str) -> re.Pattern[str]:
    """A label as printed, letting OCR put a stray dot between its spaced characters (名.称)."""
    return re.compile(_LABEL_GAP.join(re.escape(ch) for ch in label))


class PageReader:
    """The rows of one page with every label found, answering "what follows this label?"."""

    def __init__(self, lines: list[TextLine], spec: KindSpec):
        self.rows = group_rows(lines)
        self.spec = spec
        self.hits = [h for h in _find_labels(self.rows, spec.all_labels) if not self._in_text(h)]
        self._hits_by_row: dict[int, list[LabelHit]] = {}
        for h in self.hits:
            self._hits_by_row.setdefault(h.row, []).append(h)

    def _in_text(self, hit: LabelHit) -> bool:
        """A label's words running on inside a paragraph (…的要求，/ 检测结论为通过。), not a label.

        It is one when nothing separates it from the next word and the row just above, with no
        gap between them, already has text over the same place.
        """
        row = self.rows[hit.row]
        following = row.chars[hit.end] if hit.end < len(row.chars) else None
        if hit.row == 0 or following is None or following.boundary or following.char in SEPARATORS:
            return False
        above = self.rows[hit.row - 1]
        height = row.bottom - row.top
        x0 = row.chars[hit.start].box[0]
        return row.top - above.bottom <= 0.5 * height and any(
            c.box[0] <= x0 + height and c.box[2] >= x0 for c in above.chars
        )

    def _value_chars(self, hit: LabelHit) -> list[CharRef]:
        row = self.rows[hit.row]
        later = [h.start for h in self._hits_by_row[hit.row] if h.start >= hit.end]
        end = min(later, default=len(row.chars))
        return strip_separators(row.chars[hit.end : end])

    def _continuation(self, hit: LabelHit, first: list[CharRef]) -> list[CharRef]:
        """Rows under a value that carry on its text: aligned with it, no label of their own."""
        chars: list[CharRef] = []
        left = first[0].box[0] if first else self.rows[hit.row].chars[hit.end - 1].box[2]
        height = self.rows[hit.row].bottom - self.rows[hit.row].top
        bottom = self.rows[hit.row].bottom
        for r in range(hit.row + 1, min(hit.row + 4, len(self.rows))):
            row = self.rows[r]
            if row.top - bottom > 1.0 * height:
                break
            own = [c for c in row.chars if c.box[0] >= left - 0.6 * height]
            if not own or any(
                h.start == row.chars.index(own[0]) for h in self._hits_by_row.get(r, [])
            ):
                break
            if r in self._hits_by_row:
                stop = min(h.start for h in self._hits_by_row[r])
                own = [c for c in own if row.chars.index(c) < stop]
                chars.extend(strip_separators(own))
                break
            chars.extend(own)
            bottom = row.bottom
        return chars

    def _rows_above(self, hit: LabelHit, value: list[CharRef]) -> list[CharRef]:
        """Lines of a table cell that stand above its vertically centred label.

        In a table the label sits in the middle of a tall cell, so the cell's first lines are
        above the label's own row. Rows count when they stand right of the label, carry no
        label, lie below the text of the cell above (whose lines run on without a gap), and —
        when the label's row has a value of its own — follow on from that value without a gap.
        """
        row = self.rows[hit.row]
        label_left = row.chars[hit.start].box[0]
        label_right = row.chars[hit.end - 1].box[2]
        height = row.bottom - row.top
        above = [
            h
            for h in self.hits
            if h.row < hit.row
            and abs(self.rows[h.row].chars[h.start].box[0] - label_left) < 1.5 * height
        ]
        if not above:
            return []
        # The cell above ends where its own text stops running on without a gap.
        first = above[-1].row + 1
        while (
            first < hit.row
            and first not in self._hits_by_row
            and self.rows[first].top - self.rows[first - 1].bottom <= 0.8 * height
        ):
            first += 1
        blocks: list[list[CharRef]] = []
        lower_top = row.top
        for r in range(hit.row - 1, first - 1, -1):
            if r in self._hits_by_row:
                break
            chars = [c for c in self.rows[r].chars if c.box[0] >= label_right - 0.5 * height]
            if not chars:
                continue
            if value and lower_top - self.rows[r].bottom > 0.5 * height:
                break
            blocks.insert(0, chars)
            lower_top = self.rows[r].top
        return [c for block in blocks for c in block]

    def read(self, field: FieldSpec) -> Span | None:
        """The text after the first label of `field` that has one (or the rows below it)."""
        for hit in self.hits:
            if hit.label not in field.labels:
                continue
            chars = self._value_chars(hit)
            if field.multiline:
                chars = self._without_noise(chars)
                # A character or two beside a centred label is seal residue, not the value's start.
                lead = chars if len(chars) > 2 else []
                chars = self._rows_above(hit, lead) + chars + self._continuation(hit, chars)
                chars = self._without_noise(chars)
            if (
                not chars
                and hit.row + 1 < len(self.rows)
                and (hit.row + 1) not in self._hits_by_row
            ):
                chars = strip_separators(self.rows[hit.row + 1].chars)
            for extra in range(1, field.below + 1):
                if field.type != "date" or nz.find_dates(span_of(chars).text):
                    break
                if hit.row + extra < len(self.rows):
                    chars = self.rows[hit.row + extra].chars
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

    def last_date(self) -> Span | None:
        """The lowest date printed on the page: the date under a seal or a signature."""
        for row in reversed(self.rows):
            found = nz.find_dates(row.text)
            if found:
                _, start, end = found[-1]
                return span_of(row.chars[start:end])
        return None

    def search(self, pattern: re.Pattern[str]) -> Span | None:
        for row in self.rows:
            m = pattern.search(row.text)
            if m:
                return span_of(row.chars[m.start(1) : m.end(1)])
        return None

    def organisation_line(self) -> Span | None:
        """The last line naming a testing organisation (the signature line of a report cover)."""
        for row in reversed(self.rows):
            if any(h.row == self.rows.index(row) for h in self.hits):
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
            span = page.last_date()
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
    return None


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
