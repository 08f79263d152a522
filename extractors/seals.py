"""Red seal ink on a page: its mask, the seals' boxes and ink, and the page with the ink lifted off."""

from __future__ import annotations

import math

import cv2
import numpy as np

from core.model import TextLine
from extractors.imaging import darkness, shrink, to_bgr, to_grey

SealBox = tuple[int, int, int, int]
"""(x0, y0, x1, y1) in pixels of the image the seal was found on; x1 and y1 exclusive."""

SEAL_WORK_SIDE = 1000
SEAL_DIAMETER_RANGE = (0.06, 0.40)  # of page width
WHITE = 255
MAX_SEALS = 4
"""Seals read per page, most seal-like first (a licence copy carries at most two or three)."""
LOOSE_REDNESS = 22
"""Red minus the larger of green and blue, on a 0–255 scale: faint seal ink still reaches it."""
RED_HUES = (12, 160)
"""OpenCV hues (0–180) from the first to the second are not red: seal ink lies outside them."""
INK_RED_SHARE = 0.45
"""Seal ink keeps at least this share of the paper's red channel; black print does not."""


def red_mask(image: np.ndarray) -> np.ndarray:
    """0/255 mask of red or vermilion ink (seal ink); all zero on grey or greyscale images."""
    bgr = to_bgr(image)
    if bgr is None:
        return np.zeros(image.shape[:2], np.uint8)
    hsv = cv2.cvtColor(bgr, cv2.COLOR_BGR2HSV)
    low_hue = cv2.inRange(hsv, (0, 70, 90), (14, 255, 255))
    high_hue = cv2.inRange(hsv, (160, 70, 90), (180, 255, 255))
    blue, green, red = cv2.split(bgr)
    redder = cv2.compare(cv2.subtract(red, cv2.max(blue, green)), 40, cv2.CMP_GE)
    return cv2.bitwise_and(cv2.bitwise_or(low_hue, high_hue), redder)


def _full_size_box(rect: tuple[int, int, int, int], scale: float, shape) -> SealBox:
    """A (x, y, w, h) rectangle found on a copy shrunk by `scale`, as a box on the full image."""
    x, y, w, h = rect
    return (
        max(0, math.floor(x / scale)),
        max(0, math.floor(y / scale)),
        min(shape[1], math.ceil((x + w) / scale)),
        min(shape[0], math.ceil((y + h) / scale)),
    )


def find_red_seals(image: np.ndarray) -> list[SealBox]:
    """Boxes of every round or oval red seal on the page, most seal-like first."""
    bgr = to_bgr(image)
    if bgr is None:
        return []
    small, scale = shrink(bgr, SEAL_WORK_SIDE)
    mask = red_mask(small)
    if cv2.countNonZero(mask) == 0:
        return []
    small_height, small_width = mask.shape
    size = max(3, round(0.012 * small_width)) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    found: list[tuple[float, SealBox]] = []
    for contour in contours:
        ring_cover = _seal_likeness(contour, mask, small_width)
        if ring_cover is None:
            continue
        x, y, w, h = cv2.boundingRect(contour)
        box = _full_size_box((x, y, w, h), scale, image.shape)
        found.append((ring_cover * w * h, box))
    return [box for _, box in sorted(found, key=lambda item: item[0], reverse=True)]


def find_red_seal(image: np.ndarray) -> SealBox | None:
    """Box (x0, y0, x1, y1) of the most seal-like round or oval red seal, or None."""
    seals = find_red_seals(image)
    return seals[0] if seals else None


