"""The whole 征集信息表 against the documents: a row per filed field with every reading beside it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from core.filing import Filing
from core.model import PageKind
from core.yamlfile import invalid_file, read_yaml
from intake.presentation.review_marks import (
    BOX_STATE_LABELS,
    BoxState,
    FieldMark,
    FlagMark,
    PageMarks,
    ReviewMarks,
    page_key,
    shown_value,
)
from intake.presentation.times import beijing_text
from validators.flags import load_flag_catalogue

ROWS_PATH = Path(__file__).with_name("comparison.yaml")
KIND_SHORT = {
    PageKind.BUSINESS_LICENSE: "执照",
    PageKind.COPYRIGHT_CERTIFICATE: "证书",
    PageKind.TEST_REPORT: "报告",
    PageKind.USAGE_REPORT: "使用报告",
    PageKind.OTHER: "其他",
}
"""The document a reading comes from, in a word, beside the value."""

STATE_ORDER = (
    BoxState.FLAGGED,
    BoxState.LOW_CONFIDENCE,
    BoxState.DISMISSED,
    BoxState.UNCHECKED,
    BoxState.AGREES,
)
"""Which reading's state a row shows: the one that most needs a person."""


class RowSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    label: str
    readings: tuple[str, ...] = ()

    def reads(self) -> list[tuple[PageKind, str]]:
        return [(PageKind(r.split(".")[0]), r.split(".", 1)[1]) for r in self.readings]


