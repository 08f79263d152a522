"""The page's darkest ink alone, for a second reading where light print crosses the text.

A licence copied for one use carries a grey watermark across it (此复印件仅用于…), a 2014
licence a background emblem, a photographed copy a tint; where such lighter print crosses a
label or a value, OCR on the whole page loses the line. The printed text is the darkest ink on
the page. Its grey levels fall into three classes (paper, light print, ink) and the threshold
between light print and ink is where the between-class variance of the three is largest
(Otsu's method for three classes); every pixel lighter than it becomes paper.

This only ever serves a second reading: on a clean page it thins the strokes' edges, which
costs the first reading characters it had.
"""

from __future__ import annotations

import numpy as np

from extractors.imaging import to_grey

MIN_INK_GAP = 24
"""Grey levels between the ink and light-print thresholds below which there is one class."""


def ink_thresholds(grey: np.ndarray) -> tuple[int, int]:
    """Otsu's thresholds for three classes of `grey` (ink ≤ t1 < light print ≤ t2 < paper)."""
    histogram = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    share = histogram / max(1.0, histogram.sum())
    levels = np.arange(256, dtype=np.float64)
    weight = np.cumsum(share)
    mass = np.cumsum(share * levels)
    total = mass[-1]
    # t1 on rows, t2 on columns: the classes are [0, t1], (t1, t2], (t2, 255]
    w0, m0 = weight[:, None], mass[:, None]
    w1, m1 = weight[None, :] - w0, mass[None, :] - m0
    w2, m2 = 1.0 - weight[None, :], total - mass[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = m0**2 / w0 + m1**2 / w1 + m2**2 / w2
    valid = (w0 > 0) & (w1 > 0) & (w2 > 0) & (levels[:, None] < levels[None, :])
    spread = np.where(valid, spread, -1.0)
    t1, t2 = np.unravel_index(int(np.argmax(spread)), spread.shape)
    return int(t1), int(t2)


def darkest_ink(image: np.ndarray) -> np.ndarray | None:
    """Grey copy of `image` keeping only its darkest class of ink, or None when it has no
    lighter print to remove (two classes only: paper and ink)."""
    grey = to_grey(image)
    ink, light = ink_thresholds(grey)
    if light - ink < MIN_INK_GAP:
        return None
    kept = grey.copy()
    kept[grey > ink] = 255
    return kept
