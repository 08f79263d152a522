"""A handwritten signature beside a usage report's signature label (使用人签字, 负责人签名 …).

The CITIF notice (001, 附件2 四) accepts a user's signature instead of the user's seal. A form
leaves the space after its signature label blank (or underlined); ink there that OCR does not
read as confident print is handwriting. Only that space is looked at: beside the label on its
row, and just under it.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from core.model import Box, FieldValue, TextLine
from extractors.imaging import to_grey
from extractors.normalize import strip_spaces
from extractors.seals import red_mask

SIGNATURE_LABEL = re.compile(r"(签字|签名)[:：]?$|(签字|签名)[:：（(]")
"""A line that asks for a signature: …签字, …签名, with or without its colon."""
PRINT_CONFIDENCE = 0.85
"""A line OCR reads at least this surely is print (a typed name), not handwriting."""
INK_SHARE = 0.012
"""Share of the signature space that handwriting inks at the least."""
BESIDE_WIDTH = 9.0
BELOW_HEIGHT = 2.5
"""The signature space: up to this many label heights beside the label, and under it."""


def _space(label: TextLine, width: int, height: int) -> list[tuple[int, int, int, int]]:
    x0, y0, x1, y1 = label.box
    h = max(1.0, y1 - y0)
    text = strip_spaces(label.text)
    found = SIGNATURE_LABEL.search(text)
    if found and found.end() < len(text):
        # OCR ran the label and what follows into one line: the space starts after the label.
        x1 = x0 + (x1 - x0) * found.end() / len(text)
    beside = (int(x1), int(y0 - 0.6 * h), int(min(width, x1 + BESIDE_WIDTH * h)), int(y1 + 0.6 * h))
    below = (int(x0), int(y1), int(min(width, x1 + BESIDE_WIDTH * h)), int(y1 + BELOW_HEIGHT * h))
    return [
        (max(0, a), max(0, b), min(width, c), min(height, d))
        for a, b, c, d in (beside, below)
        if c > a and min(height, d) > max(0, b)
    ]


def _handwriting(
    ink: np.ndarray, region: tuple[int, int, int, int], label_height: float
) -> Box | None:
    """The box of handwriting-like ink in `region` of the 0/255 `ink` mask, or None."""
    x0, y0, x1, y1 = region
    part = ink[y0:y1, x0:x1]
    count, _, stats, _ = cv2.connectedComponentsWithStats(part)
    kept = []
    for x, y, w, h, area in stats[1:count]:
        if w > 4 * h and h < 0.25 * label_height:
            continue  # an underline or a rule
        if max(w, h) < 0.15 * label_height:
            continue  # dust
        kept.append((x, y, w, h, area))
    inked = sum(area for *_, area in kept)
    if not kept or inked < INK_SHARE * part.size:
        return None
    if max(max(w, h) for _, _, w, h, _ in kept) < 0.5 * label_height:
        return None
    return (
        float(x0 + min(x for x, *_ in kept)),
        float(y0 + min(y for _, y, *_ in kept)),
        float(x0 + max(x + w for x, _, w, *_ in kept)),
        float(y0 + max(y + h for _, y, _, h, _ in kept)),
    )


def find_signature(image: np.ndarray, lines: list[TextLine]) -> FieldValue | None:
    """`has_signature` (True, with the handwriting's box) when a signature label has one."""
    labels = [ln for ln in lines if SIGNATURE_LABEL.search(strip_spaces(ln.text))]
    if not labels:
        return None
    height, width = image.shape[:2]
    ink = cv2.compare(to_grey(image), 128, cv2.CMP_LT)
    ink[red_mask(image) > 0] = 0
    for line in lines:
        if line.confidence >= PRINT_CONFIDENCE:
            a, b, c, d = (int(round(v)) for v in line.box)
            ink[max(0, b) : d, max(0, a) : c] = 0
    for label in labels:
        for region in _space(label, width, height):
            box = _handwriting(ink, region, label.height)
            if box is not None:
                return FieldValue("has_signature", True, label.text, 1.0, box)
    return None
