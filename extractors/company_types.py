"""A licence's 类型 read against the forms licences print (data: extractors/data/company_types.yaml).

OCR reads 有限责任公司 as 有银责任公司 or 有限费任公司, drops a closing bracket, or carries on into
a watermark or the next column on the same line (有限责任公司（自然人独资）in-China.col). The forms
are few and fixed, so a reading that begins with one of them, a character or two off, is that
form. A reading that fits none is kept as read: an unknown form is never forced into a known one.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml
from rapidfuzz.distance import Levenshtein

from core.errors import IntakeError

MAX_EDITS_PER_CHAR = 1 / 5
"""At most one character wrong in five (three in 有限责任公司（自然人投资或控股）)."""


@lru_cache(maxsize=1)
def company_types() -> tuple[str, ...]:
    text = resources.files("extractors").joinpath("data/company_types.yaml").read_text("utf-8")
    try:
        types = tuple(str(t) for t in yaml.safe_load(text)["types"])
    except (KeyError, TypeError, yaml.YAMLError) as exc:
        raise IntakeError(f"company_types.yaml 配置有误：{exc!r}") from exc
    return tuple(sorted(types, key=len, reverse=True))


def known_form(text: str) -> str | None:
    """The printed form `text` begins with, read a character or two off; None when none fits.

    Each form is compared with the start of the reading at the form's length, one character
    shorter (a bracket lost) and one longer (a character read twice); the closest form wins, the
    longer on a tie. What follows the form is dropped unless it opens a bracket the form lacks:
    有限责任公司（外商…） is not 有限责任公司.
    """
    best: tuple[float, int, str] | None = None
    for form in company_types():
        allowed = max(1, int(len(form) * MAX_EDITS_PER_CHAR))
        for length in (len(form), len(form) - 1, len(form) + 1):
            if length > len(text) or length <= 0:
                continue
            edits = Levenshtein.distance(form, text[:length], score_cutoff=allowed)
            if edits > allowed:
                continue
            if "（" not in form and any(b in text[len(form) - 1 : len(form) + 2] for b in "（("):
                continue  # a bracketed qualifier the bare form lacks
            key = (edits / len(form), -len(form), form)
            if best is None or key < best:
                best = key
    return best[2] if best else None
