"""Reading a red seal: find its ring, unwrap the ring into a straight strip, and OCR the strip.

A Chinese round or oval seal carries the organisation's name clockwise along its upper arc
(each character's top pointing outwards), often a star in the middle, sometimes words straight
across the inside (检验检测专用章, 合同专用章) and digits along the lower arc (the seal's code). The
ring is unwrapped by a polar transform in both directions: clockwise with the outer edge on top
(the name reads left to right, upright) and anticlockwise with the inner edge on top (the lower
arc's digits read upright). Ink is the page's luminance where the colour is red: JPEG keeps
colour at half resolution, so red decides where to look and luminance keeps the strokes sharp.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import cv2
import numpy as np

from core.model import Box, SealReading
from extractors import seals
from extractors.imaging import to_bgr
from extractors.normalize import to_halfwidth
from extractors.ocr import LineChars, OcrEngine, recognize_line
from extractors.seal_ring import (
    BORDER,
    TEXT_BAND,
    Ring,
    disc_fill,
    fit_ring,
    unwrap,
)

SEAL_MARGIN = 0.2
"""The crop around a found seal, as a share of its size: found outlines may cut the ring."""
MIN_TEXT_CONFIDENCE = 0.5
"""Lines read from a strip below this confidence are noise (a watermark, the ring itself)."""
EMBLEM_FILL = 0.42
"""A disc inked over more than this share is the national emblem or a blot, not a seal."""

_HAN = re.compile(r"[\u3400-\u9fff]")
_DIGIT = re.compile(r"[0-9]")


@dataclass(frozen=True)
class ArcChar:
    char: str
    angle: float
    """Radians, clockwise from the image's x axis, of the character's centre on the ring."""
    confidence: float


def _arc_chars(
    reading: LineChars, start: float, clockwise: bool, strip: np.ndarray, keep=_HAN
) -> list[ArcChar]:
    """The characters of a strip's reading placed back on the ring, by angle."""
    total = strip.shape[1]
    width = total - 2 * BORDER
    out = []
    sign = 1 if clockwise else -1
    for char, position, confidence in reading.chars:
        if not keep.match(char) or confidence < MIN_TEXT_CONFIDENCE:
            continue
        along = (position * total - BORDER) / width
        angle = (start + sign * along * 2 * math.pi) % (2 * math.pi)
        out.append(ArcChar(char, angle, confidence))
    return out


def _largest_gap(angles: list[float]) -> tuple[float, float]:
    """(middle, width) of the widest empty arc between characters at `angles` (radians)."""
    ordered = sorted(angles)
    best = (0.0, -1.0)
    for i, here in enumerate(ordered):
        nxt = ordered[(i + 1) % len(ordered)] + (2 * math.pi if i + 1 == len(ordered) else 0)
        if nxt - here > best[1]:
            best = (((here + nxt) / 2) % (2 * math.pi), nxt - here)
    return best


def _in_order_from(chars: list[ArcChar], start: float) -> list[ArcChar]:
    """`chars` in reading order: clockwise from the angle `start`."""
    return sorted(chars, key=lambda c: (c.angle - start) % (2 * math.pi))


def _main_run(chars: list[ArcChar]) -> list[ArcChar]:
    """The longest run of evenly spaced characters: the name, without stray marks beyond it."""
    if len(chars) < 3:
        return chars
    steps = [(b.angle - a.angle) % (2 * math.pi) for a, b in zip(chars, chars[1:])]
    typical = float(np.median(steps))
    runs, current = [], [chars[0]]
    for step, char in zip(steps, chars[1:]):
        if step > RUN_SPACING * typical:
            runs.append(current)
            current = []
        current.append(char)
    runs.append(current)
    return max(runs, key=len)


RING_BANDS = (TEXT_BAND, (0.45, 0.97))
"""Text bands tried: the usual one, and a wider one for seals whose letters reach the ring."""
RUN_SPACING = 1.9
"""A step between neighbours this many times the typical one ends a run of the ring's text."""
EDGE_CONFIDENCE = 0.9
"""A doubtful character at either end of the run is a stray mark, not part of the name."""