def find_red_stamp(image: np.ndarray, found: list[SealBox] | None = None) -> SealBox | None:
    """A seal (the first of `found`, the page's `find_red_seals` if already known), or else any
    stamp-sized, stamp-shaped patch of red ink.

    Real stamps are often cut by the page edge, faded, smudged or overprinted, which the strict
    seal test refuses; a red patch as tall as it is wide, of a seal's size and with enough ink,
    still shows that the page was stamped. Thin red text or rules are too flat to pass.
    """
    seal = (found[0] if found else None) if found is not None else find_red_seal(image)
    if seal is not None:
        return seal
    bgr = to_bgr(image)
    if bgr is None:
        return None
    small, scale = shrink(bgr, SEAL_WORK_SIDE)
    mask = red_mask(small)
    if cv2.countNonZero(mask) == 0:
        return None
    width = mask.shape[1]
    size = max(3, round(0.03 * width)) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    low, high = SEAL_DIAMETER_RANGE
    best: tuple[int, SealBox] | None = None
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if not (low * width <= max(w, h) <= high * width and min(w, h) >= 0.45 * max(w, h)):
            continue
        ink = cv2.countNonZero(mask[y : y + h, x : x + w])
        if ink < 0.03 * w * h:
            continue
        box = _full_size_box((x, y, w, h), scale, image.shape)
        if best is None or ink > best[0]:
            best = (ink, box)
    return best[1] if best else None


def _seal_likeness(contour: np.ndarray, mask: np.ndarray, page_width: int) -> float | None:
    """How much of its rim a red blob inks if it is shaped like a seal, else None."""
    _, _, box_width, box_height = cv2.boundingRect(contour)
    low, high = SEAL_DIAMETER_RANGE
    if not low * page_width <= max(box_width, box_height) <= high * page_width:
        return None
    (cx, cy), (axis_a, axis_b), angle = cv2.minAreaRect(contour)
    if min(axis_a, axis_b) < 0.45 * max(axis_a, axis_b):
        return None
    hull_area = cv2.contourArea(cv2.convexHull(contour))
    roundness = hull_area / (math.pi / 4 * axis_a * axis_b)
    if not 0.85 <= roundness <= 1.12:  # an ellipse gives 1.0, a rectangle 1.27
        return None
    if cv2.contourArea(contour) < 0.85 * hull_area:
        return None
    disc = np.zeros(mask.shape, np.uint8)
    cv2.ellipse(disc, ((cx, cy), (axis_a, axis_b), angle), 255, -1)
    inner = np.zeros(mask.shape, np.uint8)
    cv2.ellipse(inner, ((cx, cy), (0.8 * axis_a, 0.8 * axis_b), angle), 255, -1)
    disc_pixels = cv2.countNonZero(disc)
    rim = cv2.subtract(disc, inner)
    fill = cv2.countNonZero(cv2.bitwise_and(mask, disc)) / max(1, disc_pixels)
    ring_cover = cv2.countNonZero(cv2.bitwise_and(mask, rim)) / max(1, cv2.countNonZero(rim))
    if not 0.04 <= fill <= 0.85 or ring_cover < 0.15:  # a seal is an inked rim, not a disc
        return None
    return ring_cover


def suppress_red(image: np.ndarray) -> np.ndarray:
    """Grey image for OCR with red ink turned light and black text under a seal kept dark.

    Where red ink lies, the brightest channel replaces the grey value (red ink is bright in
    its red channel, black ink is dark in all), stretched so that seal ink reaches white.
    Red text elsewhere on the page is removed as well.
    """
    grey = to_grey(image).copy()
    bgr = to_bgr(image)
    if bgr is None:
        return grey
    mask = red_mask(bgr)
    if cv2.countNonZero(mask) == 0:
        return grey
    brightest = darkness(bgr)
    histogram = np.bincount(brightest[mask > 0], minlength=256)
    typical_ink = int(np.searchsorted(np.cumsum(histogram), 0.5 * histogram.sum()))
    reference = float(np.clip(typical_ink, 150, 255))
    lifted = cv2.convertScaleAbs(brightest, alpha=255.0 / reference)
    region = cv2.dilate(mask, np.ones((3, 3), np.uint8)) > 0
    np.copyto(grey, lifted, where=region)
    return grey


# ------------------------------------------------------------------ seals to be read


def redness(bgr: np.ndarray) -> np.ndarray:
    """Red minus the larger of green and blue, counted from the paper's own (the median).

    Green paper (a 2006 certificate) has a negative redness that seal ink rises from; a warm
    photo's paper a positive one that is not ink. Black print, which rises above green paper
    too, is told apart by its dark red channel.
    """
    blue, green, red = cv2.split(bgr.astype(np.float32))
    raw = red - np.maximum(green, blue)
    lifted = np.clip(raw - float(np.median(raw)), 0, 255)
    lifted[red < INK_RED_SHARE * float(np.median(red))] = 0
    return lifted


