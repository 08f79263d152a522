"""Ground truth of one synthetic case: what each document prints, and its fields in contract form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


def cn_date(day: date, padded: bool = True) -> str:
    """`2021年03月05日` (padded) or `2021年3月5日`."""
    if padded:
        return f"{day.year}年{day.month:02d}月{day.day:02d}日"
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class LicenseFacts:
    """What a 营业执照 prints."""

    name: str
    credit_code: str
    company_type: str
    legal_representative: str
    registered_capital: str
    established_date: date
    business_term: str
    address: str
    business_scope: str
    authority: str
    issue_date: date
    licence_serial: str

    def fields(self) -> dict[str, Any]:
        return {
            "credit_code": self.credit_code,
            "name": self.name,
            "company_type": self.company_type,
            "legal_representative": self.legal_representative,
            "registered_capital": self.registered_capital,
            "established_date": self.established_date.isoformat(),
            "business_term": self.business_term,
            "address": self.address,
            "issue_date": self.issue_date.isoformat(),
        }


@dataclass(frozen=True)
class CertificateFacts:
    """What a 计算机软件著作权登记证书 prints."""

    certificate_no: str
    software_name: str
    software_version: str
    copyright_holders: tuple[str, ...]
    development_completed_date: date
    first_published_date: date | None
    registration_no: str
    issue_date: date
    serial: str

    def fields(self) -> dict[str, Any]:
        return {
            "certificate_no": self.certificate_no,
            "software_name": self.software_name,
            "software_version": self.software_version,
            "copyright_holders": list(self.copyright_holders),
            "development_completed_date": self.development_completed_date.isoformat(),
            "first_published_date": (
                self.first_published_date.isoformat() if self.first_published_date else None
            ),
            "registration_no": self.registration_no,
            "issue_date": self.issue_date.isoformat(),
        }


@dataclass(frozen=True)
class TestReportFacts:
    """What a 软件产品检测报告 prints on its cover and on its 检测结论 page."""

    report_no: str
    product_name: str
    product_version: str
    client: str
    testing_institution: str
    test_standard: str
    """The standard number in normal form, e.g. GB/T 25000.51-2016."""
    standard_printed: str
    """The number as this report prints it (may lack the space)."""
    standard_title: str
    conclusion: str
    issue_date: date
    test_category: str
    signatories: tuple[str, str, str]
    page_total: int

    def cover_fields(self) -> dict[str, Any]:
        return {
            "report_no": self.report_no,
            "product_name": self.product_name,
            "product_version": self.product_version,
            "client": self.client,
            "testing_institution": self.testing_institution,
            "issue_date": self.issue_date.isoformat(),
        }

    def conclusion_fields(self, shows_institution: bool) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "report_no": self.report_no,
            "product_name": self.product_name,
            "product_version": self.product_version,
            "client": self.client,
            "test_standard": self.test_standard,
            "conclusion": self.conclusion,
            "issue_date": self.issue_date.isoformat(),
        }
        if shows_institution:
            fields["testing_institution"] = self.testing_institution
        return fields


@dataclass(frozen=True)
class UsageReportFacts:
    """What a 用户使用报告 prints."""

    user_organization: str
    product_name: str
    product_version: str
    developer: str
    has_seal: bool
    issue_date: date
    since: date
    contact: str
    phone: str

    def fields(self) -> dict[str, Any]:
        return {
            "user_organization": self.user_organization,
            "product_name": self.product_name,
            "has_seal": self.has_seal,
            "issue_date": self.issue_date.isoformat(),
        }


@dataclass(frozen=True)
class ApplicationFacts:
    """What the applicant typed into the platform, as printed on the 征集信息表 page of a bundle."""

    company: str
    credit_code: str
    established_date: date | None
    legal_representative: str
    address: str
    product_name: str
    product_version: str
    category: str
    registration_no: str
    development_completed_date: date | None
    test_report_no: str
    testing_institution: str
    rd_investment_wan: float
    xinchuang_adapted: bool
    patents: int
    standards: int
    contact: str
    phone: str
    city_name: str


@dataclass
class Dossier:
    """Everything printed in one case's papers; the filing is derived alongside it."""

    license: LicenseFacts
    certificate: CertificateFacts
    test_report: TestReportFacts | None
    usage_reports: list[UsageReportFacts] = field(default_factory=list)
