"""Print under a seal read again from the seal's own region, for a date the page's reading lost.

A date printed in black under a red seal is the one part of a licence or certificate that OCR
most often loses on the whole page: the ring and the star cross it, and the page was read
shrunk. The seal's region (with a margin: the date often runs out beside it) is read again
alone, red ink suppressed, at the page's full resolution; the lines found there that the page's
reading does not already hold are added to the page.
"""

from __future__ import annotations

import numpy as np

from core.model import TextLine
from extractors import seals
from extractors.ocr import OcrEngine

MARGIN_ACROSS = 0.3
"""Share of the seal's width added on each side (a date or an authority's name runs out)."""
MARGIN_DOWN = 0.1
"""Share of the seal's height added above and below."""
OVERLAP = 0.3
"""A line read here overlapping one already read by this share of the smaller box is that line."""


def lines_under_seals(
    image: np.ndarray, engine: OcrEngine, found: list[seals.SealBox], lines: list[TextLine]
) -> list[TextLine]:
    """Lines read in the seals' regions that overlap none of `lines`, in page pixels.

    With the default engine a line found over one already read is not recognised at all: it
    would be dropped (most of a region's lines are the page's own, read well the first time).
    """
    height, width = image.shape[:2]
    extra: list[TextLine] = []
    read_new = getattr(engine, "read_new", None)
    for x0, y0, x1, y1 in found:
        w, h = x1 - x0, y1 - y0
        left, top = max(0, int(x0 - MARGIN_ACROSS * w)), max(0, int(y0 - MARGIN_DOWN * h))
        right = min(width, int(x1 + MARGIN_ACROSS * w))
        bottom = min(height, int(y1 + MARGIN_DOWN * h))
        if right - left < 8 or bottom - top < 8:
            continue
        region = seals.suppress_red(image[top:bottom, left:right])
        known = [_moved(line, -left, -top) for line in lines + extra]
        read = read_new(region, known, _overlapping) if read_new else engine.read(region)
        for line in read:
            placed = _moved(line, left, top)
            if _overlapping(placed.box, lines + extra) is None:
                extra.append(placed)
    return extra


def _moved(line: TextLine, dx: float, dy: float) -> TextLine:
    x0, y0, x1, y1 = line.box
    return TextLine(line.text, (x0 + dx, y0 + dy, x1 + dx, y1 + dy), line.confidence)


def _overlapping(box: tuple[float, ...], known: list[TextLine]) -> TextLine | None:
    """The first of `known` that `box` overlaps more than OVERLAP: the line standing there."""
    return next((line for line in known if _overlap(box, line.box) > OVERLAP), None)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over the smaller box's area."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller > 0 else 0.0
