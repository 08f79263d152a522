"""A shared entity layer over OCR text: organisations, dates, codes and standards as spaCy spans.

A blank Chinese spaCy pipeline (character segmentation, no model to download) carries one rule
component that marks the entities the extractors look for, so that every extractor asks the same
question the same way ("which organisation is named on this line?") instead of keeping its own regex.
"""

from __future__ import annotations

import re
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extractors.normalize import find_dates

ORG_SUFFIX = (
    r"(?:股份有限公司|有限责任公司|有限公司|集团公司|公司|评测中心|检测中心|测试中心|检验中心|"
    r"研究中心|中心|研究院|研究所|实验室|大学|学院|医院|委员会|局|厅|院|所)"
)
ENTITY_PATTERNS: dict[str, re.Pattern[str]] = {
    "ORG": re.compile(
        r"[\u4e00-\u9fff（）()A-Za-z0-9]{2,40}"
        + ORG_SUFFIX
        + r"(?:[（(](?!盖章|公章|签章|印章)[\u4e00-\u9fff]{2,20}[）)])?"
    ),
    "CREDIT_CODE": re.compile(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])"),
    "REG_NO": re.compile(r"\d{4}SR\d{5,8}"),
    "STANDARD": re.compile(r"GB/?T\s?\d{4,5}(?:\.\d+)?\s?[-—－]\s?\d{4}"),
    "VERSION": re.compile(r"(?<![A-Za-z])[Vv]\s?\d+(?:\.\d+)+"),
}
_LABEL_PREFIX = re.compile(r"^[\u4e00-\u9fff]{2,6}[：:]")


@Language.component("document_entities")
def document_entities(doc: Doc) -> Doc:
    spans: list[Span] = []
    for label, pattern in ENTITY_PATTERNS.items():
        for m in pattern.finditer(doc.text):
            end = m.end()
            opened = m.group().count("（") + m.group().count("(")
            closed = m.group().count("）") + m.group().count(")")
            if opened > closed and doc.text[end : end + 1] in ("）", ")"):
                end += 1  # a name ending in its own bracketed alias: （…中心）
            span = doc.char_span(m.start(), end, label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
    for _day, start, end in find_dates(doc.text):
        span = doc.char_span(start, end, label="DATE", alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.ents = filter_spans(spans)
    return doc


@lru_cache(maxsize=1)
def nlp() -> Language:
    pipeline = spacy.blank("zh")
    pipeline.add_pipe("document_entities")
    return pipeline


def entities(text: str, label: str | None = None) -> list[Span]:
    doc = nlp()(text)
    return [e for e in doc.ents if label is None or e.label_ == label]


def organisations(text: str) -> list[str]:
    """Organisation names in `text`, in order, without a leading `标签：`."""
    return [_LABEL_PREFIX.sub("", e.text) for e in entities(text, "ORG")]