def _trimmed(run: list[ArcChar], readings: list[list[ArcChar]]) -> list[ArcChar]:
    """`run` without stray characters at its ends: ones that no reading read surely there.

    Print beside or under the seal (a date, the inside's words seen from the band's edge) is
    read at the run's ends, and less surely; a true first or last character is read surely by
    one of the readings at least.
    """

    def surest(char: ArcChar, ends: list[list[ArcChar]]) -> float:
        return max(
            [char.confidence] + [c.confidence for end in ends for c in end if c.char == char.char]
        )

    heads = [reading[:2] for reading in readings]
    tails = [reading[-2:] for reading in readings]
    while run and surest(run[0], heads) < EDGE_CONFIDENCE:
        run = run[1:]
    while run and surest(run[-1], tails) < EDGE_CONFIDENCE:
        run = run[:-1]
    return run


def read_ring(ink: np.ndarray, ring: Ring, engine: OcrEngine) -> tuple[list[ArcChar], float]:
    """The ring text's characters in reading order, and the angle of the gap between its ends.

    The first strip starts at the bottom, where a seal set upright has its gap; the characters
    read show where the gap really is, and the ring is unwrapped again from its middle (in two
    bands), so that no character is cut in two at a strip's ends. Of the three readings, without
    stray ends (`_trimmed`), the surest is kept (the sum of its characters' confidences).
    """
    start = math.pi / 2
    strip = unwrap(ink, ring, start, clockwise=True)
    first = _arc_chars(recognize_line(engine, strip), start, True, strip)
    if not first:
        return [], start
    gap, _ = _largest_gap([c.angle for c in first])
    readings = [_main_run(_in_order_from(first, gap))]
    for band in RING_BANDS:
        strip = unwrap(ink, ring, gap, clockwise=True, band=band)
        chars = _arc_chars(recognize_line(engine, strip), gap, True, strip)
        if chars:
            readings.append(_main_run(_in_order_from(chars, gap)))
    best = max(
        (_trimmed(run, readings) for run in readings),
        key=lambda run: sum(c.confidence for c in run),
    )
    if len(best) >= 2:
        gap, _ = _largest_gap([c.angle for c in best])
    return best, gap


CODE_BAND = (0.72, 0.98)
"""The band of a seal's code: small digits close inside the ring."""
CODE_TURN = 0.4
"""The share of the ring around the bottom that is read for the code."""


def _lower_code(ink: np.ndarray, ring: Ring, gap: float, engine: OcrEngine) -> str:
    """Digits along the lower arc, read upright from the inside (anticlockwise strip)."""
    start = gap + CODE_TURN * math.pi
    strip = unwrap(ink, ring, start, clockwise=False, band=CODE_BAND, turn=CODE_TURN)
    line = _small_print(strip)
    if line is None:
        return ""
    reading = recognize_line(engine, line)
    digits = "".join(
        c
        for c, _, p in reading.chars
        if _DIGIT.fullmatch(to_halfwidth(c)) and p >= MIN_TEXT_CONFIDENCE
    )
    digits = to_halfwidth(digits)
    return digits if len(digits) >= 4 else ""


def _small_print(strip: np.ndarray) -> np.ndarray | None:
    """The row of small characters (a code's digits) in a strip, cropped and padded, or None."""
    binary = cv2.compare(strip, 128, cv2.CMP_LT)
    count, _, stats, _ = cv2.connectedComponentsWithStats(binary)
    height = strip.shape[0]
    small = [
        (x, y, w, h)
        for x, y, w, h, area in stats[1:count]
        if 0.06 * height <= h <= 0.4 * height and w <= 4 * h and area >= 4
    ]
    if len(small) < 4:
        return None
    tops = float(np.median([y for _, y, _, _ in small]))
    bottoms = float(np.median([y + h for _, y, _, h in small]))
    row = [b for b in small if b[1] < bottoms and b[1] + b[3] > tops]
    if len(row) < 4:
        return None
    size = bottoms - tops
    y0, y1 = max(0, int(tops - 0.4 * size)), min(height, int(bottoms + 0.4 * size) + 1)
    x0 = max(0, int(min(x for x, _, _, _ in row) - size))
    x1 = min(strip.shape[1], int(max(x + w for x, _, w, _ in row) + size))
    line = strip[y0:y1, x0:x1]
    return cv2.copyMakeBorder(line, 6, 6, 6, 6, cv2.BORDER_CONSTANT, value=255)