class RowSpecs(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rows: tuple[RowSpec, ...]


@lru_cache(maxsize=1)
def row_specs() -> RowSpecs:
    try:
        return RowSpecs.model_validate(read_yaml(ROWS_PATH))
    except ValidationError as exc:
        raise invalid_file(ROWS_PATH, exc) from None


@dataclass(frozen=True)
class Segment:
    text: str
    differs: bool


@dataclass(frozen=True)
class PendingCorrection:
    """A correction that would clear a flag, waiting for a second person (four eyes)."""

    id: int
    shown_value: str
    reason: str
    corrected_by: str
    corrected_at: str | None

    @classmethod
    def of(cls, note: dict[str, Any]) -> PendingCorrection:
        return cls(
            id=int(note["id"]),
            shown_value=shown_value(note["field"], note.get("value")),
            reason=note.get("reason") or "",
            corrected_by=note.get("corrected_by") or "",
            corrected_at=note.get("corrected_at"),
        )


@dataclass(frozen=True)
class Reading:
    """One page's reading of a row's field, with the characters that differ from the filing."""

    page: PageMarks
    mark: FieldMark
    segments: tuple[Segment, ...]
    pending: PendingCorrection | None = None
    """The correction of this reading that awaits a reviewer's approval, if any."""

    @property
    def state(self) -> BoxState:
        return self.mark.state

    @property
    def kind_short(self) -> str:
        return KIND_SHORT[self.page.kind]

    @property
    def where(self) -> str:
        return f"{self.page.kind_label} · {self.page.source} 第{self.page.index + 1}页"


@dataclass
class ComparisonRow:
    key: str
    """The filed field's path (`applicant.credit_code`), or `kind.field` for a field only read."""
    label: str
    filed: Any
    has_filed: bool
    filed_segments: tuple[Segment, ...] = ()
    readings: list[Reading] = field(default_factory=list)
    flags: list[FlagMark] = field(default_factory=list)

    @property
    def shown_filed(self) -> str:
        if not self.has_filed:
            return "—"
        if self.key == "submitted_at" and self.filed is not None:
            return f"{beijing_text(self.filed)}（北京时间）"
        return shown_value(self.key.rsplit(".", 1)[-1], self.filed)

    @property
    def state(self) -> BoxState | None:
        states = {r.state for r in self.readings}
        if any(f.standing and f.code != "unreadable_field" for f in self.flags):
            states.add(BoxState.FLAGGED)
        elif any(f.standing for f in self.flags):
            states.add(BoxState.LOW_CONFIDENCE)
        elif any(f.status == "dismissed" for f in self.flags):
            states.add(BoxState.DISMISSED)
        return next((s for s in STATE_ORDER if s in states), None)

    @property
    def state_label(self) -> str:
        state = self.state
        if state is None:
            return "仅填报" if self.has_filed else ""
        return BOX_STATE_LABELS[state]

    @property
    def pending(self) -> list[PendingCorrection]:
        return [r.pending for r in self.readings if r.pending is not None]

    @property
    def first_reading(self) -> Reading | None:
        with_box = [r for r in self.readings if r.mark.box]
        chosen = [r for r in with_box if r.state == self.state] or with_box or self.readings
        return chosen[0] if chosen else None


def _key(char: str) -> str:
    return "" if char.isspace() else unicodedata.normalize("NFKC", char).upper()


def differing(filed: str, read: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """Both texts cut into runs of characters that agree (ignoring width, case and spaces)
    and runs that differ, e.g. 2020SR02884[5]4 against 2020SR02884[2]4."""
    a, b = [_key(c) for c in filed], [_key(c) for c in read]
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i0, i1, j0, j1 in matcher.get_opcodes():
        same = tag == "equal"
        if i1 > i0:
            left.append(Segment(filed[i0:i1], not same and any(a[i0:i1])))
        if j1 > j0:
            right.append(Segment(read[j0:j1], not same and any(b[j0:j1])))
    return tuple(left), tuple(right)


def _same_text(filed: str, read: str) -> bool:
    return [k for k in map(_key, filed) if k] == [k for k in map(_key, read) if k]


def _filed_value(filing: Filing, path: str) -> tuple[Any, bool]:
    data: Any = filing.model_dump(mode="python")
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None, False
        data = data[part]
    return data, True


def _reading(page: PageMarks, mark: FieldMark, row: ComparisonRow) -> tuple[Reading, bool]:
    """The reading and whether its text equals the filed value's."""
    read = mark.shown_value
    if row.has_filed and row.filed is None and mark.value is None:  # e.g. both 未发表
        return Reading(page, mark, (Segment(read, False),)), True
    if not row.has_filed or row.filed is None or mark.value is None:
        return Reading(page, mark, (Segment(read, False),)), False
    filed = row.shown_filed
    same = _same_text(filed, read)
    if same or mark.state == BoxState.AGREES:
        return Reading(page, mark, (Segment(read, False),)), same
    left, right = differing(filed, read)
    if any(s.differs for s in left):
        row.filed_segments = left
    return Reading(page, mark, right), same


def _agreeing(mark: FieldMark) -> FieldMark:
    """A reading no check compares but whose text equals the filing's: 一致, not 未核对."""
    return replace(mark, state=BoxState.AGREES) if mark.state == BoxState.UNCHECKED else mark


def _flag_kind(flag: FlagMark, pages: dict[str, PageMarks]) -> PageKind | None:
    page = pages.get(flag.page_key or "")
    return page.kind if page else None


def _pending_by_place(
    corrections: list[dict[str, Any]],
) -> dict[tuple[str, str], PendingCorrection]:
    """(page key, field) → its pending correction (at most one per place: the API refuses more)."""
    return {
        (page_key(c["document_id"], c["page"]), c["field"]): PendingCorrection.of(c)
        for c in corrections
        if c.get("state") == "pending"
    }


def comparison_rows(
    marks: ReviewMarks, filing: Filing, corrections: list[dict[str, Any]] | None = None
) -> list[ComparisonRow]:
    """Every filed field (in the online form's order), then the fields read but never filed.

    `corrections`: the report's list; a pending one is shown on the reading it corrects.
    """
    catalogue = load_flag_catalogue()
    waiting = _pending_by_place(corrections or [])
    pages = {p.key: p for p in marks.pages}
    read_by: dict[tuple[PageKind, str], list[tuple[PageMarks, FieldMark]]] = {}
    for page in marks.pages:
        for mark in page.fields:
            read_by.setdefault((page.kind, mark.name), []).append((page, mark))
    claimed: set[tuple[PageKind, str]] = set()
    placed: set[int] = set()
    rows: list[ComparisonRow] = []
    for spec in row_specs().rows:
        filed, has_filed = _filed_value(filing, spec.path)
        row = ComparisonRow(spec.path, spec.label, filed, has_filed)
        reads = spec.reads()
        for kind_field in reads:
            if kind_field in claimed:
                continue
            claimed.add(kind_field)
            for page, mark in read_by.get(kind_field, []):
                reading, same = _reading(page, mark, row)
                if same:
                    reading = Reading(page, _agreeing(mark), reading.segments)
                pending = waiting.get((page.key, mark.name))
                row.readings.append(replace(reading, pending=pending))
        leaf = spec.path.rsplit(".", 1)[-1]
        for flag in marks.flags:
            kind = _flag_kind(flag, pages)
            if flag.id in placed or flag.field is None:
                continue
            if (kind, flag.field) in reads or (
                kind is None and (flag.field == leaf or flag.field in {f for _, f in reads})
            ):
                row.flags.append(flag)
                placed.add(flag.id)
        rows.append(row)
    for (kind, name), found in sorted(
        read_by.items(), key=lambda item: (list(PageKind).index(item[0][0]), item[0][1])
    ):
        if (kind, name) in claimed:
            continue
        label = f"{catalogue.field_label(kind, name)}（{catalogue.kind_label(kind)}）"
        row = ComparisonRow(f"{kind.value}.{name}", label, None, False)
        row.readings = [
            Reading(p, m, (Segment(m.shown_value, False),), waiting.get((p.key, m.name)))
            for p, m in found
        ]
        row.flags = [
            f
            for f in marks.flags
            if f.id not in placed and f.field == name and _flag_kind(f, pages) in (kind, None)
        ]
        placed.update(f.id for f in row.flags)
        rows.append(row)
    return rows


def unplaced_flags(marks: ReviewMarks, rows: list[ComparisonRow]) -> list[FlagMark]:
    """Flags on no row (a missing document, a duplicate application): listed on their own."""
    on_rows = {f.id for r in rows for f in r.flags}
    return [f for f in marks.flags if f.id not in on_rows]
