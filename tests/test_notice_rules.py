"""The notices' conditions: independent legal entity, business term, category, first publication,
and a certificate's two numbers — each raised by documents that break it and not by ones that keep it."""

from __future__ import annotations

from datetime import date

import pytest

from core.model import FieldValue, Severity
from extractors.certificate_numbers import agreement, confirm_numbers
from tests.test_validators import (
    CERT,
    CITIF,
    DROP,
    LIC,
    REPORT,
    USAGE,
    citif_filing,
    codes,
    documents,
    filing,
    fv,
    only,
    with_check,
)
from validators import check_filing
from validators.campaign import load_campaign
from validators.notice_rules import business_term_end, category_key

# 2021SR0123456 and its certificate: 123456 + 6722626 (the offset of 2021 on real certificates).
REGISTRATION = "2021SR0123456"
CERTIFICATE = "6846082"


@pytest.fixture(scope="module")
def jiangsu():
    return load_campaign("jiangsu-2021-first-edition")


@pytest.fixture(scope="module")
def citif():
    return load_campaign(CITIF)


def with_fields(kind, confidence=0.95, **fields):
    """Clean documents, the page of `kind` reading `fields` besides (or instead of) its own."""
    docs = documents(kinds=(LIC, CERT, REPORT) if kind is not USAGE else (CERT, USAGE))
    for document in docs:
        for page in document.pages:
            if page.kind is kind and page.index == 0:
                for name, value in fields.items():
                    page.fields[name] = fv(kind, name, value, confidence)
    return docs


def licence(confidence=0.95, **fields):
    return with_fields(LIC, confidence, **fields)


def certificate(**fields):
    return with_fields(CERT, **fields)


# --------------------------------------------------------------------------- legal entity


@pytest.mark.parametrize(
    ("company_type", "form"),
    [
        ("有限责任公司分公司（自然人投资或控股）", "分公司"),
        ("个体工商户", "个体工商户"),
        ("个人独资企业", "个人独资企业"),
        ("有限合伙企业", "合伙企业"),
        ("全民所有制分支机构（非法人）", "分支机构"),
    ],
)
def test_a_licence_type_that_is_no_legal_entity_is_flagged(jiangsu, company_type, form):
    flag = only(
        check_filing(filing(), licence(company_type=company_type), jiangsu),
        "not_independent_legal_entity",
    )
    assert flag.severity is Severity.ERROR
    assert form in flag.message and company_type in flag.message
    assert flag.field == "company_type" and flag.box is not None


@pytest.mark.parametrize(
    "company_type",
    [
        "有限责任公司（自然人投资或控股）",
        "股份有限公司（非上市、自然人投资或控股）",
        "有限责任公司（法人独资）",
        "其他有限责任公司",
    ],
)
def test_a_company_is_a_legal_entity(jiangsu, company_type):
    assert check_filing(filing(), licence(company_type=company_type), jiangsu) == []


def test_a_branch_name_is_flagged_when_the_type_is_not_read(jiangsu):
    name = "南京云帆信息科技有限公司苏州分公司"
    docs = licence(name=name)
    docs[1].pages[0].fields["copyright_holders"] = fv(CERT, "copyright_holders", [name])
    flags = check_filing(
        filing(**{"applicant.name": name, "product.copyright_holders": [name]}), docs, jiangsu
    )
    flag = only(flags, "not_independent_legal_entity")
    assert flag.field == "name" and "分支机构" in flag.message


def test_an_individual_business_credit_code_is_flagged(jiangsu):
    code = with_check("92320100MA1PQR23K")
    flags = check_filing(
        filing(**{"applicant.credit_code": code}), licence(credit_code=code), jiangsu
    )
    flag = only(flags, "not_independent_legal_entity")
    assert "个体工商户" in flag.message and "92" in flag.message


# --------------------------------------------------------------------------- business term


def test_business_term_end():
    assert business_term_end("2013年09月09日至2043年09月08日") == date(2043, 9, 8)
    assert business_term_end("2001年1月1日至 2020 年 12 月 31 日") == date(2020, 12, 31)
    assert business_term_end("2013年9月9日至长期") == "unlimited"
    assert business_term_end("长期") == "unlimited"
    assert business_term_end("2013年09月09日至") is None
    assert business_term_end("2013年09月09日") is None


def test_a_term_ended_before_the_deadline_is_flagged(jiangsu):
    term = "2001年01月01日至2020年12月31日"
    flag = only(
        check_filing(filing(), licence(business_term=term), jiangsu), "business_term_expired"
    )
    assert flag.severity is Severity.WARNING
    assert "2020-12-31" in flag.message and "2021-03-12" in flag.message
    assert flag.box is not None


