"""A field compared with the filing, read again from its own box by a second recogniser.

A value that disagrees with the filing is printed otherwise, or misread. Two recognisers trained
apart seldom misread a character the same way: where the second, given only the field's box,
reads what was filed, the paper says what the filing says (validators/crosscheck.py raises no
mismatch); where it reads what the first read, or nothing, the first reading stands. The
second reading is kept beside the value (`FieldValue.second`) and never replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import numpy as np
from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from core.lattice import Lattice
from core.model import FieldValue, PageKind
from extractors.label_specs import load_specs
from extractors.normalize import strip_spaces
from extractors.ocr import LineChars
from extractors.printed_forms import printed_dates
from extractors.seals import suppress_red
from extractors.values import PARSERS

PAD = 0.3
"""Margin above and below the box, in the box's height: a line's box may cut its strokes."""

SIDE_PAD = 0.08
"""Margin left and right, in the box's height: less than the gap to a label's last character,
which a wider margin takes in (称 of 名称 read before the name)."""

MIN_HEIGHT = 8
"""Boxes lower than this many pixels hold nothing a recogniser can read."""


def _crop(image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray | None:
    x0, y0, x1, y1 = box
    pad, side = PAD * (y1 - y0), SIDE_PAD * (y1 - y0)
    height, width = image.shape[:2]
    left, top = max(0, int(x0 - side)), max(0, int(y0 - pad))
    right, bottom = min(width, int(x1 + side + 1)), min(height, int(y1 + pad + 1))
    if bottom - top < MIN_HEIGHT or right - left < MIN_HEIGHT:
        return None
    return image[top:bottom, left:right]


def _without_label(text: str, labels: tuple[str, ...]) -> str:
    """`text` without a label of its field in front, where the margin took the label in."""
    text = strip_spaces(text).lstrip(":：")
    label = next((lab for lab in sorted(labels, key=len, reverse=True) if text.startswith(lab)), "")
    return text[len(label) :].lstrip(":：")


def _within(read: str, value: str) -> str:
    """`read` without a character at either end that the margin took in beside the value: one
    dropped at an end where `read` is longer than `value` and the drop brings the two closer,
    to within a quarter of the value's characters (尔深圳市… for 深圳市…, the 称 of 名称 cut in
    two). Two readings further apart are left as read."""
    for cut in (slice(1, None), slice(None, -1)):
        edits = Levenshtein.distance(read[cut], value)
        if len(read) > len(value) and edits < Levenshtein.distance(read, value):
            read = read[cut] if edits <= len(value) // 4 else read
    return read


def _printed(found: FieldValue) -> list[str]:
    """The ways the value read may stand printed: a date in each of its printed forms."""
    value = found.value
    if isinstance(value, list | tuple) and len(value) == 1:  # one copyright holder
        value = value[0]
    if not isinstance(value, str):
        return []
    try:
        return printed_dates(date.fromisoformat(value))
    except ValueError:
        return [value]


def _value_steps(steps: Lattice, found: FieldValue) -> Lattice | None:
    """The steps along the value alone (its label and what else the box took in left out),
    spelling the printed form of it the steps read most like; None where none is like them."""
    windows = [(form, steps.around(form)) for form in _printed(found)]
    alike = [(ratio(form, window.text), window) for form, window in windows if window]
    return max(alike, key=lambda pair: pair[0])[1] if alike else None


def with_second_readings(
    kind: PageKind,
    fields: dict[str, FieldValue],
    image: np.ndarray,
    read_line: Callable[[np.ndarray], LineChars],
) -> dict[str, FieldValue]:
    """`fields`, each marked `reread` in labels.yaml given the value `read_line` reads in its
    box (red ink suppressed), parsed as the field is, and the steps the reading saw along the
    value, where it gives them (`FieldValue.steps`)."""
    if kind == PageKind.OTHER:
        return fields
    out = dict(fields)
    for spec in (spec for spec in load_specs()[kind].fields if spec.reread):
        found = fields.get(spec.name)
        if found is None or found.box is None or found.value is None:
            continue
        crop = _crop(image, found.box)
        if crop is None:
            continue
        again = read_line(suppress_red(crop))
        if again.steps is not None:
            found = replace(found, steps=_value_steps(again.steps, found))
        text = _without_label(again.text, spec.labels)
        parsed = PARSERS[spec.type](text)
        second = parsed.value if parsed.ok and parsed.value else None
        if isinstance(second, str) and isinstance(found.value, str):
            second = _within(second, found.value)
        out[spec.name] = replace(found, second=second)
    return out
