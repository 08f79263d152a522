"""Campaign rules, each registered under its campaign key: cutoffs, province, standard, lists…"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from core.filing import Filing
from core.model import DocumentResult, Evidence, FieldValue, Flag, PageKind
from extractors.normalize import (
    credit_code_region,
    is_valid_credit_code,
    normalize_credit_code,
    normalize_software_name,
    normalize_standard,
    normalize_version,
    split_name_version,
)
from validators.campaign import Campaign, PreviousCatalog
from validators.crosscheck import FilingProduct, same_applicant_name
from validators.evidence import Reading, ReadStatus, is_empty, read_field, unreadable_flag
from validators.flags import dedupe_flags, load_flag_catalogue, make_flag
from validators.licence import old_licence
from validators.rule_registry import RuleSpec, campaign_rule, registered_rules


@dataclass(frozen=True)
class RuleInput:
    filing: Filing
    evidence: dict[tuple[PageKind, str], Evidence]
    documents: list[DocumentResult]
    campaign: Campaign

    def read(self, kind: PageKind, field: str) -> Reading:
        return read_field(self.evidence, kind, field, self.campaign.min_confidence)


@dataclass(frozen=True)
class JudgedValue:
    """The value a rule judges: from a document, or from the filing when no such page exists."""

    value: Any
    evidence: Evidence | None
    where: str
    """Where the value comes from, for the message: 营业执照, or 填报信息（…未找到营业执照）."""

    @property
    def document_value(self) -> Any:
        return self.value if self.evidence is not None else None


def judged_value(
    rule_input: RuleInput, kind: PageKind, field: str, filing_value: Any, flags: list[Flag]
) -> JudgedValue | None:
    """The document's reading of `field`; unreadable → a flag and None; no page → the filing's."""
    reading = rule_input.read(kind, field)
    kind_label = load_flag_catalogue().kind_label(kind)
    if reading.status is ReadStatus.READ:
        return JudgedValue(reading.value, reading.evidence, kind_label)
    if reading.status is ReadStatus.UNREADABLE:
        flags.append(unreadable_flag(reading, rule_input.campaign.min_confidence, filing_value))
        return None
    if is_empty(filing_value):
        return None
    return JudgedValue(filing_value, None, f"填报信息（扫描件中未找到{kind_label}）")


def as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


@campaign_rule("applicant_must_hold_copyright", "applicant_not_copyright_holder")
def _rule_copyright_holder(rule_input: RuleInput, flags: list[Flag]) -> None:
    filing = rule_input.filing
    holders = judged_value(
        rule_input,
        PageKind.COPYRIGHT_CERTIFICATE,
        "copyright_holders",
        filing.product.copyright_holders,
        flags,
    )
    if holders is None:
        return
    holder_names = [holders.value] if isinstance(holders.value, str) else list(holders.value)
    second = holders.evidence.field.second if holders.evidence else None
    again_names = [second] if isinstance(second, str) else list(second or [])
    applicant_names = [filing.applicant.name]
    license_name = rule_input.read(PageKind.BUSINESS_LICENSE, "name")
    if license_name.status is ReadStatus.READ:
        applicant_names += [str(v) for v in license_name.values]
    # A place in a holder's name read one character off the county the credit code names
    # (沐阳 for 沭阳) is a misread, as on the licence.
    same = same_applicant_name(filing.applicant.credit_code or "")
    if not any(same(a, h) for a in applicant_names for h in holder_names + again_names):
        flags.append(
            make_flag(
                "applicant_not_copyright_holder",
                field="copyright_holders",
                filing=filing.applicant.name,
                document=holder_names,
                evidence=holders.evidence,
            )
        )


def _rule_date_cutoff(
    rule_input: RuleInput,
    flags: list[Flag],
    *,
    code: str,
    kind: PageKind,
    field: str,
    filing_value: date | None,
    cutoff: date,
    broken: Callable[[date, date], bool],
) -> None:
    judged = judged_value(rule_input, kind, field, filing_value, flags)
    if judged is None:
        return
    day = as_date(judged.value)
    if day is None:
        reason = f"识别结果「{judged.value}」不是有效日期"
        reading = Reading(kind, field, ReadStatus.UNREADABLE, judged.evidence)
        flags.append(unreadable_flag(reading, rule_input.campaign.min_confidence, reason=reason))
        return
    if broken(day, cutoff):
        flags.append(
            make_flag(
                code,
                field=field,
                filing=filing_value,
                document=judged.document_value,
                evidence=judged.evidence,
                where=judged.where,
                value=day,
                cutoff=cutoff,
            )
        )


@campaign_rule("established_cutoff", "established_after_cutoff")
def _rule_established(rule_input: RuleInput, flags: list[Flag]) -> None:
    _rule_date_cutoff(
        rule_input,
        flags,
        code="established_after_cutoff",
        kind=PageKind.BUSINESS_LICENSE,
        field="established_date",
        filing_value=rule_input.filing.applicant.established_date,
        cutoff=rule_input.campaign.established_cutoff,
        broken=lambda day, cutoff: day > cutoff,
    )


@campaign_rule("development_cutoff", "development_before_cutoff")
def _rule_development(rule_input: RuleInput, flags: list[Flag]) -> None:
    _rule_date_cutoff(
        rule_input,
        flags,
        code="development_before_cutoff",
        kind=PageKind.COPYRIGHT_CERTIFICATE,
        field="development_completed_date",
        filing_value=rule_input.filing.product.development_completed_date,
        cutoff=rule_input.campaign.development_cutoff,
        broken=lambda day, cutoff: day < cutoff,
    )


@campaign_rule("required_standard", "wrong_test_standard")
def _rule_standard(rule_input: RuleInput, flags: list[Flag]) -> None:
    filing_value = rule_input.filing.product.test_standard
    judged = judged_value(rule_input, PageKind.TEST_REPORT, "test_standard", filing_value, flags)
    if judged is None:
        return
    required = rule_input.campaign.required_standard
    if normalize_standard(str(judged.value)) != required:
        flags.append(
            make_flag(
                "wrong_test_standard",
                field="test_standard",
                filing=filing_value,
                document=judged.document_value,
                evidence=judged.evidence,
                where=judged.where,
                value=judged.value,
                required=required,
            )
        )


def _credit_code(rule_input: RuleInput, flags: list[Flag]) -> JudgedValue | None:
    """The licence's credit code; on an old licence (no code, a 注册号) the filing's."""
    if old_licence(rule_input.evidence, rule_input.campaign.min_confidence) is not None:
        code = rule_input.filing.applicant.credit_code
        return None if is_empty(code) else JudgedValue(code, None, "填报信息（营业执照为旧版）")
    return judged_value(
        rule_input,
        PageKind.BUSINESS_LICENSE,
        "credit_code",
        rule_input.filing.applicant.credit_code,
        flags,
    )


@campaign_rule("province", "not_registered_in_province")
def _rule_province(rule_input: RuleInput, flags: list[Flag]) -> None:
    judged = _credit_code(rule_input, flags)
    if judged is None:
        return
    code = normalize_credit_code(str(judged.value))
    region = credit_code_region(code) if len(code) == 18 else ""
    province = rule_input.campaign.province
    if region.isdigit() and len(region) == 6 and region.startswith(province):
        return
    flags.append(
        make_flag(
            "not_registered_in_province",
            field="credit_code",
            filing=rule_input.filing.applicant.credit_code,
            document=judged.document_value,
            evidence=judged.evidence,
            where=judged.where,
            value=code,
            region=region if region.isdigit() and len(region) == 6 else "无法确定",
            province=province,
            province_name=rule_input.campaign.province_name or "要求的省份",
        )
    )


@campaign_rule("credit_code_must_be_valid", "invalid_credit_code")
def _rule_credit_code_valid(rule_input: RuleInput, flags: list[Flag]) -> None:
    judged = _credit_code(rule_input, flags)
    if judged is None:
        return
    code = normalize_credit_code(str(judged.value))
    if not is_valid_credit_code(code):
        flags.append(
            make_flag(
                "invalid_credit_code",
                field="credit_code",
                filing=rule_input.filing.applicant.credit_code,
                document=judged.document_value,
                evidence=judged.evidence,
                where=judged.where,
                value=code,
            )
        )


@campaign_rule("rd_minimum_wan", "rd_investment_below_minimum")
def _rule_rd(rule_input: RuleInput, flags: list[Flag]) -> None:
    minimum = rule_input.campaign.rd_minimum_wan
    amount = rule_input.filing.product.rd_investment_wan
    if amount is None:
        problem = "填报信息中未填写研发投入，无法核对，请补充"
    elif amount < minimum:
        problem = f"填报的研发投入为 {amount:g} 万元，低于要求"
    else:
        return
    flags.append(
        make_flag(
            "rd_investment_below_minimum",
            field="rd_investment_wan",
            filing=amount,
            minimum=minimum,
            problem=problem,
        )
    )


@campaign_rule("required_documents", "missing_document", when=bool)
def _rule_missing_documents(rule_input: RuleInput, flags: list[Flag]) -> None:
    found = {page.kind for d in rule_input.documents if not d.error for page in d.pages}
    failed = [d.source for d in rule_input.documents if d.error]
    note = (
        f"（另有 {len(failed)} 个文件无法读取：{'、'.join(failed)}，可能包含该材料）"
        if failed
        else ""
    )
    for kind in rule_input.campaign.required_documents:
        if kind not in found:
            flags.append(make_flag("missing_document", kind=kind, note=note))


@campaign_rule("usage_report_must_be_stamped", "usage_report_not_stamped", "usage_report_signed")
def _rule_usage_stamped(rule_input: RuleInput, flags: list[Flag]) -> None:
    """Each document with usage-report pages needs a confidently read seal on one of them.

    No confident seal and some page unread or doubtful → unreadable_field (the seal may be
    there); every page confidently read as unstamped → usage_report_not_stamped.
    """
    min_confidence = rule_input.campaign.min_confidence
    for document in rule_input.documents:
        pages = [p for p in document.pages if p.kind is PageKind.USAGE_REPORT]
        if document.error or not pages:
            continue
        readings = [
            Evidence(field=p.fields["has_seal"], kind=p.kind, source=document.source, page=p.index)
            for p in pages
            if "has_seal" in p.fields
        ]
        if any(ev.field.value is True and ev.field.confidence >= min_confidence for ev in readings):
            continue
        signed = (
            _signature(document, pages)
            if rule_input.campaign.usage_report_signature_accepted
            else None
        )
        if signed is not None:
            flags.append(make_flag("usage_report_signed", field="has_seal", evidence=signed))
            continue
        doubtful = [
            ev
            for ev in readings
            if ev.field.confidence < min_confidence or not isinstance(ev.field.value, bool)
        ]
        unread = [p for p in pages if "has_seal" not in p.fields]
        if doubtful or unread:
            where = (
                doubtful[0]
                if doubtful
                else Evidence(
                    field=FieldValue(
                        name="has_seal", value=None, raw=None, confidence=0.0, box=None
                    ),
                    kind=PageKind.USAGE_REPORT,
                    source=document.source,
                    page=unread[0].index,
                )
            )
            reading = Reading(PageKind.USAGE_REPORT, "has_seal", ReadStatus.UNREADABLE, where)
            flags.append(unreadable_flag(reading, min_confidence))
            continue
        flags.append(
            make_flag(
                "usage_report_not_stamped", field="has_seal", document=False, evidence=readings[0]
            )
        )


def _signature(document: DocumentResult, pages: list) -> Evidence | None:
    """A user's signature found on one of the usage report's pages (CITIF: it stands for the seal)."""
    for page in pages:
        signed = page.fields.get("has_signature")
        if signed is not None and signed.value is True:
            return Evidence(field=signed, kind=page.kind, source=document.source, page=page.index)
    return None


@campaign_rule("deadline", "late_submission")
def _rule_late(rule_input: RuleInput, flags: list[Flag]) -> None:
    """A submitted_at without a time zone is taken in the deadline's zone (Beijing time)."""
    deadline = rule_input.campaign.deadline
    submitted = rule_input.filing.submitted_at
    if submitted is None:
        return
    if submitted.tzinfo is None:
        submitted = submitted.replace(tzinfo=deadline.tzinfo)
    if submitted > deadline:
        flags.append(
            make_flag(
                "late_submission",
                field="submitted_at",
                filing=submitted.astimezone(deadline.tzinfo),
                deadline=deadline,
            )
        )


