"""What a reviewer sees on a filing's pages: each field's box and state, each flag and its place."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.filing import Filing
from core.model import PageKind
from core.states import STANDING_FLAG_STATUSES
from validators.campaign import Campaign
from validators.crosscheck import comparisons
from validators.flags import display_value, load_flag_catalogue
from validators.rules import checked_by_rules

Box = tuple[float, float, float, float]

FLAG_STATUS_LABELS = {
    "open": "待处理",
    "confirmed": "已确认",
    "dismissed": "已排除",
    "resolved": "已消除",
}
FILING_STATUS_LABELS = {
    "awaiting_upload": "待上传",
    "processing": "处理中",
    "flagged": "有疑点",
    "clean": "无疑点",
    "recommended": "已推荐",
    "not_recommended": "未推荐",
}

_SHOWN_BESIDE: dict[tuple[PageKind, str], tuple[str, str]] = {
    (PageKind.BUSINESS_LICENSE, "address"): ("applicant", "address"),
    (PageKind.BUSINESS_LICENSE, "legal_representative"): ("applicant", "legal_representative"),
    (PageKind.COPYRIGHT_CERTIFICATE, "certificate_no"): ("product", "copyright_certificate_no"),
    (PageKind.COPYRIGHT_CERTIFICATE, "copyright_holders"): ("product", "copyright_holders"),
    (PageKind.COPYRIGHT_CERTIFICATE, "first_published_date"): ("product", "first_published_date"),
    (PageKind.TEST_REPORT, "client"): ("applicant", "name"),
    (PageKind.TEST_REPORT, "testing_institution"): ("product", "testing_institution"),
    (PageKind.TEST_REPORT, "test_standard"): ("product", "test_standard"),
    (PageKind.USAGE_REPORT, "product_name"): ("product", "name"),
}
"""Filed values shown beside a read field that no cross-check compares (for the reader's eye)."""


class BoxState(StrEnum):
    AGREES = "agrees"
    """Checked against the filing or a campaign rule, and nothing was raised."""
    FLAGGED = "flagged"
    """An open or confirmed flag concerns this field."""
    DISMISSED = "dismissed"
    """The flags that concerned this field were dismissed (with a reason) by a reviewer."""
    LOW_CONFIDENCE = "low_confidence"
    """Read with less confidence than the campaign's min_confidence."""
    UNCHECKED = "unchecked"
    """Read well, but no check compares it with anything."""


BOX_STATE_LABELS = {
    BoxState.AGREES: "一致",
    BoxState.FLAGGED: "有疑点",
    BoxState.DISMISSED: "疑点已排除",
    BoxState.LOW_CONFIDENCE: "识别置信度低",
    BoxState.UNCHECKED: "未核对",
}


@dataclass(frozen=True)
class FlagMark:
    """One flag of the filing as the reviewer handles it."""

    id: int
    number: int
    """1-based position in the filing's flag list (the paper flag table uses it too)."""
    code: str
    severity: str
    message: str
    field: str | None
    field_label: str
    filing_value: Any
    document_value: Any
    source: str | None
    document_id: int | None
    page: int | None
    box: Box | None
    status: str
    reason: str | None
    decided_by: str | None
    decided_at: str | None

    @property
    def title(self) -> str:
        return load_flag_catalogue().title(self.code)

    @property
    def severity_label(self) -> str:
        return load_flag_catalogue().severity_label(self.severity)

    @property
    def status_label(self) -> str:
        return FLAG_STATUS_LABELS.get(self.status, self.status)

    @property
    def standing(self) -> bool:
        return self.status in STANDING_FLAG_STATUSES

    @property
    def page_key(self) -> str | None:
        if self.document_id is None or self.page is None:
            return None
        return page_key(self.document_id, self.page)


@dataclass(frozen=True)
class FieldMark:
    """One field read on a page: its value, the filed value beside it, its box and state."""

    name: str
    label: str
    value: Any
    raw: str | None
    confidence: float
    box: Box | None
    state: BoxState
    filed: Any
    has_filed: bool
    ocr_value: Any = None
    corrected_by: str | None = None
    corrected_at: str | None = None
    correction_reason: str | None = None
    approved_by: str | None = None
    """Who approved the correction, when it needed a second person's approval."""
    flag_ids: tuple[int, ...] = ()
    second: Any = None
    """The second recogniser's reading of the box (extractors/second_reading.py)."""

    @property
    def shown_value(self) -> str:
        return shown_value(self.name, self.value)

    @property
    def shown_second(self) -> str | None:
        """The second reading where it differs from the value shown, else None."""
        if self.second is None or self.corrected_by:
            return None
        shown = shown_value(self.name, self.second)
        return shown if shown != self.shown_value else None

    @property
    def shown_filed(self) -> str:
        return shown_value(self.name, self.filed) if self.has_filed else "—"

    @property
    def shown_ocr_value(self) -> str:
        return shown_value(self.name, self.ocr_value)

    @property
    def state_label(self) -> str:
        return BOX_STATE_LABELS[self.state]

    @property
    def edit_text(self) -> str:
        """The value as a clerk would type it into the correction box."""
        if self.value is None:
            return ""
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        if isinstance(self.value, list | tuple):
            return "、".join(str(v) for v in self.value)
        return str(self.value)

    @property
    def corrected(self) -> bool:
        return self.corrected_by is not None


@dataclass(frozen=True)
class SealMark:
    """A seal read on the page: its box and what its lettering was read as."""

    text: str
    box: Box
    confidence: float
    centre_text: str = ""

    @property
    def shown_text(self) -> str:
        """The ring's text, the organisation the seal names (未能识别 when it was not read)."""
        return self.text or "未能识别"

    @property
    def title(self) -> str:
        """The seal for a tooltip: its ring, the words inside, how surely the ring was read."""
        words = f"，内文「{self.centre_text}」" if self.centre_text else ""
        return f"印章：{self.shown_text}{words}（识别置信度 {self.confidence:.2f}）"


@dataclass
class PageMarks:
    document_id: int
    source: str
    index: int
    kind: PageKind
    width: int
    height: int
    error: str | None
    fields: list[FieldMark] = field(default_factory=list)
    flags: list[FlagMark] = field(default_factory=list)
    seals: list[SealMark] = field(default_factory=list)
    part: str | None = None
    """For an `other` page, the part of a bound report it is (report_cover, filing_form)."""

    @property
    def key(self) -> str:
        return page_key(self.document_id, self.index)

    @property
    def key_page(self) -> bool:
        """A page the checks read: a document kind, or a bound report's cover or 征集信息表."""
        return self.kind != PageKind.OTHER or self.part is not None

    @property
    def kind_label(self) -> str:
        catalogue = load_flag_catalogue()
        if self.kind == PageKind.OTHER and self.part:
            return catalogue.part_label(self.part)
        return catalogue.kind_label(self.kind)


@dataclass
class DocumentMarks:
    document_id: int
    source: str
    content_type: str | None
    job_id: int | None
    state: str | None
    pages_done: int
    pages_total: int
    error: str | None
    pages: list[PageMarks] = field(default_factory=list)


@dataclass
class ReviewMarks:
    """Everything the review page and the annotated PDF draw for one filing."""

    filing_id: str
    min_confidence: float
    documents: list[DocumentMarks]
    flags: list[FlagMark]

    @property
    def pages(self) -> list[PageMarks]:
        return [p for d in self.documents for p in d.pages]

    @property
    def key_pages(self) -> list[PageMarks]:
        return [p for p in self.pages if p.key_page]


def shown_value(field_name: str, value: Any) -> str:
    """A field's value for people: 未发表 for a certificate's empty first-publication date."""
    if value is None and field_name == "first_published_date":
        return "未发表"
    return display_value(value)


def page_key(document_id: int, index: int) -> str:
    """How a page is named on the review page: `<document id>-<page index>`."""
    return f"{document_id}-{index}"


def _box(value: Any) -> Box | None:
    if not value or len(value) != 4:
        return None
    x0, y0, x1, y1 = (float(v) for v in value)
    return (x0, y0, x1, y1)


def filed_values(filing: Filing) -> dict[tuple[PageKind, str], Any]:
    """(kind, field) → the filing's value that a read field is compared with or shown beside."""
    values: dict[tuple[PageKind, str], Any] = {
        (c.kind, c.field): c.filing_value for c in comparisons(filing)
    }
    for (kind, name), (part, attribute) in _SHOWN_BESIDE.items():
        values.setdefault((kind, name), getattr(getattr(filing, part), attribute, None))
    return values


def checked_fields(filing: Filing, campaign: Campaign) -> set[tuple[PageKind, str]]:
    """The fields a check of this campaign compares with the filing or holds to a rule."""
    checked = {(c.kind, c.field) for c in comparisons(filing) if not _blank(c.filing_value)}
    return checked | checked_by_rules(campaign)


_ABSENT = object()


def _same_text(filed: Any, value: Any) -> bool:
    """A value no check compares that reads exactly as filed (ignoring width, case, spaces)."""
    if filed is _ABSENT or filed is None or value is None:
        return False

    def key(v: Any) -> str:
        text = unicodedata.normalize("NFKC", display_value(v)).upper()
        return "".join(text.split())

    return key(filed) == key(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _flag_marks(report: dict[str, Any], kinds: dict[str, PageKind]) -> list[FlagMark]:
    catalogue = load_flag_catalogue()
    marks = []
    for number, flag in enumerate(report.get("flags", []), start=1):
        document_id, page = flag.get("document_id"), flag.get("page")
        kind = kinds.get(page_key(document_id, page)) if document_id is not None else None
        marks.append(
            FlagMark(
                id=int(flag["id"]),
                number=number,
                code=flag["code"],
                severity=flag["severity"],
                message=flag["message"],
                field=flag.get("field"),
                field_label=catalogue.field_label(kind, flag.get("field")),
                filing_value=flag.get("filing_value"),
                document_value=flag.get("document_value"),
                source=flag.get("source"),
                document_id=document_id,
                page=page,
                box=_box(flag.get("box")),
                status=flag.get("status") or "open",
                reason=flag.get("reason"),
                decided_by=flag.get("decided_by"),
                decided_at=flag.get("decided_at"),
            )
        )
    return marks


def _key(value: Any) -> str:
    return repr(value)


def _corrected_readings(
    report: dict[str, Any], kinds: dict[str, PageKind]
) -> dict[tuple[PageKind, str], set[str]]:
    """(kind, field) → the OCR readings that a correction replaced by another value.

    On its own page a corrected field shows the corrected value, so its OCR value is what
    the box colour must follow; any page of the kind that reads the same is just as wrong.
    """
    found: dict[tuple[PageKind, str], set[str]] = {}
    for document in report.get("documents", []):
        for page in document.get("pages", []):
            kind = kinds.get(page_key(document.get("document_id"), page["index"]))
            for name, read in page.get("fields", {}).items():
                if read.get("corrected_by") and read.get("ocr_value") != read.get("value"):
                    found.setdefault((kind, name), set()).add(_key(read.get("ocr_value")))
    return found


def _shown_key(read: dict[str, Any]) -> str:
    """What the page itself says for a field: its OCR value when it was corrected."""
    return _key(read.get("ocr_value") if read.get("corrected_by") else read.get("value"))


def review_marks(report: dict[str, Any], filing: Filing, campaign: Campaign) -> ReviewMarks:
    """The marks of a stored filing's report (`intake.persistence.stored.filing_report`).

    A field's box is flagged while an open or confirmed flag names it on a page of the same
    kind (a flag is raised once, on the best reading, but concerns every reading of the kind);
    marked dismissed when its flags were dismissed; otherwise amber when read below the
    campaign's min_confidence, green when a check compares it, grey when none does.
    """
    catalogue = load_flag_catalogue()
    kinds = {
        page_key(d["document_id"], p["index"]): PageKind(p["kind"])
        for d in report.get("documents", [])
        if d.get("document_id") is not None
        for p in d.get("pages", [])
    }
    flags = _flag_marks(report, kinds)
    filed = filed_values(filing)
    checked = checked_fields(filing, campaign)
    misread = _corrected_readings(report, kinds)
    documents = []
    for document in report.get("documents", []):
        document_id = document.get("document_id")
        marks = DocumentMarks(
            document_id=document_id,
            source=document["source"],
            content_type=document.get("content_type"),
            job_id=document.get("job_id"),
            state=document.get("state"),
            pages_done=document.get("pages_done", 0),
            pages_total=document.get("pages_total", 0),
            error=document.get("error"),
        )
        for page in document.get("pages", []):
            kind = PageKind(page["kind"])
            here = page_key(document_id, page["index"])
            page_marks = PageMarks(
                document_id=document_id,
                source=document["source"],
                index=page["index"],
                kind=kind,
                width=page.get("width") or 0,
                height=page.get("height") or 0,
                error=page.get("error"),
                flags=[f for f in flags if f.page_key == here],
                seals=[
                    SealMark(
                        text=seal.get("text") or "",
                        box=box,
                        confidence=float(seal.get("confidence") or 0.0),
                        centre_text=seal.get("centre_text") or "",
                    )
                    for seal in page.get("seals") or []
                    if (box := _box(seal.get("box"))) is not None
                ],
                part=page.get("part"),
            )
            for name, read in page.get("fields", {}).items():
                concerning = [
                    f
                    for f in flags
                    if f.field == name
                    and (f.page_key == here or kinds.get(f.page_key or "") == kind)
                ]
                standing = [f for f in concerning if f.standing]
                confidence = float(read.get("confidence") or 0.0)
                if any(f.code != "unreadable_field" for f in standing):
                    state = BoxState.FLAGGED
                elif (kind, name) in checked and _shown_key(read) in misread.get((kind, name), ()):
                    # The colour follows what the page says: a reading that a correction
                    # replaced (here or on another page of the kind) is not shown as agreeing.
                    state = BoxState.FLAGGED
                elif any(f.status == "dismissed" for f in concerning):
                    state = BoxState.DISMISSED
                elif confidence < campaign.min_confidence or standing:
                    state = BoxState.LOW_CONFIDENCE
                elif (kind, name) in checked or _same_text(
                    filed.get((kind, name), _ABSENT), read.get("value")
                ):
                    state = BoxState.AGREES
                else:
                    state = BoxState.UNCHECKED
                page_marks.fields.append(
                    FieldMark(
                        name=name,
                        label=catalogue.field_label(kind, name),
                        value=read.get("value"),
                        raw=read.get("raw"),
                        confidence=confidence,
                        box=_box(read.get("box")),
                        state=state,
                        filed=filed.get((kind, name)),
                        has_filed=(kind, name) in filed,
                        ocr_value=read.get("ocr_value"),
                        corrected_by=read.get("corrected_by"),
                        corrected_at=read.get("corrected_at"),
                        correction_reason=read.get("correction_reason"),
                        approved_by=read.get("approved_by"),
                        flag_ids=tuple(f.id for f in standing),
                        second=read.get("second"),
                    )
                )
            page_marks.fields.sort(key=lambda f: catalogue.field_rank(kind, f.name))
            marks.pages.append(page_marks)
        documents.append(marks)
    return ReviewMarks(
        filing_id=report["filing_id"],
        min_confidence=campaign.min_confidence,
        documents=documents,
        flags=flags,
    )
