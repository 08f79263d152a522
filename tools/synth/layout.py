"""Page layouts as drawing items in 300-DPI pixels, shared by the raster and the text-PDF writers."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from PIL import ImageFont

from core.model import PageKind

LAYOUT_DPI = 300
A4_PORTRAIT = (2480, 3508)
A4_LANDSCAPE = (3508, 2480)
INK = (22, 22, 26)
SEAL_RED = (210, 40, 40)
NO_LINE_START = "，。；、：）》」”！？"


@dataclass(frozen=True)
class Font:
    """A CJK font face; `pdf_ok` when reportlab can embed it (TrueType outlines)."""

    key: str
    path: str
    index: int
    pdf_ok: bool


FONTS: dict[str, Font] = {
    f.key: f
    for f in (
        Font("serif", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2, False),
        Font("serif_bold", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2, False),
        Font("sans", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2, False),
        Font("sans_bold", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2, False),
        Font("ming", "/usr/share/fonts/truetype/arphic/uming.ttc", 0, True),
        Font("kai", "/usr/share/fonts/truetype/arphic/ukai.ttc", 0, True),
        Font("zenhei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, True),
        Font("microhei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, True),
    )
}


@dataclass(frozen=True)
class FontSet:
    """The faces one document is printed with: title, labels, values."""

    title: Font
    label: Font
    value: Font

    @property
    def pdf_ok(self) -> bool:
        return self.title.pdf_ok and self.label.pdf_ok and self.value.pdf_ok


def font_set(title: str, label: str, value: str) -> FontSet:
    return FontSet(FONTS[title], FONTS[label], FONTS[value])


@lru_cache(maxsize=256)
def pil_font(font: Font, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font.path, max(size, 4), index=font.index)


def text_width(text: str, font: Font, size: float, tracking: float = 0.0) -> float:
    return pil_font(font, round(size)).getlength(text) + tracking * max(len(text) - 1, 0)


@dataclass(frozen=True)
class Text:
    """One line of text; (x, y) is the left end of its baseline."""

    x: float
    y: float
    text: str
    font: Font
    size: float
    color: tuple[int, int, int] = INK
    tracking: float = 0.0
    angle: float = 0.0
    """Degrees counter-clockwise about (x, y); watermarks are printed at a slant."""
    role: str = ""
    """`label` for a field label (randomised layouts), `watermark` for text printed over the page
    that is no part of its content."""


@dataclass(frozen=True)
class Rule:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 3.0
    color: tuple[int, int, int] = INK


@dataclass(frozen=True)
class Frame:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 4.0
    color: tuple[int, int, int] = INK


@dataclass(frozen=True)
class Seal:
    """A red ink stamp: organisation name along the upper arc, a star, optional bottom text."""

    cx: float
    cy: float
    radius: float
    name: str
    bottom: str = ""
    squash: float = 1.0
    """Height over width: 1.0 for a round seal, ~0.7 for an oval one."""
    tilt: float = 0.0
    ink: float = 0.85
    seed: int = 0
    color: tuple[int, int, int] = SEAL_RED
    code: str = ""
    """Digits along the lower arc (a seal's registration code), read from the inside."""


@dataclass(frozen=True)
class Emblem:
    cx: float
    cy: float
    radius: float


@dataclass(frozen=True)
class QrBlock:
    x: float
    y: float
    size: float
    seed: int = 0


Item = Text | Rule | Frame | Seal | Emblem | QrBlock


@dataclass
class PageLayout:
    """One page to draw, with the ground truth a perfect reader should take from it."""

    kind: PageKind
    layout: str
    width: int = A4_PORTRAIT[0]
    height: int = A4_PORTRAIT[1]
    items: list[Item] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    paper: tuple[int, int, int] = (252, 252, 250)

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    def text(self, x: float, y: float, text: str, font: Font, size: float, **kw: Any) -> float:
        """Draw `text` with its baseline at y; returns the x just after it."""
        self.items.append(Text(x, y, text, font, size, **kw))
        return x + text_width(text, font, size, kw.get("tracking", 0.0))

    def centered(self, y: float, text: str, font: Font, size: float, cx: float | None = None,
                 **kw: Any) -> None:  # fmt: skip
        cx = self.width / 2 if cx is None else cx
        width = text_width(text, font, size, kw.get("tracking", 0.0))
        self.items.append(Text(cx - width / 2, y, text, font, size, **kw))

    def right(self, x1: float, y: float, text: str, font: Font, size: float, **kw: Any) -> None:
        width = text_width(text, font, size, kw.get("tracking", 0.0))
        self.items.append(Text(x1 - width, y, text, font, size, **kw))

    def paragraph(self, x0: float, y: float, x1: float, text: str, font: Font, size: float,
                  leading: float = 1.6, indent: int = 0, **kw: Any) -> float:  # fmt: skip
        """Wrap `text` between x0 and x1 from baseline y; returns the baseline after the last line."""
        first = "\u3000" * indent
        for line in wrap(first + text, font, size, x1 - x0):
            self.items.append(Text(x0, y, line, font, size, **kw))
            y += size * leading
        return y

    def add(self, *items: Item) -> None:
        self.items.extend(items)


def wrap(text: str, font: Font, size: float, max_width: float) -> list[str]:
    """Break `text` into lines no wider than max_width; closing punctuation never starts a line."""
    measure = pil_font(font, round(size))
    lines: list[str] = []
    current = ""
    for char in text:
        if char == "\n":
            lines.append(current)
            current = ""
            continue
        if current and measure.getlength(current + char) > max_width:
            if char in NO_LINE_START and len(current) > 1:
                lines.append(current[:-1])
                current = current[-1]
            else:
                lines.append(current)
                current = ""
        current += char
    if current:
        lines.append(current)
    return lines
