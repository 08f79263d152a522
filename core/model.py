"""Typed values that pass between the pipeline's stages: pages, OCR lines, fields, flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from core.lattice import Lattice

Box = tuple[float, float, float, float]
"""[x0, y0, x1, y1] in pixels of the upright page image."""


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix * iy
    return ix * iy / union if union > 0 else 0.0


class PageKind(StrEnum):
    BUSINESS_LICENSE = "business_license"
    COPYRIGHT_CERTIFICATE = "copyright_certificate"
    TEST_REPORT = "test_report"
    USAGE_REPORT = "usage_report"
    OTHER = "other"


@dataclass(frozen=True)
class TextLine:
    """One line of text on an upright page, read by OCR or taken from a PDF text layer."""

    text: str
    box: Box
    confidence: float = 1.0

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def center_y(self) -> float:
        return (self.box[1] + self.box[3]) / 2


@dataclass
class PageImage:
    """A page as it came out of the file: pixels (BGR) and, for PDFs with text, its words."""

    index: int
    image: np.ndarray | None
    """BGR pixels; None only while a text-layer page has not been rendered."""
    dpi: float
    text_lines: list[TextLine] | None = None
    """Lines from a PDF text layer, in pixels of `image` at `dpi`; None for scans."""
    width: int = 0
    height: int = 0


@dataclass
class CleanPage:
    """A page after clean-up: upright, flattened, deskewed; boxes refer to `image`."""

    index: int
    image: np.ndarray
    rotation: int = 0
    """Clockwise degrees (0/90/180/270) the original was turned to make it upright."""
    skew_degrees: float = 0.0
    flattened: bool = False
    ocr_image: np.ndarray | None = None
    """Grey image for OCR with red seals suppressed; `image` itself keeps the colour."""


@dataclass(frozen=True)
class FieldValue:
    """A field read from a page, with the evidence of where and how well it was read."""

    name: str
    value: Any
    raw: str | None
    confidence: float
    box: Box | None
    second: Any = None
    """The value as a second recogniser read it from `box` alone (extractors/second_reading.py);
    None where it was not read again or read nothing. It never replaces `value`."""
    steps: Lattice | None = None
    """What the recogniser saw along the value in `box` (core/lattice.py), kept
    so the checks can ask how well the paper bears out what the filing says; None where the
    box was not read again or its reading did not hold the value."""


@dataclass(frozen=True)
class PageFingerprint:
    """What stays the same when one sheet is scanned again (extractors/fingerprint.py):
    `text` the MinHash of the page's character 3-grams (hex; None for a page with little text),
    `image` the perceptual hash of the grey page (hex)."""

    text: str | None
    image: str

    def to_text(self) -> str:
        return f"{self.text or ''}:{self.image}"

    @classmethod
    def from_text(cls, stored: str) -> PageFingerprint:
        text, _, image = stored.partition(":")
        return cls(text or None, image)


@dataclass(frozen=True)
class SealReading:
    """The lettering of one round or oval red seal, read from its unwrapped ring."""

    box: Box
    """The seal's outline on the upright page."""
    text: str
    """The ring's text, read clockwise along the top arc (the organisation's name), as read."""
    confidence: float
    """OCR confidence of the ring text (0 when nothing was read)."""
    centre_text: str = ""
    """Words printed straight across the inside, e.g. 检验检测专用章, 合同专用章."""
    code: str = ""
    """Digits along the lower arc (the seal's registration code), where present."""
    star: bool = False
    """A five-pointed star in the middle."""


class PagePart(StrEnum):
    """Pages of a bound 征集报告 that are none of the four documents but are checked."""

    REPORT_COVER = "report_cover"
    """The cover of the bound report (征集报告 / 申报材料), stamped by the applicant."""
    FILING_FORM = "filing_form"
    """The printed 征集信息表 (登记表), stamped by the applicant."""


@dataclass
class PageResult:
    index: int
    kind: PageKind
    rotation: int = 0
    width: int = 0
    height: int = 0
    fields: dict[str, FieldValue] = field(default_factory=dict)
    lines: list[TextLine] = field(default_factory=list)
    error: str | None = None
    """Why this page could not be read, when the rest of its file could."""
    fingerprint: PageFingerprint | None = None
    """Set on pages of the four documents, to find one sheet filed by two applicants."""
    seals: list[SealReading] = field(default_factory=list)
    """The red seals found on the page and what their lettering says."""
    part: PagePart | None = None
    """For an `other` page: the part of a bound report it is (its cover, the 征集信息表)."""
    ink_lines: list[TextLine] = field(default_factory=list)
    """The page read again with only its darkest ink, when a field every such page prints was
    not found (extractors/faint_print.py); the fields it alone found come from these lines."""


@dataclass
class DocumentResult:
    source: str
    sha256: str
    pages: list[PageResult] = field(default_factory=list)
    error: str | None = None
    error_code: str | None = None
    page_count: int = 0


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Flag:
    code: str
    severity: Severity
    message: str
    field: str | None = None
    filing_value: Any = None
    document_value: Any = None
    source: str | None = None
    page: int | None = None
    box: Box | None = None


@dataclass(frozen=True)
class Evidence:
    """Where a field's value was found among the documents of one check."""

    field: FieldValue
    kind: PageKind
    source: str
    page: int
