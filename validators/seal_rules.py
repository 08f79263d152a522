"""Campaign rules on what the seals say: who stamped the usage report, the bound report, the licence.

Each rule judges only seals read surely (`SealSighting.legible`); a seal whose lettering could not
be read never raises a flag by itself, and a name read with OCR noise counts as the name
(`seal_evidence.NameMatch.NEAR`). The evidence of every flag is the seal itself: its page and box.
"""

from __future__ import annotations

from core.model import DocumentResult, Evidence, FieldValue, PageKind
from extractors.normalize import credit_code_region, is_valid_credit_code, normalize_credit_code
from extractors.places import divisions, provinces_named
from validators.evidence import ReadStatus
from validators.flags import load_flag_catalogue, make_flag
from validators.rule_registry import campaign_rule
from validators.rules import RuleInput
from validators.seal_evidence import NameMatch, SealSighting, is_authority, seal_names, seals_on


def _user_organization(document: DocumentResult, min_confidence: float) -> str | None:
    """The 使用单位 the usage report prints, where it was read surely."""
    for page in document.pages:
        if page.kind is not PageKind.USAGE_REPORT:
            continue
        read = page.fields.get("user_organization")
        if read and read.value and read.confidence >= min_confidence:
            return str(read.value)
    return None


def _names(sighting: SealSighting, name: str | None) -> bool:
    return name is not None and seal_names(sighting.organisation, name) is not NameMatch.OTHER


@campaign_rule("usage_report_seal_names_user", "usage_report_seal_mismatch", setting=bool)
def _rule_usage_report_seal(rule_input: RuleInput, flags: list) -> None:
    """A usage report's seal is the user's: not the applicant's own, not a third party's.

    With the 使用单位 read, a stamped report none of whose legible seals names it is flagged;
    with it unread, only a seal of the applicant itself is known to be wrong.
    """
    min_confidence = rule_input.campaign.min_confidence
    applicant = rule_input.filing.applicant.name
    for document in rule_input.documents:
        sightings = [
            s for s in seals_on([document], PageKind.USAGE_REPORT) if s.legible(min_confidence)
        ]
        if not sightings:
            continue
        user = _user_organization(document, min_confidence)
        users_own = user is not None and not _names_applicant(user, applicant)
        if users_own and any(_names(s, user) for s in sightings):
            continue
        own = [s for s in sightings if _names(s, applicant)]
        if user is None and not own:
            continue
        seal = own[0] if own else sightings[0]
        note = "，而是申报单位自己的印章" if own else ""
        flags.append(
            make_flag(
                "usage_report_seal_mismatch",
                field="user_organization",
                document=seal.organisation,
                evidence=seal.evidence("user_organization"),
                user=user or "（未能识别）",
                note=note,
            )
        )


def _names_applicant(user: str, applicant: str) -> bool:
    return seal_names(user, applicant) is not NameMatch.OTHER


@campaign_rule(
    "report_must_be_stamped_by_applicant", "report_not_stamped_by_applicant", setting=bool
)
def _rule_report_stamped(rule_input: RuleInput, flags: list) -> None:
    """The bound report's cover and its 征集信息表 carry the applicant's seal.

    Judged on each such page found (loose scans have none): no seal at all, or legible seals
    none of which names the applicant, raise the flag; a seal that could not be read does not.
    """
    min_confidence = rule_input.campaign.min_confidence
    applicant = rule_input.filing.applicant.name
    for document in rule_input.documents:
        if document.error:
            continue
        for page in document.pages:
            if page.part is None:
                continue
            sightings = [
                SealSighting(seal, document.source, page.index, page.kind, page.part)
                for seal in page.seals
            ]
            if any(_names(s, applicant) for s in sightings):
                continue
            legible = [s for s in sightings if s.legible(min_confidence)]
            if sightings and not legible:
                continue
            if legible:
                found = f"所盖印章为「{legible[0].organisation}」，不是申报单位的公章"
                evidence = legible[0].evidence("seal")
            else:
                found = "未发现印章"
                evidence = Evidence(
                    field=FieldValue("seal", None, None, 0.0, None),
                    kind=page.kind,
                    source=document.source,
                    page=page.index,
                )
            flags.append(
                make_flag(
                    "report_not_stamped_by_applicant",
                    filing=applicant,
                    document=legible[0].organisation if legible else None,
                    evidence=evidence,
                    part=load_flag_catalogue().part_label(page.part),
                    found=found,
                )
            )


@campaign_rule("licence_seal_region", "licence_seal_region_mismatch", setting=bool)
def _rule_licence_seal_region(rule_input: RuleInput, flags: list) -> None:
    """The 登记机关's seal names a place in the province the credit code's region names.

    A second reading of the province: only a legible authority seal whose place is known is
    judged; a seal of no known place, or a credit code not read surely, decides nothing.
    """
    min_confidence = rule_input.campaign.min_confidence
    reading = rule_input.read(PageKind.BUSINESS_LICENSE, "credit_code")
    if reading.status is not ReadStatus.READ:
        return
    code = normalize_credit_code(str(reading.value))
    if not is_valid_credit_code(code):
        return
    region = credit_code_region(code)
    judged = []
    for sighting in seals_on(rule_input.documents, PageKind.BUSINESS_LICENSE):
        if not sighting.legible(min_confidence) or not is_authority(sighting.organisation):
            continue
        provinces = provinces_named(sighting.organisation)
        if not provinces:
            continue
        if region[:2] in provinces:
            return
        judged.append((sighting, provinces))
    if not judged:
        return
    seal, provinces = judged[0]
    flags.append(
        make_flag(
            "licence_seal_region_mismatch",
            field="credit_code",
            filing=rule_input.filing.applicant.credit_code,
            document=seal.organisation,
            evidence=seal.evidence("credit_code"),
            credit_code=code,
            region=region,
            seal_province="或".join(_province_name(p) for p in sorted(provinces)),
            code_province=_province_name(region[:2]),
        )
    )


def _province_name(province: str) -> str:
    return divisions().get(f"{province}0000", f"行政区划 {province}")
