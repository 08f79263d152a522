"""The seals read on a filing's pages, and whether a seal's lettering names a given organisation.

Seal lettering runs along a curve and is read less surely than print: a name one or two
characters off, or a ring whose first or last character was not read, is the same name read
with noise (`NameMatch.NEAR`), never an accusation. Data: `validators/data/seals.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rapidfuzz.distance import Hamming

from core.model import DocumentResult, Evidence, FieldValue, PageKind, PagePart, SealReading
from core.yamlfile import invalid_file, read_yaml
from extractors.normalize import company_key, normalize_company_name, same_company

SEAL_DATA_PATH = Path(__file__).parent / "data" / "seals.yaml"


class SealWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    special_words: tuple[str, ...]
    authorities: tuple[str, ...]
    near_ratio: float = Field(ge=0.5, le=1.0)
    min_characters: int = Field(ge=2)
    legal_forms: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def seal_words() -> SealWords:
    """validators/data/seals.yaml, checked; CampaignInvalid naming the key when it is wrong."""
    try:
        return SealWords.model_validate(read_yaml(SEAL_DATA_PATH))
    except ValidationError as exc:
        raise invalid_file(SEAL_DATA_PATH, exc) from None


LONG_FORM = 6
"""A legal form this long (股份有限公司, 有限责任公司) read with one character otherwise is still
that form; a shorter one so read may be a name (恒通公司)."""


def organisation(reading: SealReading) -> str:
    """The organisation a seal names: its ring text without the words of the seal's use."""
    name = normalize_company_name(reading.text)
    for word in sorted(seal_words().special_words, key=len, reverse=True):
        if name.endswith(word) and len(name) > len(word):
            return name[: -len(word)]
    return name


def special_words(reading: SealReading) -> str:
    """The words naming the seal's use (…专用章) on its ring or inside, or empty."""
    for text in (reading.centre_text, reading.text):
        for word in sorted(seal_words().special_words, key=len, reverse=True):
            if word in text:
                return word
    return ""


def is_authority(name: str) -> bool:
    """Whether `name` is that of a registration authority (…市场监督管理局, …行政审批局)."""
    return any(name.endswith(ending) for ending in seal_words().authorities)


class NameMatch(StrEnum):
    SAME = "same"
    """The same name (after normalisation)."""
    NEAR = "near"
    """A character or two off, or an end not read: the same name read with noise."""
    OTHER = "other"
    """Another name."""


def seal_names(read: str, name: str) -> NameMatch:
    """How the organisation read on a seal compares with `name`."""
    if not read or not name:
        return NameMatch.OTHER
    if same_company(read, name):
        return NameMatch.SAME
    a, b = company_key(read), company_key(name)
    near = seal_words().near_ratio
    if SequenceMatcher(None, a, b).ratio() >= near:
        return NameMatch.NEAR
    shorter, longer = sorted((a, b), key=len)
    if shorter in longer and len(shorter) >= near * len(longer):
        return NameMatch.NEAR
    return NameMatch.OTHER


@dataclass(frozen=True)
class SealSighting:
    """A seal read on one page of one document."""

    reading: SealReading
    source: str
    page: int
    kind: PageKind
    part: PagePart | None = None

    @property
    def organisation(self) -> str:
        return organisation(self.reading)

    def legible(self, min_confidence: float) -> bool:
        """Read surely enough, and long enough, to name someone: more than the end of a
        legal form and a character (股份有限公司, 信有限公司 are any company's ring, half read),
        and more than a long legal form with one character misread (股分有限公司)."""
        words, name = seal_words(), self.organisation
        return (
            self.reading.confidence >= min_confidence
            and len(name) >= words.min_characters
            and not any(form.endswith(name[1:]) for form in words.legal_forms)
            and not any(
                len(form) == len(name) >= LONG_FORM and Hamming.distance(form, name) <= 1
                for form in words.legal_forms
            )
        )

    def evidence(self, field: str) -> Evidence:
        """The seal as the evidence of a flag about `field`: its box, its text."""
        return Evidence(
            field=FieldValue(
                name=field,
                value=self.organisation,
                raw=self.reading.text,
                confidence=self.reading.confidence,
                box=self.reading.box,
            ),
            kind=self.kind,
            source=self.source,
            page=self.page,
        )


def seals_on(
    documents: list[DocumentResult],
    kind: PageKind | None = None,
    part: PagePart | None = None,
) -> list[SealSighting]:
    """Every seal read on the pages of `kind` (and `part`) of the readable documents."""
    out = []
    for document in documents:
        if document.error:
            continue
        for page in document.pages:
            if (kind is not None and page.kind is not kind) or (
                part is not None and page.part is not part
            ):
                continue
            out.extend(
                SealSighting(seal, document.source, page.index, page.kind, page.part)
                for seal in page.seals
            )
    return out