def _upright_inside(ink: np.ndarray, ring: Ring, tilt: float) -> np.ndarray:
    """The seal's inside turned so that its gap is at the bottom, dark on white, 2R square."""
    radius = max(ring.a, ring.b)
    side = max(8, int(2 * radius))
    turn = cv2.getRotationMatrix2D((ring.cx, ring.cy), math.degrees(tilt), 1.0)
    turn[0, 2] += side / 2 - ring.cx
    turn[1, 2] += side / 2 - ring.cy
    return 255 - cv2.warpAffine(ink, turn, (side, side), borderValue=0)


def _star_box(inside: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x, y, w, h) of a filled five-pointed star in the middle of the upright inside, or None."""
    side = inside.shape[0]
    offset = int(0.22 * side)
    middle = inside[offset : side - offset, offset : side - offset]
    binary = cv2.compare(middle, 128, cv2.CMP_LT)
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    span = middle.shape[0]
    for contour in contours:
        area = cv2.contourArea(contour)
        x, y, w, h = cv2.boundingRect(contour)
        if area < 0.03 * span * span or min(w, h) < 0.6 * max(w, h):
            continue
        if abs(x + w / 2 - span / 2) > 0.3 * span:
            continue
        solidity = area / max(1.0, cv2.contourArea(cv2.convexHull(contour)))
        corners = len(cv2.approxPolyDP(contour, 0.03 * cv2.arcLength(contour, True), True))
        if 0.35 <= solidity <= 0.75 and 8 <= corners <= 13:
            return (x + offset, y + offset, w, h)
    return None


STRAIGHT_INK = 0.03
"""Share of the inside below the star inked (ring text wiped) above which words are read."""
CODE_WIPE = 0.8
"""Beyond this share of the ring's radius lie the ring and the code, never straight words."""


def _without_ring_text(ink: np.ndarray, ring: Ring, chars: list[ArcChar]) -> np.ndarray:
    """`ink` with the ring and its code, and the sector of the band holding the name, wiped."""
    ys, xs = np.mgrid[0 : ink.shape[0], 0 : ink.shape[1]].astype(np.float32)
    turn = math.radians(ring.angle)
    dx, dy = xs - ring.cx, ys - ring.cy
    ex = (dx * math.cos(turn) + dy * math.sin(turn)) / ring.a
    ey = (-dx * math.sin(turn) + dy * math.cos(turn)) / ring.b
    rho = np.sqrt(ex * ex + ey * ey)
    angle = np.arctan2(dy, dx) % (2 * math.pi)
    first, last = chars[0].angle, chars[-1].angle
    step = (last - first) % (2 * math.pi) / max(1, len(chars) - 1)
    span = (last - first) % (2 * math.pi) + step
    in_text = (angle - (first - step / 2)) % (2 * math.pi) <= span
    wiped = ink.copy()
    wiped[(rho >= TEXT_BAND[0] - 0.05) & in_text] = 0
    wiped[rho >= CODE_WIPE] = 0
    return wiped


