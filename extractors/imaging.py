"""Small image primitives the clean-up and seal steps share: working copies, grey, darkness."""

from __future__ import annotations

import cv2
import numpy as np


def shrink(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """A copy whose long side is at most `max_side` (INTER_AREA), and the scale applied."""
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale >= 1.0:
        return image, 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def to_bgr(image: np.ndarray) -> np.ndarray | None:
    """The image as 3-channel BGR, or None when it is single-channel (it then holds no colour)."""
    if image.ndim == 2 or image.shape[2] == 1:
        return None
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image


def to_grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    if image.shape[2] == 1:
        return image[:, :, 0]
    code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
    return cv2.cvtColor(image, code)


def darkness(image: np.ndarray) -> np.ndarray:
    """Brightest channel per pixel: black and grey ink stay dark, red seal ink turns light."""
    bgr = to_bgr(image)
    if bgr is None:
        return to_grey(image)
    blue, green, red = cv2.split(bgr)
    return cv2.max(cv2.max(blue, green), red)
