"""The testing institution: the report's 检测单位 (or the seal that stands in for it) against the
campaign's qualified 省级以上 institutions, registered like every campaign rule."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

from core.model import Flag, PageKind
from validators.campaign import Institution
from validators.evidence import ReadStatus
from validators.flags import make_flag
from validators.rule_registry import campaign_rule
from validators.rules import JudgedValue, RuleInput, judged_value
from validators.seal_evidence import seals_on


def institution_key(name: str) -> str:
    """An institution name with width, spacing and parenthesis style folded away."""
    folded = unicodedata.normalize("NFKC", name)
    return re.sub(r"\s+", "", folded)


NEAR_NAME_RATIO = 0.85


def nearly_qualified(name: str, institutions: tuple[Institution, ...]) -> str | None:
    """The listed institution `name` differs from by a character or two, if any."""
    key = institution_key(name)
    best, best_ratio = None, NEAR_NAME_RATIO
    for institution in institutions:
        for candidate in (institution.name, *institution.aliases):
            ratio = SequenceMatcher(None, key, institution_key(candidate)).ratio()
            if ratio >= best_ratio:
                best, best_ratio = institution.name, ratio
    return best


def is_qualified(name: str, institutions: tuple[Institution, ...]) -> bool:
    """True when `name` is one of the institutions or their aliases (spacing/parentheses aside)."""
    key = institution_key(name)
    return any(
        key == institution_key(candidate)
        for institution in institutions
        for candidate in (institution.name, *institution.aliases)
    )


def _institution_by_seal(
    rule_input: RuleInput, institutions: tuple[Institution, ...]
) -> JudgedValue | None:
    """The test report's seal standing in for a printed institution line that was not read.

    The 检验检测专用章 often covers the printed line; a seal read surely names the institution.
    A qualified one comes first; None when no seal on a report page was read surely.
    """
    legible = [
        s
        for s in seals_on(rule_input.documents, PageKind.TEST_REPORT)
        if s.legible(rule_input.campaign.min_confidence)
    ]
    legible.sort(key=lambda s: not is_qualified(s.organisation, institutions))
    for sighting in legible:
        return JudgedValue(
            sighting.organisation, sighting.evidence("testing_institution"), "检测报告所盖印章"
        )
    return None


@campaign_rule("qualified_institutions", "test_institution_not_qualified")
def _rule_institution(rule_input: RuleInput, flags: list[Flag]) -> None:
    filing_value = rule_input.filing.product.testing_institution
    institutions = rule_input.campaign.qualified_institutions or ()
    printed = rule_input.read(PageKind.TEST_REPORT, "testing_institution")
    if printed.status is ReadStatus.UNREADABLE or (
        printed.status is ReadStatus.READ
        and not is_qualified(str(printed.value), institutions)
        and nearly_qualified(str(printed.value), institutions) is not None
    ):
        by_seal = _institution_by_seal(rule_input, institutions)
        if by_seal is not None and is_qualified(str(by_seal.value), institutions):
            return
        if (
            by_seal is not None
            and printed.status is ReadStatus.UNREADABLE
            and nearly_qualified(str(by_seal.value), institutions) is None
        ):
            flags.append(
                make_flag(
                    "test_institution_not_qualified",
                    field="testing_institution",
                    filing=filing_value,
                    document=by_seal.value,
                    evidence=by_seal.evidence,
                    where=by_seal.where,
                    value=by_seal.value,
                )
            )
            return
    judged = judged_value(
        rule_input, PageKind.TEST_REPORT, "testing_institution", filing_value, flags
    )
    if judged is None:
        return
    if is_qualified(str(judged.value), institutions):
        return
    near = nearly_qualified(str(judged.value), institutions)
    if near is not None and judged.evidence is not None:
        # One or two characters off a listed name is what OCR does under a seal: a person
        # must look, but "not qualified" would be a false accusation.
        flags.append(
            make_flag(
                "unreadable_field",
                field="testing_institution",
                filing=filing_value,
                document=judged.document_value,
                evidence=judged.evidence,
                reason=f"读作「{judged.value}」，与合格检测机构「{near}」只差个别字，可能是识别误差",
            )
        )
        return
    flags.append(
        make_flag(
            "test_institution_not_qualified",
            field="testing_institution",
            filing=filing_value,
            document=judged.document_value,
            evidence=judged.evidence,
            where=judged.where,
            value=judged.value,
        )
    )