@pytest.mark.parametrize(
    "term",
    ["2001年01月01日至2031年12月31日", "2015年06月01日至长期", "2021年03月12日至2021年03月12日"],
)
def test_a_current_term_passes(jiangsu, term):
    assert check_filing(filing(), licence(business_term=term), jiangsu) == []


def test_a_doubtful_term_raises_nothing(jiangsu):
    docs = licence(0.4, business_term="2001年01月01日至2020年12月31日")
    assert check_filing(filing(), docs, jiangsu) == []


# --------------------------------------------------------------------------- category


@pytest.mark.parametrize("category", ["工业软件", "5G 相关软件", "５G相关软件", "行业应用软件"])
def test_a_listed_category_passes(jiangsu, category):
    assert check_filing(filing(**{"product.category": category}), documents(), jiangsu) == []


@pytest.mark.parametrize(("category", "words"), [("游戏软件", "「游戏软件」"), (None, "未填写")])
def test_an_unlisted_or_missing_category_is_flagged(jiangsu, category, words):
    flag = only(
        check_filing(filing(**{"product.category": category}), documents(), jiangsu),
        "category_not_eligible",
    )
    assert words in flag.message and flag.severity is Severity.WARNING
    assert category_key("5G 相关软件") == category_key("５g相关软件")


# --------------------------------------------------------------------------- first publication


def test_filed_first_publication_against_the_certificate(citif):
    docs = documents((CERT, USAGE), change={(CERT, "first_published_date"): "2020-09-01"})
    assert (
        check_filing(citif_filing(**{"product.first_published_date": "2020-09-01"}), docs, citif)
        == []
    )
    flag = only(
        check_filing(citif_filing(**{"product.first_published_date": "2020-10-01"}), docs, citif),
        "first_published_date_mismatch",
    )
    assert flag.filing_value == "2020-10-01" and flag.document_value == "2020-09-01"
    assert flag.box is not None


def test_a_filed_date_against_a_certificate_saying_unpublished(citif):
    docs = documents((CERT, USAGE))  # first_published_date: None — 未发表
    flag = only(
        check_filing(citif_filing(**{"product.first_published_date": "2020-10-01"}), docs, citif),
        "first_published_date_mismatch",
    )
    assert "未发表" in flag.message


def test_no_filed_date_is_not_compared(citif):
    docs = documents((CERT, USAGE), change={(CERT, "first_published_date"): "2020-09-01"})
    assert check_filing(citif_filing(), docs, citif) == []


# --------------------------------------------------------------------------- certificate numbers


def test_numbers_of_real_certificates_agree():
    # Read by eye from the tuning part's real certificates (tests/real/truth.yaml).
    assert agreement("4712256", "2019SR1291499").agrees
    assert agreement("053813", "2006SR06147").agrees
    assert agreement("053814", "2006SR06148").agrees
    assert not agreement("4712265", "2019SR1291499").agrees
    assert not agreement("5558831", "2020SR1427678").known  # no offset of 2020 measured


def test_agreeing_numbers_confirm_each_other():
    fields = {
        "certificate_no": FieldValue("certificate_no", CERTIFICATE, CERTIFICATE, 0.6, None),
        "registration_no": FieldValue("registration_no", REGISTRATION, REGISTRATION, 0.7, None),
    }
    confirmed = confirm_numbers(fields)
    assert confirmed["certificate_no"].confidence >= 0.99
    assert confirmed["registration_no"].confidence >= 0.99
    fields["certificate_no"] = FieldValue("certificate_no", "6846083", "6846083", 0.6, None)
    assert confirm_numbers(fields) == fields


def test_numbers_that_do_not_fit_their_year_are_flagged(jiangsu):
    docs = certificate(certificate_no="6846028")
    flag = only(check_filing(filing(), docs, jiangsu), "certificate_numbers_inconsistent")
    assert flag.severity is Severity.WARNING
    assert CERTIFICATE in flag.message and REGISTRATION in flag.message
    assert check_filing(filing(), certificate(certificate_no=CERTIFICATE), jiangsu) == []


def test_numbers_of_an_unmeasured_year_are_not_judged(jiangsu):
    docs = certificate(certificate_no="1234567", registration_no="2020SR0123456")
    flags = check_filing(
        filing(**{"product.copyright_registration_no": "2020SR0123456"}), docs, jiangsu
    )
    assert "certificate_numbers_inconsistent" not in codes(flags)


def test_rules_are_switched_on_by_their_campaigns(jiangsu, citif):
    assert jiangsu.setting("eligible_categories")
    assert jiangsu.setting("business_term_must_be_current") is True
    assert citif.setting("first_published_date_from_certificate") is True
    assert citif.setting("independent_legal_entity") is None
    assert DROP is not None
