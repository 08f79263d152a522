"""The two campaigns' rules as the generator knows them, and the flags a perfect checker raises.

This is ground truth, written from the notices (shared/seeds) independently of `validators/`,
so that the benchmark can hold the checker to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from core.filing import Filing
from core.model import PageKind
from extractors.normalize import is_valid_credit_code
from tools.synth.data import QUALIFIED_INSTITUTIONS, STANDARD_5116
from tools.synth.facts import Dossier

CST = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class CampaignRules:
    id: str
    deadline: datetime
    required: tuple[PageKind, ...]
    province: str | None = None
    established_cutoff: date | None = None
    development_cutoff: date | None = None
    required_standard: str | None = None
    qualified_institutions: frozenset[str] | None = None
    rd_minimum_wan: float | None = None
    usage_report_must_be_stamped: bool = False
    applicant_must_hold_copyright: bool = True
    credit_code_must_be_valid: bool = True
    independent_legal_entity: bool = False
    """Notice 000 一（一）1: a branch, partnership or 个体工商户 licence is no applicant."""


JIANGSU = CampaignRules(
    id="jiangsu-2021-first-edition",
    deadline=datetime(2021, 3, 12, 17, 0, tzinfo=CST),
    required=(PageKind.BUSINESS_LICENSE, PageKind.COPYRIGHT_CERTIFICATE, PageKind.TEST_REPORT),
    province="32",
    established_cutoff=date(2019, 12, 31),
    development_cutoff=date(2020, 1, 1),
    required_standard=STANDARD_5116,
    qualified_institutions=frozenset(QUALIFIED_INSTITUTIONS),
    rd_minimum_wan=200,
    independent_legal_entity=True,
)
CITIF = CampaignRules(
    id="citif-2021-2022-excellent",
    deadline=datetime(2022, 9, 30, 23, 59, 59, tzinfo=CST),
    required=(PageKind.COPYRIGHT_CERTIFICATE, PageKind.USAGE_REPORT),
    usage_report_must_be_stamped=True,
)


@dataclass(frozen=True, order=True)
class ExpectedFlag:
    code: str
    field: str | None


def expected_flags(filing: Filing, dossier: Dossier, present: set[PageKind],
                   rules: CampaignRules) -> list[ExpectedFlag]:  # fmt: skip
    """The flags a perfect reader and checker raise for `filing` and the papers in `dossier`.

    `present` holds the kinds whose pages are among the scans; a document that is not present
    gives no cross-check flags (only missing_document when the campaign requires it).
    """
    flags: set[ExpectedFlag] = set()

    def flag(code: str, field: str | None) -> None:
        flags.add(ExpectedFlag(code, field))

    applicant, product = filing.applicant, filing.product
    if PageKind.BUSINESS_LICENSE in present:
        lic = dossier.license
        if lic.name != applicant.name:
            flag("applicant_name_mismatch", "name")
        if lic.credit_code != applicant.credit_code:
            flag("credit_code_mismatch", "credit_code")
        if applicant.established_date and lic.established_date != applicant.established_date:
            flag("established_date_mismatch", "established_date")
        if rules.established_cutoff and lic.established_date > rules.established_cutoff:
            flag("established_after_cutoff", "established_date")
        if rules.credit_code_must_be_valid and not is_valid_credit_code(lic.credit_code):
            flag("invalid_credit_code", "credit_code")
        if rules.province and lic.credit_code[2:4] != rules.province:
            flag("not_registered_in_province", "credit_code")
    if PageKind.COPYRIGHT_CERTIFICATE in present:
        cert = dossier.certificate
        if cert.software_name != product.name:
            flag("software_name_mismatch", "software_name")
        if product.version and cert.software_version != product.version:
            flag("software_name_mismatch", "software_version")
        if product.development_completed_date and (
            cert.development_completed_date != product.development_completed_date
        ):
            flag("development_date_mismatch", "development_completed_date")
        if (
            product.copyright_registration_no
            and cert.registration_no != product.copyright_registration_no
        ):
            flag("registration_no_mismatch", "registration_no")
        if rules.development_cutoff and cert.development_completed_date < rules.development_cutoff:
            flag("development_before_cutoff", "development_completed_date")
        licensed_name = dossier.license.name if PageKind.BUSINESS_LICENSE in present else None
        holders = set(cert.copyright_holders)
        if rules.applicant_must_hold_copyright and not ({applicant.name, licensed_name} & holders):
            flag("applicant_not_copyright_holder", "copyright_holders")
    report = dossier.test_report
    if PageKind.TEST_REPORT in present and report is not None:
        if product.test_report_no and report.report_no != product.test_report_no:
            flag("test_report_no_mismatch", "report_no")
        if report.product_name != product.name:
            flag("test_product_mismatch", "product_name")
        if product.version and report.product_version != product.version:
            flag("test_product_mismatch", "product_version")
        if rules.required_standard and report.test_standard != rules.required_standard:
            flag("wrong_test_standard", "test_standard")
        qualified = rules.qualified_institutions
        if qualified is not None and report.testing_institution not in qualified:
            flag("test_institution_not_qualified", "testing_institution")
    if PageKind.USAGE_REPORT in present and rules.usage_report_must_be_stamped:
        if any(not usage.has_seal for usage in dossier.usage_reports):
            flag("usage_report_not_stamped", "has_seal")
    if rules.rd_minimum_wan is not None and product.rd_investment_wan is not None:
        if product.rd_investment_wan < rules.rd_minimum_wan:
            flag("rd_investment_below_minimum", "rd_investment_wan")
    for kind in rules.required:
        if kind not in present:
            flag("missing_document", None)
    if filing.submitted_at and filing.submitted_at > rules.deadline:
        flag("late_submission", "submitted_at")
    return sorted(flags, key=lambda f: (f.code, f.field or ""))
