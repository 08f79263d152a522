"""The evidence of one check: the best reading of each field, and how a check asks for one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.model import DocumentResult, Evidence, FieldValue, Flag, PageKind
from extractors.normalize import is_valid_credit_code, normalize_credit_code
from validators.flags import make_flag

NULLABLE_FIELDS = frozenset({"first_published_date", "conclusion"})
"""Fields whose normal form may be null (未发表; no conclusion on a cover): null is a reading."""


def is_empty(value: object) -> bool:
    """True for a reading that holds nothing: None, blank text, an empty list."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, list | tuple) and not value)


class EvidenceMap(dict[tuple[PageKind, str], Evidence]):
    """(kind, field) → best Evidence, plus where each kind's pages are.

    `kind_pages` lets a check tell "the licence is there but its date was not read" (flag it as
    unreadable) from "there is no licence" (nothing to read; missing_document covers it).
    """

    def __init__(self, kind_pages: dict[PageKind, list[tuple[str, int]]] | None = None):
        super().__init__()
        self.kind_pages: dict[PageKind, list[tuple[str, int]]] = kind_pages or {}


def collect_evidence(documents: list[DocumentResult]) -> EvidenceMap:
    """The best reading of each (kind, field) over all pages: highest confidence, first on ties."""
    evidence = EvidenceMap()
    for document in documents:
        if document.error:
            continue
        for page in document.pages:
            evidence.kind_pages.setdefault(page.kind, []).append((document.source, page.index))
            for name, value in page.fields.items():
                key = (page.kind, name)
                best = evidence.get(key)
                if best is None or value.confidence > best.field.confidence:
                    evidence[key] = Evidence(
                        field=value, kind=page.kind, source=document.source, page=page.index
                    )
    return evidence


def kind_pages(
    evidence: dict[tuple[PageKind, str], Evidence],
) -> dict[PageKind, list[tuple[str, int]]]:
    """Where each kind's pages are; for a plain dict, only the pages that gave a field."""
    if isinstance(evidence, EvidenceMap):
        return evidence.kind_pages
    pages: dict[PageKind, list[tuple[str, int]]] = {}
    for ev in evidence.values():
        if (ev.source, ev.page) not in pages.setdefault(ev.kind, []):
            pages[ev.kind].append((ev.source, ev.page))
    return pages


class ReadStatus(StrEnum):
    READ = "read"
    """Read with enough confidence: `evidence.field.value` is usable."""
    UNREADABLE = "unreadable"
    """The kind is there but the field is absent, null or below min_confidence."""
    NO_DOCUMENT = "no_document"
    """No page of that kind: there was nothing to read."""


@dataclass(frozen=True)
class Reading:
    """The outcome of asking for one field: its status, and the evidence (or where we looked)."""

    kind: PageKind
    field: str
    status: ReadStatus
    evidence: Evidence | None
    """The best reading; for an absent field, a placeholder pointing at the kind's first page."""

    @property
    def value(self):
        return self.evidence.field.value if self.evidence else None

    @property
    def values(self) -> tuple[Any, ...]:
        """The value and, where a second recogniser read the field's box otherwise, its reading:
        a comparison the paper passes under either reading is passed."""
        if self.evidence is None:
            return (None,)
        found = self.evidence.field
        return (found.value,) if is_empty(found.second) else (found.value, found.second)


def read_field(
    evidence: dict[tuple[PageKind, str], Evidence],
    kind: PageKind,
    field: str,
    min_confidence: float,
) -> Reading:
    """How well `field` of `kind` was read, judged against the campaign's `min_confidence`;
    a value the second recogniser read the same in its box is sure whatever the first's
    confidence (two recognisers trained apart agreeing)."""
    found = evidence.get((kind, field))
    if found is not None:
        read = found.field
        agreed = not is_empty(read.second) and read.second == read.value
        usable = (read.confidence >= min_confidence or agreed) and (
            not is_empty(read.value) or field in NULLABLE_FIELDS
        )
        status = ReadStatus.READ if usable else ReadStatus.UNREADABLE
        return Reading(kind, field, status, found)
    pages = kind_pages(evidence).get(kind)
    if not pages:
        return Reading(kind, field, ReadStatus.NO_DOCUMENT, None)
    source, page = pages[0]
    placeholder = Evidence(
        field=FieldValue(name=field, value=None, raw=None, confidence=0.0, box=None),
        kind=kind,
        source=source,
        page=page,
    )
    return Reading(kind, field, ReadStatus.UNREADABLE, placeholder)


def unreadable_flag(
    reading: Reading,
    min_confidence: float,
    filing_value: object = None,
    reason: str | None = None,
) -> Flag:
    """The unreadable_field flag for `reading`; the same reading always gives the same message."""
    if reading.evidence is None:
        raise ValueError(
            f"no page of kind {reading.kind} to point an unreadable {reading.field} at"
        )
    found = reading.evidence.field
    return make_flag(
        "unreadable_field",
        field=reading.field,
        filing=filing_value,
        document=found.value,
        evidence=reading.evidence,
        reason=reason or _why_unreadable(found, min_confidence),
    )


def _why_unreadable(found: FieldValue, min_confidence: float) -> str:
    if found.confidence == 0.0 and found.value is None and found.raw is None:
        return "未能识别"
    if is_empty(found.value):
        return f"识别结果为空（原文「{found.raw or ''}」）"
    if found.name == "credit_code" and not is_valid_credit_code(
        normalize_credit_code(str(found.value))
    ):
        return f"识别结果「{found.value}」未通过校验位检查（GB 32100-2015），疑为识别有误"
    return f"识别置信度仅 {found.confidence:.2f}，低于要求的 {min_confidence:.2f}"
