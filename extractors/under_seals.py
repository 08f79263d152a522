"""Print where a lost date stands read again from its region alone: under a seal, under its label.

A date printed in black under a seal (登记机关's, 国家版权局's) is the one part of a licence or
certificate that OCR most often loses on the whole page: the ring and the star cross it, a
photocopy greys the seal so that no red ink tells it, and the page was read shrunk. Each seal's
region (with a margin: the date often runs out beside it) and the region under the date's own
label are read again alone, red ink suppressed, at the page's full resolution; the lines found
there that the page's reading does not already hold are added to the page.
"""

from __future__ import annotations

import numpy as np

from core.model import Box, TextLine
from extractors import seals
from extractors.ocr import OcrEngine

MARGIN_ACROSS = 0.3
"""Share of the seal's width added on each side (a date or an authority's name runs out)."""
MARGIN_DOWN = 0.1
"""Share of the seal's height added above and below."""


def seal_regions(found: list[seals.SealBox]) -> list[Box]:
    """The seals' boxes with their margins."""
    regions: list[Box] = []
    for x0, y0, x1, y1 in found:
        w, h = x1 - x0, y1 - y0
        regions.append(
            (
                x0 - MARGIN_ACROSS * w,
                y0 - MARGIN_DOWN * h,
                x1 + MARGIN_ACROSS * w,
                y1 + MARGIN_DOWN * h,
            )
        )
    return regions


def lines_in_regions(
    image: np.ndarray, engine: OcrEngine, regions: list[Box], lines: list[TextLine]
) -> list[TextLine]:
    """Lines read in `regions` (page pixels) that overlap none of `lines`, in page pixels."""
    height, width = image.shape[:2]
    extra: list[TextLine] = []
    for x0, y0, x1, y1 in regions:
        left, top = max(0, int(x0)), max(0, int(y0))
        right, bottom = min(width, int(x1)), min(height, int(y1))
        if right - left < 8 or bottom - top < 8:
            continue
        region = seals.suppress_red(image[top:bottom, left:right])
        for line in engine.read(region):
            bx0, by0, bx1, by1 = line.box
            placed = TextLine(
                line.text, (bx0 + left, by0 + top, bx1 + left, by1 + top), line.confidence
            )
            if not any(_overlap(placed.box, other.box) > 0.3 for other in lines + extra):
                extra.append(placed)
    return extra


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over the smaller box's area."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / smaller if smaller > 0 else 0.0
