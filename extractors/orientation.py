"""A page's orientation and skew from the lines OCR found on it, and their boxes made upright.

One OCR pass over the page as it lies gives every line's quadrilateral and whether the line
classifier had to turn it over. From these follow the quarter turn that makes the page upright
and the small skew left; the line boxes are then mapped into the upright, deskewed page that is
stored, so the page is read once whatever way up it arrived.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.model import TextLine
from extractors.cleanup import MIN_DESKEW_DEGREES, deskew_matrix
from extractors.ocr import RawLine, quad_to_box

MAX_SKEW = 15.0


@dataclass(frozen=True)
class PageGeometry:
    rotation: int
    """Clockwise quarter turn (0/90/180/270) that makes the page upright."""
    skew: float
    """Counter-clockwise degrees of the text lines on the upright page (as cleanup.deskew takes)."""


def _sides(quad: np.ndarray) -> tuple[float, float]:
    return float(np.linalg.norm(quad[0] - quad[1])), float(np.linalg.norm(quad[0] - quad[3]))


def quarter_turn(lines: list[RawLine]) -> int:
    """Vote, weighted by line length, for the quarter turn the lines say the page needs.

    RapidOCR turns a tall crop counter-clockwise before reading it, so a vertical line that
    reads right unflipped comes from a page turned clockwise (needs 270), and a flipped one
    from a page turned counter-clockwise (needs 90); a flipped horizontal line needs 180.
    """
    votes = {0: 0.0, 90: 0.0, 180: 0.0, 270: 0.0}
    for line in lines:
        width, height = _sides(line.quad)
        if max(width, height) < 8:
            continue
        if height >= 1.5 * width:
            votes[90 if line.flipped else 270] += height
        else:
            votes[180 if line.flipped else 0] += width
    return max(votes, key=votes.__getitem__)


def _rotate_points(points: np.ndarray, rotation: int, width: int, height: int) -> np.ndarray:
    """Where points of a width×height image land after turning it `rotation` degrees clockwise."""
    x, y = points[..., 0], points[..., 1]
    if rotation == 90:
        return np.stack([height - 1 - y, x], axis=-1)
    if rotation == 180:
        return np.stack([width - 1 - x, height - 1 - y], axis=-1)
    if rotation == 270:
        return np.stack([y, width - 1 - x], axis=-1)
    return points.copy()


def skew_of(quads: list[np.ndarray]) -> float:
    """Median counter-clockwise angle of the long horizontal lines, in degrees."""
    angles = []
    for quad in quads:
        (x0, y0), (x1, y1) = quad[0], quad[1]
        width, height = _sides(quad)
        if width < 3 * height:
            continue
        angle = math.degrees(math.atan2(-(y1 - y0), x1 - x0))
        if abs(angle) <= MAX_SKEW:
            angles.append(angle)
    return float(np.median(angles)) if len(angles) >= 3 else 0.0


def upright_lines(
    lines: list[RawLine], width: int, height: int, rotation: int | None = None
) -> tuple[PageGeometry, list[TextLine], tuple[int, int]]:
    """The page's geometry, its lines boxed in the upright deskewed page, and that page's size.
    `rotation`: the quarter turn when known (a person turned the page), else found here."""
    rotation = quarter_turn(lines) if rotation is None else rotation % 360
    turned = [_rotate_points(line.quad, rotation, width, height) for line in lines]
    up_w, up_h = (height, width) if rotation in (90, 270) else (width, height)
    # After the quarter turn each quad's own corner order may start anywhere; re-order it
    # so that its first edge is the line's top edge, left to right.
    ordered = [_reading_order(q) for q in turned]
    skew = skew_of(ordered)
    size = (up_w, up_h)
    if abs(skew) >= MIN_DESKEW_DEGREES:
        matrix, size = deskew_matrix(up_w, up_h, skew)
        ordered = [q @ matrix[:, :2].T + matrix[:, 2] for q in ordered]
    out = []
    for line, quad in zip(lines, ordered):
        if _off_level(quad):
            continue  # text on a seal's arc, not a printed line
        out.append(TextLine(line.text, quad_to_box(quad), line.confidence))
    out.sort(key=lambda ln: (ln.box[1], ln.box[0]))
    return PageGeometry(rotation, skew if abs(skew) >= MIN_DESKEW_DEGREES else 0.0), out, size


OFF_LEVEL_DEGREES = 12.0


def _off_level(quad: np.ndarray) -> bool:
    """A line tilted well away from the (deskewed) page's lines: a seal's curved lettering."""
    (x0, y0), (x1, y1) = quad[0], quad[1]
    width, height = _sides(quad)
    if width < 1.5 * height:  # a character or two: its tilt is not measurable
        return False
    return abs(math.degrees(math.atan2(-(y1 - y0), x1 - x0))) > OFF_LEVEL_DEGREES


def _reading_order(quad: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left of a (roughly) level line."""
    centre = quad.mean(axis=0)
    angles = np.arctan2(quad[:, 1] - centre[1], quad[:, 0] - centre[0])
    by_angle = quad[np.argsort(angles)]  # clockwise on screen, starting near the left
    start = int(np.argmin(by_angle[:, 0] + by_angle[:, 1]))
    return np.roll(by_angle, -start, axis=0)
