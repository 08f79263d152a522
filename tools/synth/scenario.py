"""Scenarios: the facts of one case (papers and filing), clean or with one or two injected problems."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from core.filing import Applicant, Filing, Product
from core.model import PageKind
from tools.synth import codes
from tools.synth.data import (
    BRAND_SECOND,
    COMPANY_TYPES,
    HOLDER_INSTITUTES,
    JIANGSU_CITIES,
    JOINT_STOCK_TYPE,
    QUALIFIED_INSTITUTIONS,
    SHANGHAI,
    STANDARD_5116,
    STANDARD_TITLES,
    TEST_CATEGORIES,
    UNQUALIFIED_PATTERN,
    WRONG_STANDARDS,
    City,
    NamePools,
)
from tools.synth.facts import (
    ApplicationFacts,
    CertificateFacts,
    Dossier,
    LicenseFacts,
    TestReportFacts,
    UsageReportFacts,
    cn_date,
)
from tools.synth.rules import CITIF, CST, JIANGSU, CampaignRules, ExpectedFlag, expected_flags


def years_later(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


INJECTIONS = (
    "applicant_name_mismatch", "credit_code_mismatch", "established_date_mismatch",
    "software_name_mismatch", "development_date_mismatch", "registration_no_mismatch",
    "test_report_no_mismatch", "test_product_mismatch", "applicant_not_copyright_holder",
    "established_after_cutoff", "development_before_cutoff", "wrong_test_standard",
    "test_institution_not_qualified", "not_registered_in_province", "rd_investment_below_minimum",
    "missing_document", "invalid_credit_code", "late_submission", "usage_report_not_stamped",
)  # fmt: skip
"""Every problem the generator can inject; each is named after the flag it must raise."""

VERSIONS = ("V1.0", "V2.0", "V3.0", "V1.1", "V2.1", "V1.0.0", "V5.2", "V3.5", "V2.0.1")
CAPITALS = (
    "100万元整",
    "200万元整",
    "300万元整",
    "500万元整",
    "1000万元整",
    "1200万元整",
    "2000万元整",
)


class ScenarioError(Exception):
    """The facts built for a scenario do not raise exactly its flags — a generator bug."""


@dataclass(frozen=True)
class Scenario:
    campaign: CampaignRules
    injections: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return "+".join(self.injections) if self.injections else "clean"


def _s(*injections: str, campaign: CampaignRules = JIANGSU) -> Scenario:
    unknown = [i for i in injections if i not in INJECTIONS]
    if unknown:
        raise ValueError(f"unknown injections {unknown}")
    return Scenario(campaign, injections)


# The first 15 cover every flag code (pairs where two problems do not interfere); then singles.
SCHEDULE: tuple[Scenario, ...] = (
    _s(),
    _s("applicant_name_mismatch", "development_before_cutoff"),
    _s("credit_code_mismatch", "rd_investment_below_minimum"),
    _s("established_date_mismatch"),
    _s("software_name_mismatch", "development_date_mismatch"),
    _s("registration_no_mismatch", "test_report_no_mismatch"),
    _s("test_product_mismatch"),
    _s("applicant_not_copyright_holder"),
    _s("established_after_cutoff", "late_submission"),
    _s("wrong_test_standard", "test_institution_not_qualified"),
    _s("not_registered_in_province"),
    _s("missing_document"),
    _s("invalid_credit_code"),
    _s("usage_report_not_stamped", campaign=CITIF),
    _s(campaign=CITIF),
)
SINGLES: tuple[Scenario, ...] = tuple(
    _s(code, campaign=CITIF if code == "usage_report_not_stamped" else JIANGSU)
    for code in INJECTIONS
) + (_s(), _s(campaign=CITIF), _s())


def scenario_for(index: int) -> Scenario:
    """The scenario of case `index`: the schedule first, then the singles and cleans in turn."""
    if index < len(SCHEDULE):
        return SCHEDULE[index]
    return SINGLES[(index - len(SCHEDULE)) % len(SINGLES)]


@dataclass
class CaseTruth:
    """The ground truth of one case: papers, filing, what is among the scans, expected flags."""

    scenario: Scenario
    split: str
    dossier: Dossier
    filing: Filing
    application: ApplicationFacts
    present: set[PageKind]
    flags: list[ExpectedFlag]


def _day(rng: random.Random, low: date, high: date) -> date:
    return low + timedelta(days=rng.randint(0, max((high - low).days, 0)))


@dataclass(frozen=True)
class _Dates:
    established: date
    license_issue: date
    developed: date
    published: date | None
    certificate_issue: date
    report_issue: date
    submitted: datetime


def _dates(rng: random.Random, rules: CampaignRules, inj: set[str]) -> _Dates:
    jiangsu = rules is JIANGSU
    latest = date(2021, 3, 1) if jiangsu else date(2022, 7, 31)
    if "established_after_cutoff" in inj:
        established = _day(rng, date(2020, 1, 2), date(2020, 7, 31))
    elif "development_before_cutoff" in inj:
        established = _day(rng, date(2004, 1, 1), date(2018, 11, 30))
    else:
        established = _day(rng, date(2004, 1, 1), date(2019, 12, 31))
    if "development_before_cutoff" in inj:
        developed = _day(rng, date(2019, 2, 1), date(2019, 12, 20))
    elif jiangsu:
        developed = _day(rng, date(2020, 1, 1), date(2020, 10, 31))
    else:
        developed = _day(rng, date(2020, 6, 1), date(2022, 3, 31))
    developed = max(developed, established + timedelta(days=60))
    certificate_issue = min(developed + timedelta(days=rng.randint(30, 150)), latest)
    published = None
    if rng.random() < 0.7:
        published = developed + timedelta(
            days=rng.randint(0, min(90, (certificate_issue - developed).days))
        )
    report_issue = _day(rng, developed + timedelta(days=20), latest + timedelta(days=7))
    license_issue = _day(rng, max(established, date(2015, 10, 1)), latest - timedelta(days=20))
    if jiangsu:
        window = (datetime(2021, 2, 15, 9, 0, tzinfo=CST), rules.deadline - timedelta(minutes=20))
    else:
        window = (datetime(2022, 6, 1, 9, 0, tzinfo=CST), datetime(2022, 9, 28, 18, 0, tzinfo=CST))
    if "late_submission" in inj:
        window = (rules.deadline + timedelta(minutes=10), rules.deadline + timedelta(days=8))
    seconds = int((window[1] - window[0]).total_seconds())
    submitted = window[0] + timedelta(seconds=rng.randint(0, seconds) // 60 * 60)
    if not 8 <= submitted.hour <= 21:  # people file in the day; keep it inside the window
        submitted = max(min(submitted.replace(hour=rng.randint(9, 20)), window[1]), window[0])
    return _Dates(
        established, license_issue, developed, published, certificate_issue, report_issue, submitted
    )


def _license(rng: random.Random, pools: NamePools, city: City, brand: str, dates: _Dates,
             broken_code: bool) -> LicenseFacts:  # fmt: skip
    district = rng.choice(city.districts)
    joint = rng.random() < 0.15
    established = dates.established
    term = rng.choice((f"{cn_date(established)}至长期", "长期",
                       f"{cn_date(established)}至{cn_date(years_later(established, 30) - timedelta(days=1))}"))  # fmt: skip
    place = f"{city.full_name}{district.name}"
    if dates.license_issue.year < 2018 and rng.random() < 0.5:
        authority = f"{place}工商行政管理局"
    else:
        authority = rng.choice(
            (f"{place}市场监督管理局", f"{place}市场监督管理局", f"{city.full_name}行政审批局")
        )
    code = codes.credit_code(rng, district.code, established)
    if broken_code:
        code = codes.broken_credit_code(rng, code)
    issue = dates.license_issue
    serial = f"{district.code}{rng.randint(0, 999):03d}{issue:%Y%m%d}{rng.randint(0, 9999):04d}"
    return LicenseFacts(
        name=pools.company(rng, city, brand, joint),
        credit_code=code,
        company_type=JOINT_STOCK_TYPE if joint else rng.choice(COMPANY_TYPES),
        legal_representative=pools.person(rng),
        registered_capital=rng.choice(CAPITALS)
        if not joint
        else rng.choice(("5000万元整", "8000万元整")),
        established_date=established,
        business_term=term,
        address=pools.address(rng, city, district),
        business_scope=pools.business_scope(rng),
        authority=authority,
        issue_date=issue,
        licence_serial=serial,
    )


def _other_name(rng: random.Random, name: str, brand: str) -> str:
    """The same company name with one character of the brand changed: a different company."""
    second = rng.choice([c for c in BRAND_SECOND if c not in brand])
    return name.replace(brand, brand[0] + second, 1)


def _altered_product(name: str, brand: str) -> str:
    """The product name with its kind word changed (系统 → 平台 …): another product."""
    for old, new in (
        ("管理系统", "管理平台"),
        ("系统", "平台"),
        ("平台", "系统"),
        ("软件", "系统"),
    ):
        if name.endswith(old):
            return name[: -len(old)] + new
    return name.replace(brand, "", 1)


def _other_version(rng: random.Random, version: str) -> str:
    return rng.choice([v for v in VERSIONS if v != version])


def _shifted(rng: random.Random, day: date, low: date | None, high: date | None) -> date:
    """A nearby different date within [low, high] — a typing slip in the filing."""
    for _ in range(20):
        candidate = day + timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 40))
        if (low is None or candidate >= low) and (high is None or candidate <= high):
            return candidate
    raise ScenarioError(f"no date near {day} between {low} and {high}")


def build_truth(rng: random.Random, pools: NamePools, scenario: Scenario, index: int) -> CaseTruth:
    rules, inj = scenario.campaign, set(scenario.injections)
    jiangsu = rules is JIANGSU
    city = SHANGHAI if "not_registered_in_province" in inj else rng.choice(JIANGSU_CITIES)
    bureau = rng.choice(JIANGSU_CITIES).bureau if city is SHANGHAI else city.bureau
    dates = _dates(rng, rules, inj)
    brand = pools.brand(rng)
    lic = _license(rng, pools, city, brand, dates, "invalid_credit_code" in inj)
    product, category = pools.product(rng, brand)
    version = rng.choice(VERSIONS)
    filing_name = (
        _other_name(rng, lic.name, brand) if "applicant_name_mismatch" in inj else lic.name
    )

    holders = [lic.name]
    if "applicant_not_copyright_holder" in inj:
        holders = [
            pools.other_company(rng, rng.choice(JIANGSU_CITIES)) for _ in range(rng.randint(1, 3))
        ]
    elif filing_name != lic.name:
        holders.append(filing_name)
    elif rng.random() < 0.2:
        holders.insert(rng.randint(0, 1), rng.choice(HOLDER_INSTITUTES))
    issue_year = dates.certificate_issue.year
    certificate_number, registration = codes.certificate_numbers(rng, issue_year)
    cert = CertificateFacts(
        certificate_no=certificate_number,
        software_name=product,
        software_version=version,
        copyright_holders=tuple(holders),
        development_completed_date=dates.developed,
        first_published_date=dates.published,
        registration_no=registration,
        issue_date=dates.certificate_issue,
        serial=f"00{rng.randint(100000, 999999)}",
    )
    if "software_name_mismatch" in inj:
        if rng.random() < 0.5:
            cert = replace(cert, software_version=_other_version(rng, version))
        else:
            cert = replace(cert, software_name=_altered_product(product, brand))

    report = _test_report(rng, pools, inj, product, version, lic.name, dates.report_issue, brand)
    usages = _usage_reports(rng, pools, rules, inj, product, version, lic.name, dates)
    present = {PageKind.COPYRIGHT_CERTIFICATE}
    if jiangsu or rng.random() < 0.75:
        present.add(PageKind.BUSINESS_LICENSE)
    if (jiangsu and "missing_document" not in inj) or (not jiangsu and rng.random() < 0.5):
        present.add(PageKind.TEST_REPORT)
    if usages:
        present.add(PageKind.USAGE_REPORT)
    dossier = Dossier(lic, cert, report, usages)
    filing = _filing(
        rng, pools, scenario, index, bureau, dates, dossier, filing_name, product, version, category
    )
    flags = expected_flags(filing, dossier, present, rules)
    raised = {f.code for f in flags}
    if raised != inj:
        raise ScenarioError(
            f"scenario {scenario.name} raises {sorted(raised)} instead of {sorted(inj)}"
        )
    contact = pools.person(rng)
    application = ApplicationFacts(
        company=filing.applicant.name, credit_code=filing.applicant.credit_code,
        established_date=filing.applicant.established_date,
        legal_representative=filing.applicant.legal_representative or "",
        address=filing.applicant.address or "", product_name=product, product_version=version,
        category=category, registration_no=filing.product.copyright_registration_no or "",
        development_completed_date=filing.product.development_completed_date,
        test_report_no=filing.product.test_report_no or "",
        testing_institution=filing.product.testing_institution or "",
        rd_investment_wan=filing.product.rd_investment_wan or 0.0,
        xinchuang_adapted=bool(filing.product.xinchuang_adapted),
        patents=filing.product.patents or 0, standards=filing.product.standards or 0,
        contact=contact, phone=codes.phone(rng), city_name=city.full_name,
    )  # fmt: skip
    return CaseTruth(scenario, pools.split, dossier, filing, application, present, flags)


def _test_report(rng: random.Random, pools: NamePools, inj: set[str], product: str, version: str,
                 client: str, issued: date, brand: str) -> TestReportFacts:  # fmt: skip
    if "test_institution_not_qualified" in inj:
        local = rng.choice(JIANGSU_CITIES)
        institution = f"{local.full_name}{pools.brand(rng)}软件测试有限公司"
        report_no = codes.report_no(rng, UNQUALIFIED_PATTERN, issued.year, local.abbr)
    else:
        names = list(QUALIFIED_INSTITUTIONS)
        institution = rng.choices(names, weights=[6, 2, 1, 1, 1, 1][: len(names)])[0]
        report_no = codes.report_no(rng, QUALIFIED_INSTITUTIONS[institution], issued.year)
    standard = rng.choice(WRONG_STANDARDS) if "wrong_test_standard" in inj else STANDARD_5116
    printed = standard if rng.random() < 0.7 else standard.replace(" ", "")
    reported_name, reported_version = product, version
    if "test_product_mismatch" in inj:
        if rng.random() < 0.5:
            reported_version = _other_version(rng, version)
        else:
            reported_name = _altered_product(product, brand)
    conclusion = rng.choice((f"该软件产品符合{printed}标准的要求。",
                             f"经检测，该软件产品符合{printed}的要求，检测结论为通过。",
                             f"该软件产品的质量要求和测试细则符合{printed}标准要求。"))  # fmt: skip
    return TestReportFacts(
        report_no=report_no, product_name=reported_name, product_version=reported_version,
        client=client, testing_institution=institution, test_standard=standard,
        standard_printed=printed, standard_title=STANDARD_TITLES[standard], conclusion=conclusion,
        issue_date=issued, test_category=rng.choice(TEST_CATEGORIES),
        signatories=(pools.person(rng), pools.person(rng), pools.person(rng)),
        page_total=rng.randint(18, 60),
    )  # fmt: skip


def _usage_reports(rng: random.Random, pools: NamePools, rules: CampaignRules, inj: set[str],
                   product: str, version: str, developer: str, dates: _Dates) -> list[UsageReportFacts]:  # fmt: skip
    if rules is JIANGSU:
        count = 1 if rng.random() < 0.35 else 0
    else:
        count = 1 if "usage_report_not_stamped" in inj or rng.random() < 0.7 else 2
    reports = []
    for _ in range(count):
        since = dates.developed + timedelta(days=rng.randint(10, 90))
        since = min(since, dates.submitted.date() - timedelta(days=30))
        issued = min(
            since + timedelta(days=rng.randint(60, 200)), dates.submitted.date() - timedelta(days=3)
        )
        if rules is JIANGSU:
            stamped = rng.random() < 0.8
        else:
            stamped = "usage_report_not_stamped" not in inj
        reports.append(UsageReportFacts(
            user_organization=pools.user_organization(rng, rng.choice(JIANGSU_CITIES)),
            product_name=product, product_version=version, developer=developer, has_seal=stamped,
            issue_date=max(issued, since), since=since, contact=pools.person(rng), phone=codes.phone(rng),
        ))  # fmt: skip
    return reports


def _filing(rng: random.Random, pools: NamePools, scenario: Scenario, index: int, bureau: str,
            dates: _Dates, dossier: Dossier, name: str, product: str, version: str,
            category: str) -> Filing:  # fmt: skip
    inj, rules = set(scenario.injections), scenario.campaign
    lic, cert, report = dossier.license, dossier.certificate, dossier.test_report
    credit_code = lic.credit_code
    if "credit_code_mismatch" in inj:
        credit_code = codes.mistyped_credit_code(rng, lic.credit_code)
    established = lic.established_date
    if "established_date_mismatch" in inj:
        established = _shifted(rng, established, None, rules.established_cutoff)
    developed = cert.development_completed_date
    if "development_date_mismatch" in inj:
        developed = _shifted(rng, developed, rules.development_cutoff, cert.issue_date)
    registration = cert.registration_no
    if "registration_no_mismatch" in inj:
        registration = codes.change_digit(rng, registration, start=6)
    report_no = report.report_no if report else None
    if report_no and "test_report_no_mismatch" in inj:
        report_no = codes.change_digit(rng, report_no)
    if "rd_investment_below_minimum" in inj:
        rd: float | None = float(rng.choice((150, 120, 180, 199)))
    elif rules is CITIF and rng.random() < 0.3:
        rd = None
    else:
        rd = float(rng.randint(220, 2500))
    if rules is JIANGSU:
        filing_id = f"JS2021-{bureau}-{rng.randint(1, 9999):04d}"
    else:
        filing_id = f"CITIF2022-{rng.randint(1, 99999):05d}"
    return Filing(
        filing_id=filing_id,
        campaign=rules.id,
        bureau=bureau,
        submitted_at=dates.submitted,
        applicant=Applicant(name=name, credit_code=credit_code, established_date=established,
                            address=lic.address, legal_representative=lic.legal_representative),
        product=Product(
            name=product, version=version, category=category,
            copyright_registration_no=registration, copyright_certificate_no=cert.certificate_no,
            development_completed_date=developed, first_published_date=cert.first_published_date,
            copyright_holders=list(cert.copyright_holders), test_report_no=report_no,
            testing_institution=report.testing_institution if report else None,
            test_standard=report.test_standard if report else None, rd_investment_wan=rd,
            xinchuang_adapted=rng.random() < 0.5, patents=rng.randint(0, 6), standards=rng.randint(0, 2),
        ),
    )  # fmt: skip