def seal_ink(bgr: np.ndarray) -> np.ndarray:
    """0..255 map of red ink (255 = ink) of a crop: sharp strokes, black print left out."""
    blue, green, _ = cv2.split(bgr.astype(np.float32))
    redness_map = redness(bgr)
    top = max(LOOSE_REDNESS, float(np.percentile(redness_map, 95)))
    gate = np.clip(redness_map / top * 1.5, 0.0, 1.0)
    gate = cv2.GaussianBlur(gate, (0, 0), max(1.0, bgr.shape[1] / 250))
    luminance = (green + blue) / 2
    paper = float(np.percentile(luminance, 90))
    dark = float(np.percentile(luminance, 2))
    detail = np.clip((paper - luminance) / max(1.0, paper - dark), 0.0, 1.0)
    return (detail * np.clip(gate * 1.5, 0.0, 1.0) * 255).astype(np.uint8)


def _boxes_overlap(a: SealBox, b: SealBox) -> bool:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy > 0.5 * max(1, smaller)


def seal_candidates(image: np.ndarray, strict: list[SealBox] | None = None) -> list[SealBox]:
    """Boxes of round or oval red seals: the strict seal test's first (`strict`, if the page's
    `find_red_seals` is already known), then fainter rings."""
    found = list(find_red_seals(image) if strict is None else strict)
    bgr = to_bgr(image)
    if bgr is None:
        return found
    small, scale = shrink(bgr, SEAL_WORK_SIDE)
    mask = cv2.compare(redness(small), LOOSE_REDNESS, cv2.CMP_GE)
    hue = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)[:, :, 0]
    mask[(hue > RED_HUES[0]) & (hue < RED_HUES[1])] = (
        0  # gold titles, orange, brown are no seal ink
    )
    width = mask.shape[1]
    size = max(3, round(0.02 * width)) | 1
    closed = cv2.morphologyEx(
        mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    )
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    low, high = SEAL_DIAMETER_RANGE
    loose: list[tuple[float, SealBox]] = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if not (low * width <= max(w, h) <= high * width and min(w, h) >= 0.55 * max(w, h)):
            continue
        hull_area = cv2.contourArea(cv2.convexHull(contour))
        if hull_area < 0.6 * math.pi / 4 * w * h:
            continue
        box = _full_size_box((x, y, w, h), scale, image.shape)
        loose.append((float(cv2.countNonZero(mask[y : y + h, x : x + w])), box))
    for _, box in sorted(loose, key=lambda item: -item[0]):
        if not any(_boxes_overlap(box, other) for other in found):
            found.append(box)
    return found[:MAX_SEALS]


def without_seal_lettering(
    lines: list[TextLine], image: np.ndarray, found: list[SealBox]
) -> list[TextLine]:
    """Drop what OCR read of a red seal's own lettering, keeping text printed under the seal.

    A line counts as lettering when it lies inside a seal, has no digits (a date under a seal
    stays) and its ink is red: black print beneath the seal — the institution's name and the
    date printed under a report's seal, whose ring and star crowd the same box — keeps dark ink
    that is not red of at least half its red ink. `found`: the page's seals (find_red_seals).
    """
    if not found:
        return lines
    red = red_mask(image)
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    kept = []
    for line in lines:
        x0, y0, x1, y1 = (int(round(v)) for v in line.box)
        area = max(1, (x1 - x0) * (y1 - y0))
        inside = max(
            max(0, min(x1, sx1) - max(x0, sx0)) * max(0, min(y1, sy1) - max(y0, sy0)) / area
            for sx0, sy0, sx1, sy1 in found
        )
        if inside >= 0.6 and not any(c.isdigit() for c in line.text):
            in_red = red[y0:y1, x0:x1] > 0
            red_ink = int(np.count_nonzero(in_red))
            black_ink = int(np.count_nonzero((grey[y0:y1, x0:x1] < 170) & ~in_red))
            if red_ink and black_ink < 0.5 * red_ink:
                continue
        kept.append(line)
    return kept
