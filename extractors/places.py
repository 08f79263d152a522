"""Repair OCR confusions in the Jiangsu place names that begin company names and addresses."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import yaml

from core.errors import IntakeError

_PLACE_SUFFIX = "市区县镇"


@lru_cache(maxsize=1)
def _misreadings() -> dict[str, str]:
    """Every one-character misreading of a listed place, mapped to the place."""
    raw = yaml.safe_load(resources.files("extractors").joinpath("places.yaml").read_text("utf-8"))
    try:
        places = set(raw["places"])
        confusions: dict[str, list[str]] = {
            k: v for k, v in raw["confusions"].items() if len(k) == 1
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise IntakeError(f"places.yaml 配置有误：{exc!r}") from exc
    wrong: dict[str, str] = {}
    for place in places:
        for i, ch in enumerate(place):
            for twin in confusions.get(ch, []):
                misread = place[:i] + twin + place[i + 1 :]
                if misread not in places:
                    wrong[misread] = place
    return wrong


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str] | None:
    wrong = _misreadings()
    if not wrong:
        return None
    names = "|".join(sorted(map(re.escape, wrong), key=len, reverse=True))
    return re.compile(rf"(?:^|(?<=[省市；;、，,]))({names})|({names})(?=[{_PLACE_SUFFIX}]|街道)")


def correct_places(text: str) -> str:
    """`text` with misread place names put right where the reading is unambiguous."""
    pattern = _pattern()
    if pattern is None:
        return text
    wrong = _misreadings()
    return pattern.sub(lambda m: wrong[m.group(1) or m.group(2)], text)
