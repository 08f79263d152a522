"""Page classification: score the contract's page kinds from a page's lines, by data in page_kinds.yaml."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from core.errors import IntakeError
from core.model import PageKind, PagePart, TextLine
from extractors.normalize import strip_spaces, to_halfwidth

TITLE_SCORE = 3.0
TITLE_ELSEWHERE_SCORE = 1.0


@dataclass(frozen=True)
class KindRules:
    kind: PageKind
    titles: tuple[re.Pattern[str], ...]
    body: tuple[tuple[re.Pattern[str], float], ...]


@dataclass(frozen=True)
class Classification:
    kind: PageKind
    score: float
    scores: dict[PageKind, float]


@dataclass(frozen=True)
class ClassifierRules:
    kinds: tuple[KindRules, ...]
    veto: tuple[re.Pattern[str], ...]
    min_score: float
    parts: tuple[tuple[PagePart, tuple[re.Pattern[str], ...]], ...] = ()


@lru_cache(maxsize=1)
def load_rules() -> ClassifierRules:
    raw = yaml.safe_load(
        resources.files("extractors").joinpath("page_kinds.yaml").read_text("utf-8")
    )
    try:
        kinds = tuple(
            KindRules(
                kind=PageKind(name),
                titles=tuple(re.compile(t) for t in spec["title"]),
                body=tuple((re.compile(b["pattern"]), float(b["weight"])) for b in spec["body"]),
            )
            for name, spec in raw["kinds"].items()
        )
        return ClassifierRules(
            kinds=kinds,
            veto=tuple(re.compile(v) for v in raw.get("veto", [])),
            min_score=float(raw["min_score"]),
            parts=tuple(
                (PagePart(name), tuple(re.compile(t) for t in titles))
                for name, titles in (raw.get("parts") or {}).items()
            ),
        )
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise IntakeError(f"page_kinds.yaml 配置有误：{exc!r}") from exc


def clean_text(text: str) -> str:
    """Text as the classifier and the extractors compare it: half-width, no spaces."""
    return strip_spaces(to_halfwidth(text))


def title_lines(lines: list[TextLine], page_height: float) -> list[TextLine]:
    """The page's headline lines: markedly taller than the body text, in the upper part."""
    if not lines:
        return []
    median = statistics.median(ln.height for ln in lines)
    upper = [ln for ln in lines if ln.center_y < page_height * 0.45]
    tall = sorted((ln for ln in upper if ln.height >= 1.3 * median), key=lambda ln: -ln.height)
    return tall[:3] if tall else sorted(upper, key=lambda ln: ln.box[1])[:1]


CANDIDATE_FACTOR = 0.6
"""The first pass sends a page on to full OCR at this share of the final threshold."""


def classify_lines(
    lines: list[TextLine], page_height: float, candidate: bool = False
) -> Classification:
    """The page's kind; `candidate` lowers the bar for the cheap first pass, which reads little."""
    rules = load_rules()
    threshold = rules.min_score * (CANDIDATE_FACTOR if candidate else 1.0)
    titles = {id(ln) for ln in title_lines(lines, page_height)}
    texts = [(clean_text(ln.text), id(ln) in titles) for ln in lines]
    whole = "".join(t for t, _ in texts)
    vetoed = any(v.search(t) for v in rules.veto for t, is_title in texts if is_title)
    scores: dict[PageKind, float] = {}
    for kr in rules.kinds:
        score = 0.0
        for pattern in kr.titles:
            if any(pattern.search(t) for t, is_title in texts if is_title):
                score = max(score, TITLE_SCORE)
            elif pattern.search(whole):
                score = max(score, TITLE_ELSEWHERE_SCORE)
        score += sum(weight for pattern, weight in kr.body if pattern.search(whole))
        scores[kr.kind] = score / 2 if vetoed else score
    best = max(scores, key=scores.__getitem__)
    if scores[best] < threshold:
        return Classification(PageKind.OTHER, scores[best], scores)
    return Classification(best, scores[best], scores)


def classify_part(lines: list[TextLine], page_height: float) -> PagePart | None:
    """The part of a bound report an `other` page is (its cover, the 征集信息表), from its titles."""
    titles = [clean_text(ln.text) for ln in title_lines(lines, page_height)]
    for part, patterns in load_rules().parts:
        if any(pattern.search(t) for pattern in patterns for t in titles):
            return part
    return None