def _straight_words(inside: np.ndarray, engine: OcrEngine) -> str:
    """Words printed straight across the inside below the star (…专用章), row by row."""
    side = inside.shape[0]
    star = _star_box(inside)
    top = star[1] + star[3] if star else int(0.55 * side)
    below = inside[top : int(0.9 * side), int(0.04 * side) : int(0.96 * side)]
    inked = below < 128
    if below.size == 0 or np.count_nonzero(inked) < STRAIGHT_INK * below.size:
        return ""
    profile = np.count_nonzero(inked, axis=1) / below.shape[1]
    rows = profile > max(0.03, 0.2 * float(profile.max()))
    bands, start = [], None
    for y, dark in enumerate(np.append(rows, False)):
        if dark and start is None:
            start = y
        elif not dark and start is not None:
            if y - start >= 0.05 * side:
                bands.append((start, y))
            start = None
    words = []
    for y0, y1 in bands:
        columns = np.flatnonzero(inked[y0:y1].any(axis=0))
        pad = max(2, (y1 - y0) // 4)
        band = below[max(0, y0 - pad) : y1 + pad, max(0, columns[0] - pad) : columns[-1] + pad]
        band = cv2.copyMakeBorder(band, 8, 8, 8, 8, cv2.BORDER_CONSTANT, value=255)
        reading = recognize_line(engine, band)
        text = "".join(c for c, _, p in reading.chars if _HAN.match(c) and p >= MIN_TEXT_CONFIDENCE)
        if len(text) >= 2:
            words.append(text)
    return "".join(words)


def read_seal(image: np.ndarray, box: seals.SealBox, engine: OcrEngine) -> SealReading | None:
    """The lettering of the seal in `box` (pixels of `image`); None when it is no seal.

    A ring with a star whose lettering could not be read is kept with empty text and confidence
    0: the page is stamped, by someone the reader cannot tell.
    """
    bgr = to_bgr(image)
    if bgr is None:
        return None
    x0, y0, x1, y1 = box
    margin = round(SEAL_MARGIN * max(x1 - x0, y1 - y0))
    cx0, cy0 = max(0, x0 - margin), max(0, y0 - margin)
    crop = bgr[cy0 : min(bgr.shape[0], y1 + margin), cx0 : min(bgr.shape[1], x1 + margin)]
    if min(crop.shape[:2]) < 24:
        return None
    ink = seals.seal_ink(crop)
    ring = fit_ring(ink, (x0 - cx0, y0 - cy0, x1 - cx0, y1 - cy0))
    if ring is None or disc_fill(ink, ring) > EMBLEM_FILL:
        return None
    box = _clip_box(_outline(ring, cx0, cy0), image.shape)
    chars, gap = read_ring(ink, ring, engine)
    if len(chars) < 2:
        # A ring whose lettering could not be read: the page is stamped, by someone unknown.
        star = _star_box(_upright_inside(ink, ring, 0.0)) is not None
        return SealReading(box=box, text="", confidence=0.0, star=star) if star else None
    text = "".join(c.char for c in chars)
    confidence = sum(c.confidence for c in chars) / len(chars)
    inside = _upright_inside(_without_ring_text(ink, ring, chars), ring, gap - math.pi / 2)
    return SealReading(
        box=box,
        text=text,
        confidence=round(confidence, 4),
        centre_text=_straight_words(inside, engine),
        code=_lower_code(ink, ring, gap, engine),
        star=_star_box(inside) is not None,
    )


OUTLINE = 1.06
"""The seal's outer edge, as a multiple of its ring's centre line (the ring's stroke and a margin)."""


def _outline(ring: Ring, dx: float, dy: float) -> Box:
    """The box around the seal's ellipse, in the page's pixels (the crop lay at dx, dy)."""
    turn = math.radians(ring.angle)
    a, b = OUTLINE * ring.a, OUTLINE * ring.b
    half_x = math.hypot(a * math.cos(turn), b * math.sin(turn))
    half_y = math.hypot(a * math.sin(turn), b * math.cos(turn))
    cx, cy = dx + ring.cx, dy + ring.cy
    return (cx - half_x, cy - half_y, cx + half_x, cy + half_y)


def _clip_box(box: Box, shape) -> Box:
    return (
        max(0.0, box[0]),
        max(0.0, box[1]),
        min(float(shape[1]), box[2]),
        min(float(shape[0]), box[3]),
    )


def read_seals(
    image: np.ndarray, engine: OcrEngine, found: list[seals.SealBox] | None = None
) -> list[SealReading]:
    """Every seal on the page whose lettering could be read, most seal-like first; `found`: the
    page's seals by the strict test (seals.find_red_seals), when the caller has them."""
    readings = []
    for box in seals.seal_candidates(image, found):
        reading = read_seal(image, box, engine)
        if reading is not None:
            readings.append(reading)
    return readings
