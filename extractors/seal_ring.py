"""A seal's ring: the ellipse fitted to its red ink, and the ring unwrapped into a straight strip
by a polar transform (extractors/seal_text.py reads the strip)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from core.model import box_iou

STRIP_HEIGHT = 64
"""Pixels of the unwrapped text band: PP-OCR reads lines of about this height best."""
TEXT_BAND = (0.50, 0.93)
"""The ring text's band, as fractions of the ring's radius (its ink's centre line)."""


@dataclass(frozen=True)
class Ring:
    """The ellipse of a seal's ring (its ink centre line) in pixels of the crop it was fitted on."""

    cx: float
    cy: float
    a: float
    """Half-axis along the ellipse's own x direction."""
    b: float
    angle: float
    """Degrees the ellipse's x axis is turned clockwise from the image's x axis."""

    def points(self, theta: np.ndarray, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Image coordinates of the points at angle `theta` and radius `rho` (of the ring's).

        `theta` is in radians, clockwise from the image's x axis (down is π/2), whatever the
        ellipse's own turn: the parameter is measured in the ellipse's frame, then turned back.
        """
        turn = math.radians(self.angle)
        ca, sa = math.cos(turn), math.sin(turn)
        ex, ey = self.a * rho * np.cos(theta - turn), self.b * rho * np.sin(theta - turn)
        return (self.cx + ex * ca - ey * sa).astype(np.float32), (
            self.cy + ex * sa + ey * ca
        ).astype(np.float32)


# ------------------------------------------------------------------------------ rings


def fit_ring(ink: np.ndarray, expected: tuple[float, float, float, float]) -> Ring | None:
    """The ring of the seal found near `expected` (a box in the crop): its ink's outer outline.

    The outline chosen is the one that best overlaps the box the seal was found in: found
    boxes may cut a faint ring, and a crop may hold part of a neighbouring seal.
    """
    binary = cv2.compare(ink, 96, cv2.CMP_GE)
    if cv2.countNonZero(binary) < 50:
        return None
    size = max(3, round(0.05 * (expected[2] - expected[0]))) | 1
    closed = cv2.morphologyEx(
        binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    )
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)

    def overlap(contour: np.ndarray) -> float:
        x, y, w, h = cv2.boundingRect(contour)
        return box_iou((x, y, x + w, y + h), expected)

    contour = max(contours, key=overlap)
    hull = cv2.convexHull(contour)
    if len(hull) < 5:
        return None
    (cx, cy), (w, h), angle = cv2.fitEllipse(hull)
    if min(w, h) < 0.5 * max(w, h) or min(w, h) < 20:
        return None
    ring = Ring(cx, cy, w / 2, h / 2, angle)
    # The outline is the ring's outer edge; its ink centre line lies a stroke's half width in.
    rho = np.linspace(0.70, 1.05, 36, dtype=np.float32)
    theta = np.linspace(0, 2 * math.pi, 360, endpoint=False, dtype=np.float32)
    tt, rr = np.meshgrid(theta, rho)
    xs, ys = ring.points(tt, rr)
    profile = cv2.remap(ink, xs, ys, cv2.INTER_LINEAR, borderValue=0).mean(axis=1)
    peak = float(rho[int(np.argmax(profile))])
    return Ring(cx, cy, ring.a * peak, ring.b * peak, angle)


def disc_fill(ink: np.ndarray, ring: Ring) -> float:
    """Share of the inside (within 0.8 of the ring) that is inked: high for an emblem or blot."""
    disc = np.zeros(ink.shape, np.uint8)
    cv2.ellipse(
        disc,
        ((ring.cx, ring.cy), (1.6 * ring.a, 1.6 * ring.b), ring.angle),
        255,
        -1,
    )
    inside = ink[disc > 0]
    return float(np.count_nonzero(inside >= 96)) / max(1, inside.size)


# ------------------------------------------------------------------------------ unwrapping

BORDER = 16
"""White pixels around a strip, so that the recogniser sees the first and last characters whole."""


def unwrap(
    ink: np.ndarray,
    ring: Ring,
    start: float,
    clockwise: bool,
    band=TEXT_BAND,
    turn: float = 1.0,
) -> np.ndarray:
    """`turn` of a full turn of the ring's band from `start`, straight, dark text on white.

    Clockwise: the outer edge on top, reading left to right along the upper arc. Anticlockwise:
    the inner edge on top, so that text along the lower arc stands upright.
    """
    inner, outer = band
    width = max(32, round(strip_width(ring, band) * turn))
    u = np.arange(width, dtype=np.float32)
    v = np.arange(STRIP_HEIGHT, dtype=np.float32)
    uu, vv = np.meshgrid(u, v)
    step = 2 * math.pi * turn / width
    theta = start + (uu * step if clockwise else -uu * step)
    rho = outer - vv / STRIP_HEIGHT * (outer - inner)
    if not clockwise:
        rho = inner + vv / STRIP_HEIGHT * (outer - inner)
    xs, ys = ring.points(theta, rho)
    strip = cv2.remap(ink, xs, ys, cv2.INTER_LINEAR, borderValue=0)
    strip = cv2.copyMakeBorder(strip, BORDER, BORDER, BORDER, BORDER, cv2.BORDER_CONSTANT, value=0)
    return 255 - strip


def strip_width(ring: Ring, band=TEXT_BAND) -> int:
    """The width of a full turn's strip that keeps the band's letters in proportion."""
    inner, outer = band
    mean_radius = (ring.a + ring.b) / 2
    scale = STRIP_HEIGHT / max(1.0, (outer - inner) * mean_radius)
    return max(32, round(2 * math.pi * mean_radius * (inner + outer) / 2 * scale))
