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


# ----------------------------------------------------------------- one reading supports another

_DIVISION_SUFFIXES = ("自治区", "自治县", "自治州", "新区", "省", "县", "市", "区", "旗", "盟")


def _short(name: str) -> str:
    """沭阳县 → 沭阳, 昆山市 → 昆山; names of two characters stay whole (沛县)."""
    for suffix in _DIVISION_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def divisions() -> dict[str, str]:
    """Administrative divisions by 6-digit code (extractors/data/divisions.yaml)."""
    raw = yaml.safe_load(
        resources.files("extractors").joinpath("data/divisions.yaml").read_text("utf-8")
    )
    try:
        return {str(code): str(name) for code, name in raw["divisions"].items()}
    except (KeyError, TypeError, AttributeError) as exc:
        raise IntakeError(f"divisions.yaml 配置有误：{exc!r}") from exc


@lru_cache(maxsize=1)
def _province_places() -> dict[str, frozenset[str]]:
    """Short names of every division, per province (the code's first two digits)."""
    out: dict[str, set[str]] = {}
    for code, name in divisions().items():
        out.setdefault(code[:2], set()).update({name, _short(name)})
    return {k: frozenset(v) for k, v in out.items()}


def places_of_code(region: str) -> list[str]:
    """The places a credit code's region (its characters 3–8) names: county, city, province."""
    names = divisions()
    codes = [region, region[:4] + "00", region[:2] + "0000"]
    return [_short(names[c]) for c in dict.fromkeys(codes) if c in names]


def repair_by_region(text: str, region: str) -> str:
    """A place name in `text` one character away from a place the credit code names, put right.

    "沈阳" read at the start of a company name whose code says 321322 (沭阳县) is a misread of
    沭阳: the code and the name are two readings of the same fact. Only a name at the start of
    the text (after the province, or inside a bracket) is looked at, and never one that is itself
    a place of the code's province.
    """
    if not text or len(region) != 6 or not region.isdigit():
        return text
    known = _province_places().get(region[:2], frozenset())
    for place in places_of_code(region):
        n = len(place)
        for start in _name_starts(text, region):
            window = text[start : start + n]
            if len(window) != n or window == place or window in known:
                continue
            if sum(1 for a, b in zip(window, place) if a != b) == 1:
                return text[:start] + place + text[start + n :]
    return text


def _name_starts(text: str, region: str) -> list[int]:
    """Where a place name may begin: the start, right after the province's or city's name, and
    inside a bracket (联峰（沭阳）信息科技有限公司 names its place after the brand)."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c in "（("]
    for place in places_of_code(region)[1:]:
        for full in (place, place + "省", place + "市"):
            if text.startswith(full):
                starts.append(len(full))
    return sorted(set(starts))


@lru_cache(maxsize=1)
def _codes_by_name() -> dict[str, frozenset[str]]:
    """Every division's full and short name → the codes of the divisions so named."""
    out: dict[str, set[str]] = {}
    for code, name in divisions().items():
        for key in {name, _short(name)}:
            if len(key) >= 2:
                out.setdefault(key, set()).add(code)
    return {k: frozenset(v) for k, v in out.items()}


def provinces_named(text: str) -> frozenset[str]:
    """The provinces (two-digit codes) the place name at the start of `text` may lie in.

    "北京市西城区市场监督管理局" → {"11"}; "朝阳区…" → {"11", "22"} (两个朝阳区); a text that
    begins with no known place → empty. The longest name that begins the text decides.
    """
    names = _codes_by_name()
    for length in range(min(len(text), 10), 1, -1):
        codes = names.get(text[:length])
        if codes:
            return frozenset(code[:2] for code in codes)
    return frozenset()