def _has_products(catalog: PreviousCatalog | None) -> bool:
    return catalog is not None and bool(catalog.products)


def _catalog_key(name: str, version: str | None) -> tuple[str, str | None]:
    bare, version_in_name = split_name_version(name)
    normal_version = normalize_version(version) if version else None
    return normalize_software_name(bare), normal_version or version_in_name


@campaign_rule("previous_catalog", "in_previous_catalog", when=_has_products)
def _rule_previous_catalog(rule_input: RuleInput, flags: list[Flag]) -> None:
    """Same normalised name and same version as an entry; an unknown version matches any."""
    catalog = rule_input.campaign.previous_catalog
    product = FilingProduct.of(rule_input.filing)
    version = product.version
    if version is None:
        certificate_version = rule_input.read(PageKind.COPYRIGHT_CERTIFICATE, "software_version")
        if certificate_version.status is ReadStatus.READ:
            version = normalize_version(str(certificate_version.value))
    name_key = normalize_software_name(product.name)
    for entry in catalog.products:
        entry_name, entry_version = _catalog_key(entry.name, entry.version)
        if entry_name != name_key:
            continue
        if version is not None and entry_version is not None and version != entry_version:
            continue
        flags.append(
            make_flag(
                "in_previous_catalog",
                field="software_name",
                filing=" ".join(v for v in (product.name, version) if v),
                document=" ".join(v for v in (entry.name, entry.version) if v),
                catalog=catalog.title,
            )
        )
        return


def active_rules(campaign: Campaign) -> list[RuleSpec]:
    """The registered rules `campaign` switches on by having their keys."""
    return [spec for spec in registered_rules() if spec.when(campaign.setting(spec.key))]


def checked_by_rules(campaign: Campaign) -> set[tuple[PageKind, str]]:
    """(kind, field) of every field a rule of `campaign` holds to it (flags.yaml `checks`)."""
    catalogue = load_flag_catalogue()
    return {
        checked
        for spec in active_rules(campaign)
        for code in spec.codes
        for checked in catalogue.checked_fields(code)
    }


def check_campaign_rules(
    filing: Filing,
    evidence: dict[tuple[PageKind, str], Evidence],
    documents: list[DocumentResult],
    campaign: Campaign,
) -> list[Flag]:
    """The campaign-rule flags of one filing (duplicate_application is in crossfiling).

    A rule whose field is on a page but unreadable raises unreadable_field instead; a rule
    whose page is missing judges the filing's value and says so in its message.
    """
    rule_input = RuleInput(filing, evidence, documents, campaign)
    flags: list[Flag] = []
    for spec in active_rules(campaign):
        spec.function(rule_input, flags)
    return dedupe_flags(flags)
