"""Tests of the validators: cross-checks, campaign rules, campaign YAML, the flag catalogue."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.errors import CampaignInvalid, CampaignNotFound
from core.filing import Filing
from core.model import DocumentResult, FieldValue, Flag, PageKind, PageResult, Severity
from extractors.normalize import credit_code_check_char, is_valid_credit_code
from intake.pipeline.report import CheckReport, render_text
from tests import new_rule
from tests.helpers import CONTRACT
from validators import check_filing
from validators.bureaus import load_bureaus
from validators.campaign import CAMPAIGNS_DIR, CatalogEntry, PreviousCatalog, list_campaigns
from validators.campaign import load_campaign as load
from validators.crosscheck import check_against_filing
from validators.crossfiling import check_across_filings
from validators.evidence import collect_evidence
from validators.flags import (
    CONTRACT_FLAG_CODES,
    load_flag_catalogue,
    make_flag,
    parse_flag_catalogue,
)
from validators.rule_registry import registered_rules
from validators.rules import check_campaign_rules, checked_by_rules

CONTRACT_README = CONTRACT / "README.md"
JIANGSU = "jiangsu-2021-first-edition"
CITIF = "citif-2021-2022-excellent"

LIC, CERT, REPORT, USAGE = (
    PageKind.BUSINESS_LICENSE,
    PageKind.COPYRIGHT_CERTIFICATE,
    PageKind.TEST_REPORT,
    PageKind.USAGE_REPORT,
)


def with_check(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


CODE = with_check("91320100MA1PQR23K")
OTHER_JIANGSU_CODE = with_check("91320500MA1XYW45N")
ZHEJIANG_CODE = with_check("91330100MA2KLM67P")
APPLICANT = "南京云帆信息科技有限公司"


# --------------------------------------------------------------------------- builders


def filing(**changes: Any) -> Filing:
    """A clean Jiangsu filing; `changes` are dotted paths, e.g. applicant.name='…'."""
    data: dict[str, Any] = {
        "filing_id": "F-001",
        "campaign": JIANGSU,
        "bureau": "320100",
        "submitted_at": "2021-03-10T10:00:00+08:00",
        "applicant": {
            "name": APPLICANT,
            "credit_code": CODE,
            "established_date": "2015-06-01",
        },
        "product": {
            "name": "云帆工业互联网平台",
            "version": "V2.0",
            "category": "工业软件",
            "copyright_registration_no": "2021SR0123456",
            "development_completed_date": "2020-08-01",
            "copyright_holders": [APPLICANT],
            "test_report_no": "NJRJ2021-0012",
            "testing_institution": "江苏省软件产品检测中心",
            "test_standard": "GB/T 25000.51-2016",
            "rd_investment_wan": 350,
        },
    }
    for path, value in changes.items():
        target = data
        *parents, last = path.split(".")
        for key in parents:
            target = target[key]
        if value is DROP:
            target.pop(last, None)
        else:
            target[last] = value
    return Filing.model_validate(data)


DROP = object()

CLEAN_FIELDS: dict[PageKind, dict[str, Any]] = {
    LIC: {
        "credit_code": CODE,
        "name": APPLICANT,
        "established_date": "2015-06-01",
    },
    CERT: {
        "software_name": "云帆工业互联网平台",
        "software_version": "V2.0",
        "copyright_holders": [APPLICANT],
        "development_completed_date": "2020-08-01",
        "first_published_date": None,
        "registration_no": "2021SR0123456",
    },
    REPORT: {
        "report_no": "NJRJ2021-0012",
        "product_name": "云帆工业互联网平台",
        "product_version": "V2.0",
        "testing_institution": "江苏省软件产品检测中心",
    },
    USAGE: {"user_organization": "常州某制造有限公司", "has_seal": True},
}
"""The report's test_standard is on its second page (the page stating 检测依据)."""

SOURCES = {LIC: "license.pdf", CERT: "certificate.jpg", REPORT: "report.pdf", USAGE: "usage.pdf"}


def box_of(kind: PageKind, field: str) -> tuple[float, float, float, float]:
    """A distinct box for every (kind, field), so tests can tell which evidence a flag carries."""
    row = list(CLEAN_FIELDS[kind]).index(field) if field in CLEAN_FIELDS[kind] else 9
    column = list(SOURCES).index(kind)
    return (10.0 + column, 100.0 + 40 * row, 600.0, 130.0 + 40 * row)


def fv(kind: PageKind, field: str, value: Any, confidence: float = 0.95) -> FieldValue:
    raw = None if value is None else str(value)
    return FieldValue(field, value, raw, confidence, box_of(kind, field))


def documents(
    kinds: tuple[PageKind, ...] = (LIC, CERT, REPORT),
    change: dict[tuple[PageKind, str], Any] | None = None,
    confidence: dict[tuple[PageKind, str], float] | None = None,
) -> list[DocumentResult]:
    """Clean documents of `kinds`; `change` sets a value (DROP removes the field)."""
    change = change or {}
    confidence = confidence or {}

    def page(kind: PageKind, index: int, values: dict[str, Any]) -> PageResult:
        fields = {}
        for name, value in values.items():
            value = change.get((kind, name), value)
            if value is DROP:
                continue
            fields[name] = fv(kind, name, value, confidence.get((kind, name), 0.95))
        return PageResult(index=index, kind=kind, fields=fields)

    result = []
    for kind in kinds:
        pages = [page(kind, 0, CLEAN_FIELDS[kind])]
        if kind is REPORT:
            standard = {"test_standard": "GB/T 25000.51-2016", "conclusion": "通过"}
            pages.append(page(kind, 1, standard))
        result.append(DocumentResult(SOURCES[kind], "0" * 64, pages, page_count=len(pages)))
    return result


def codes(flags: list[Flag]) -> list[str]:
    return [f.code for f in flags]


def only(flags: list[Flag], code: str) -> Flag:
    assert codes(flags) == [code], [f.message for f in flags]
    return flags[0]


@pytest.fixture(scope="module")
def jiangsu():
    return load(JIANGSU)


@pytest.fixture(scope="module")
def citif():
    return load(CITIF)


def citif_filing(**changes: Any) -> Filing:
    changes = {"campaign": CITIF, "submitted_at": "2022-09-01T09:00:00+08:00", **changes}
    return filing(**changes)


# --------------------------------------------------------------------------- clean cases


def test_clean_filing_and_documents_raise_no_flag(jiangsu):
    assert check_filing(filing(), documents(), jiangsu) == []


def test_clean_citif_filing_raises_no_flag(citif):
    assert check_filing(citif_filing(), documents((CERT, USAGE)), citif) == []


def test_version_inside_the_filing_name_is_compared_in_normal_form(jiangsu):
    typed = filing(**{"product.name": "云帆工业互联网平台 v2.0", "product.version": None})
    assert check_filing(typed, documents(), jiangsu) == []


def test_comparison_skipped_when_the_filing_has_no_value(jiangsu):
    bare = filing(**{"product.test_report_no": None, "applicant.established_date": None})
    docs = documents(change={(REPORT, "report_no"): "OTHER-1", (LIC, "established_date"): DROP})
    flags = check_against_filing(bare, collect_evidence(docs), jiangsu)
    assert flags == []


# --------------------------------------------------------------------------- cross-checks

MISMATCHES = [
    (LIC, "name", "南京云航信息科技有限公司", "applicant_name_mismatch", APPLICANT),
    (LIC, "credit_code", OTHER_JIANGSU_CODE, "credit_code_mismatch", CODE),
    (LIC, "established_date", "2016-01-01", "established_date_mismatch", "2015-06-01"),
    (CERT, "software_name", "云帆工业互联网系统", "software_name_mismatch", "云帆工业互联网平台"),
    (CERT, "software_version", "V3.0", "software_name_mismatch", "V2.0"),
    (CERT, "development_completed_date", "2020-09-01", "development_date_mismatch", "2020-08-01"),
    (CERT, "registration_no", "2021SR0999999", "registration_no_mismatch", "2021SR0123456"),
    (REPORT, "report_no", "NJRJ2021-0013", "test_report_no_mismatch", "NJRJ2021-0012"),
    (REPORT, "product_name", "云帆平台", "test_product_mismatch", "云帆工业互联网平台"),
    (REPORT, "product_version", "V1.0", "test_product_mismatch", "V2.0"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "field", "value", "code", "filing_value"), MISMATCHES)
def test_each_cross_check_raises_its_flag_with_evidence(
    jiangsu, kind, field, value, code, filing_value
):
    flag = only(check_filing(filing(), documents(change={(kind, field): value}), jiangsu), code)
    assert flag.severity is Severity.ERROR
    assert flag.field == field
    assert flag.filing_value == filing_value
    assert flag.document_value == value
    assert (flag.source, flag.page, flag.box) == (SOURCES[kind], 0, box_of(kind, field))
    assert value in flag.message and filing_value in flag.message


def test_name_read_with_ocr_noise_is_the_same_company(jiangsu):
    docs = documents(change={(LIC, "name"): "南京云帆信息科技有限公司。"})
    assert check_filing(filing(), docs, jiangsu) == []


def test_a_stroke_read_apart_beside_a_han_character_is_no_other_software(jiangsu):
    docs = documents(change={(CERT, "software_name"): "云帆工业互联网平台I"})
    assert codes(check_filing(filing(), docs, jiangsu)) == []  # 台I: 台's stroke read apart
    docs = documents(change={(CERT, "software_name"): "云帆工业互联网平台IA"})
    assert "software_name_mismatch" in codes(check_filing(filing(), docs, jiangsu))


# --------------------------------------------------------------------------- unreadable fields


def test_low_confidence_field_raises_unreadable_not_mismatch(jiangsu):
    docs = documents(
        change={(LIC, "credit_code"): OTHER_JIANGSU_CODE}, confidence={(LIC, "credit_code"): 0.5}
    )
    flag = only(check_filing(filing(), docs, jiangsu), "unreadable_field")
    assert flag.severity is Severity.WARNING
    assert flag.field == "credit_code"
    assert flag.document_value == OTHER_JIANGSU_CODE
    assert (flag.source, flag.page, flag.box) == ("license.pdf", 0, box_of(LIC, "credit_code"))
    assert "0.50" in flag.message and "0.80" in flag.message


def test_missing_field_raises_unreadable_once_pointing_at_its_page(jiangsu):
    # established_date is needed by the cross-check and by the cutoff rule: one flag.
    docs = documents(change={(LIC, "established_date"): DROP})
    flag = only(check_filing(filing(), docs, jiangsu), "unreadable_field")
    assert flag.field == "established_date"
    assert (flag.source, flag.page, flag.box) == ("license.pdf", 0, None)
    assert "成立日期" in flag.message and "未能识别" in flag.message


def test_missing_standard_on_a_present_report_is_never_a_silent_pass(jiangsu):
    docs = documents(change={(REPORT, "test_standard"): DROP})
    flag = only(check_filing(filing(), docs, jiangsu), "unreadable_field")
    assert flag.field == "test_standard" and flag.source == "report.pdf"


def test_rule_only_field_unreadable_is_flagged_by_the_rule(jiangsu):
    docs = documents(confidence={(REPORT, "testing_institution"): 0.3})
    bare = filing(**{"product.testing_institution": None})
    flag = only(
        check_campaign_rules(bare, collect_evidence(docs), docs, jiangsu), "unreadable_field"
    )
    assert flag.field == "testing_institution"


def test_evidence_keeps_the_most_confident_reading_and_skips_failed_files():
    docs = documents(confidence={(LIC, "name"): 0.6})
    second = PageResult(index=3, kind=LIC, fields={"name": fv(LIC, "name", APPLICANT, 0.9)})
    docs.append(DocumentResult("copy.pdf", "1" * 64, [second]))
    docs.append(DocumentResult("broken.pdf", "2" * 64, [second], error="damaged"))
    best = collect_evidence(docs)[(LIC, "name")]
    assert (best.source, best.page, best.field.confidence) == ("copy.pdf", 3, 0.9)


# --------------------------------------------------------------------------- campaign rules


def test_applicant_not_copyright_holder(jiangsu):
    docs = documents(change={(CERT, "copyright_holders"): ["苏州别家软件有限公司"]})
    flag = only(check_filing(filing(), docs, jiangsu), "applicant_not_copyright_holder")
    assert flag.field == "copyright_holders"
    assert flag.document_value == ["苏州别家软件有限公司"]
    assert flag.box == box_of(CERT, "copyright_holders")


def test_a_holder_whose_place_is_misread_by_one_character_is_still_the_applicant(jiangsu):
    shuyang = with_check("91321322MA1XYW45N")  # 321322 沭阳县
    applicant = {"applicant.name": "联峰（沭阳）信息科技有限公司", "applicant.credit_code": shuyang}
    misread = {
        (LIC, "name"): "联峰（沭阳）信息科技有限公司",
        (LIC, "credit_code"): shuyang,
        (CERT, "copyright_holders"): ["联峰（流阳）信息科技有限公司"],
    }
    flags = check_filing(filing(**applicant), documents(change=misread), jiangsu)
    assert "applicant_not_copyright_holder" not in codes(flags)
    # Another company of another place is still not the applicant.
    misread[(CERT, "copyright_holders")] = ["联峰（泗阳）信息科技有限公司"]
    flags = check_filing(filing(**applicant), documents(change=misread), jiangsu)
    assert "applicant_not_copyright_holder" in codes(flags)


def test_applicant_among_several_holders_passes(jiangsu):
    holders = ["苏州别家软件有限公司", "南京云帆信息科技有限公司"]
    assert (
        check_filing(filing(), documents(change={(CERT, "copyright_holders"): holders}), jiangsu)
        == []
    )


def test_established_after_cutoff(jiangsu):
    typed = filing(**{"applicant.established_date": "2020-01-01"})
    docs = documents(change={(LIC, "established_date"): "2020-01-01"})
    flag = only(check_filing(typed, docs, jiangsu), "established_after_cutoff")
    assert flag.field == "established_date" and flag.document_value == "2020-01-01"
    assert "2019-12-31" in flag.message and flag.page == 0


def test_established_on_cutoff_day_passes(jiangsu):
    typed = filing(**{"applicant.established_date": "2019-12-31"})
    docs = documents(change={(LIC, "established_date"): "2019-12-31"})
    assert check_filing(typed, docs, jiangsu) == []


def test_development_before_cutoff(jiangsu):
    typed = filing(**{"product.development_completed_date": "2019-12-31"})
    docs = documents(change={(CERT, "development_completed_date"): "2019-12-31"})
    flag = only(check_filing(typed, docs, jiangsu), "development_before_cutoff")
    assert flag.field == "development_completed_date"
    assert flag.box == box_of(CERT, "development_completed_date")


def test_development_on_cutoff_day_passes(jiangsu):
    typed = filing(**{"product.development_completed_date": "2020-01-01"})
    docs = documents(change={(CERT, "development_completed_date"): "2020-01-01"})
    assert check_filing(typed, docs, jiangsu) == []


def test_wrong_test_standard(jiangsu):
    docs = documents(change={(REPORT, "test_standard"): "GB/T 25000.10-2016"})
    flag = only(check_filing(filing(), docs, jiangsu), "wrong_test_standard")
    assert (flag.field, flag.source, flag.page) == ("test_standard", "report.pdf", 1)
    assert flag.document_value == "GB/T 25000.10-2016"
    assert "GB/T 25000.51-2016" in flag.message


def test_institution_not_qualified(jiangsu):
    docs = documents(change={(REPORT, "testing_institution"): "南京某某软件测试有限公司"})
    bare = filing(**{"product.testing_institution": None})
    flag = only(check_filing(bare, docs, jiangsu), "test_institution_not_qualified")
    assert flag.field == "testing_institution" and flag.severity is Severity.WARNING
    assert flag.box == box_of(REPORT, "testing_institution")


@pytest.mark.parametrize(
    "printed",
    [
        "中国软件评测中心(工业和信息化部软件与集成电路促进中心)",
        "中国软件评测中心 （工业和信息化部软件与集成电路促进中心）",
        "上海市软件评测中心",
        "江苏省 软件产品检测中心",
    ],
)
def test_institution_aliases_spacing_and_parentheses_are_tolerated(jiangsu, printed):
    docs = documents(change={(REPORT, "testing_institution"): printed})
    bare = filing(**{"product.testing_institution": None})
    assert check_filing(bare, docs, jiangsu) == []


def test_institution_near_miss_is_not_qualified(jiangsu):
    docs = documents(change={(REPORT, "testing_institution"): "江苏省软件产品检测中心南京分部"})
    bare = filing(**{"product.testing_institution": None})
    assert codes(check_filing(bare, docs, jiangsu)) == ["test_institution_not_qualified"]


def test_not_registered_in_province(jiangsu):
    typed = filing(**{"applicant.credit_code": ZHEJIANG_CODE})
    docs = documents(change={(LIC, "credit_code"): ZHEJIANG_CODE})
    flag = only(check_filing(typed, docs, jiangsu), "not_registered_in_province")
    assert flag.field == "credit_code" and flag.source == "license.pdf"
    assert "330100" in flag.message and "江苏省" in flag.message


def test_province_falls_back_to_the_filing_without_a_licence(jiangsu):
    typed = filing(**{"applicant.credit_code": ZHEJIANG_CODE})
    flags = check_filing(typed, documents((CERT, REPORT)), jiangsu)
    assert codes(flags) == ["not_registered_in_province", "missing_document"]
    province = flags[0]
    assert province.source is None and province.box is None
    assert "填报信息" in province.message and "未找到营业执照" in province.message


def test_citif_accepts_any_province(citif):
    typed = citif_filing(**{"applicant.credit_code": ZHEJIANG_CODE})
    assert check_filing(typed, documents((CERT, USAGE)), citif) == []


@pytest.mark.parametrize(("amount", "words"), [(199.5, "199.5 万元"), (None, "未填写")])
def test_rd_investment_below_minimum_or_missing(jiangsu, amount, words):
    typed = filing(**{"product.rd_investment_wan": amount})
    flag = only(check_filing(typed, documents(), jiangsu), "rd_investment_below_minimum")
    assert flag.field == "rd_investment_wan" and flag.filing_value == amount
    assert words in flag.message and "200" in flag.message


def test_rd_investment_at_minimum_passes(jiangsu):
    assert check_filing(filing(**{"product.rd_investment_wan": 200}), documents(), jiangsu) == []


def test_missing_document_names_the_kind_and_unreadable_files(jiangsu):
    docs = documents((LIC, CERT))
    docs.append(DocumentResult("scan3.pdf", "3" * 64, [], error="文件已损坏"))
    flags = check_filing(filing(), docs, jiangsu)
    assert sorted(codes(flags)) == ["document_unreadable", "missing_document"]
    flag = next(f for f in flags if f.code == "missing_document")
    assert "软件产品检测报告" in flag.message and "scan3.pdf" in flag.message
    assert flag.source is None
    unreadable = next(f for f in flags if f.code == "document_unreadable")
    assert unreadable.source == "scan3.pdf" and "文件已损坏" in unreadable.message


def test_two_missing_documents_are_two_flags(jiangsu):
    flags = check_filing(filing(), documents((LIC,)), jiangsu)
    assert codes(flags) == ["missing_document", "missing_document"]
    assert all(f.message.endswith("本次征集要求提交该材料") for f in flags)
    assert "著作权" in flags[0].message and "检测报告" in flags[1].message


def test_invalid_credit_code(jiangsu):
    broken = CODE[:17] + ("0" if CODE[17] != "0" else "1")
    typed = filing(**{"applicant.credit_code": broken})
    flag = only(
        check_filing(typed, documents(change={(LIC, "credit_code"): broken}), jiangsu),
        "invalid_credit_code",
    )
    assert flag.field == "credit_code" and flag.document_value == broken
    assert flag.box == box_of(LIC, "credit_code")


def test_usage_report_not_stamped(citif):
    docs = documents((CERT, USAGE), change={(USAGE, "has_seal"): False})
    flag = only(check_filing(citif_filing(), docs, citif), "usage_report_not_stamped")
    assert (flag.field, flag.source, flag.page) == ("has_seal", "usage.pdf", 0)
    assert flag.document_value is False and flag.box == box_of(USAGE, "has_seal")


def test_usage_report_seal_read_doubtfully_is_unreadable(citif):
    docs = documents((CERT, USAGE), confidence={(USAGE, "has_seal"): 0.4})
    flag = only(check_filing(citif_filing(), docs, citif), "unreadable_field")
    assert flag.field == "has_seal" and flag.source == "usage.pdf"


def test_usage_report_stamped_on_a_later_page_passes(citif):
    docs = documents((CERT, USAGE), change={(USAGE, "has_seal"): False})
    stamped = PageResult(index=1, kind=USAGE, fields={"has_seal": fv(USAGE, "has_seal", True)})
    docs[1].pages.append(stamped)
    assert check_filing(citif_filing(), docs, citif) == []


@pytest.mark.parametrize(
    ("submitted", "late"),
    [
        ("2021-03-12T17:00:00+08:00", False),
        ("2021-03-12T17:00:01+08:00", True),
        ("2021-03-12T09:30:00Z", True),
        (None, False),
    ],
)
def test_late_submission(jiangsu, submitted, late):
    flags = check_filing(filing(submitted_at=submitted), documents(), jiangsu)
    if not late:
        assert flags == []
        return
    flag = only(flags, "late_submission")
    assert flag.field == "submitted_at" and "2021-03-12 17:00+08:00" in flag.message


@pytest.mark.parametrize(("version", "listed"), [("V2.0", True), ("V1.0", False), (None, True)])
def test_in_previous_catalog(jiangsu, version, listed):
    catalog = PreviousCatalog(
        title="2020年江苏省重点领域首版次软件产品应用推广指导目录",
        products=(CatalogEntry(name="云帆工业互联网平台", version=version),),
    )
    campaign = jiangsu.model_copy(update={"previous_catalog": catalog})
    typed = filing(**{"product.name": "云帆 工业互联网平台V2.0", "product.version": None})
    flags = check_filing(typed, documents(), campaign)
    if not listed:
        assert flags == []
        return
    flag = only(flags, "in_previous_catalog")
    assert flag.field == "software_name" and "2020年江苏省" in flag.message


# --------------------------------------------------------------------------- order


def test_flags_come_in_document_then_field_order(jiangsu):
    typed = filing(**{"product.rd_investment_wan": 10})
    docs = documents(
        change={
            (LIC, "established_date"): "2016-01-01",
            (LIC, "name"): "南京云航信息科技有限公司",
            (REPORT, "test_standard"): "GB/T 25000.10-2016",
            (CERT, "registration_no"): "2021SR0999999",
        }
    )
    flags = check_filing(typed, docs, jiangsu)
    assert codes(flags) == [
        "applicant_name_mismatch",
        "established_date_mismatch",
        "registration_no_mismatch",
        "wrong_test_standard",
        "rd_investment_below_minimum",
    ]
    assert check_filing(typed, docs, jiangsu) == flags


# --------------------------------------------------------------------------- campaigns


def test_both_campaigns_load_with_their_rules(jiangsu, citif):
    assert set(list_campaigns()) >= {JIANGSU, CITIF}
    assert jiangsu.established_cutoff == date(2019, 12, 31)
    assert jiangsu.development_cutoff == date(2020, 1, 1)
    assert jiangsu.province == "32" and jiangsu.rd_minimum_wan == 200
    assert jiangsu.max_products_per_applicant == 1
    assert jiangsu.deadline.isoformat() == "2021-03-12T17:00:00+08:00"
    assert jiangsu.recommendation_deadline.isoformat() == "2021-03-19T17:00:00+08:00"
    names = {i.name for i in jiangsu.qualified_institutions}
    assert {"江苏省软件产品检测中心", "中国软件评测中心", "上海市软件评测中心有限公司"} <= names
    assert jiangsu.previous_catalog.title.startswith("2020年江苏省")
    assert citif.province is None and citif.credit_code_must_be_valid
    assert citif.usage_report_must_be_stamped and citif.max_products_per_applicant == 2
    assert set(citif.required_documents) == {CERT, USAGE}
    assert citif.deadline.isoformat() == "2022-09-30T23:59:59+08:00"
    assert "2020-2021" in citif.previous_catalog.title


def test_unknown_campaign_lists_the_known_ones():
    with pytest.raises(CampaignNotFound) as raised:
        load("no-such-campaign")
    assert JIANGSU in raised.value.message and CITIF in raised.value.message


def _campaign_text(**replace: str | None) -> str:
    text = (CAMPAIGNS_DIR / f"{JIANGSU}.yaml").read_text(encoding="utf-8")
    text = text.replace("catalogs/", str(CAMPAIGNS_DIR / "catalogs") + "/")
    for key, value in replace.items():
        pattern = re.compile(rf"^{key}:.*$", re.MULTILINE)
        assert pattern.search(text), key
        text = pattern.sub("" if value is None else f"{key}: {value}", text)
    return text


@pytest.mark.parametrize(
    ("replace", "key"),
    [
        ({"title": None}, "title"),
        ({"rd_minimum_wan": "lots"}, "rd_minimum_wan"),
        ({"established_cutoff": "2019-13-31"}, "established_cutoff"),
        ({"deadline": "2021-03-12T17:00:00"}, "deadline"),
        ({"required_documents": "[business_license, passport]"}, "required_documents"),
        ({"max_products_per_applicant": "0"}, "max_products_per_applicant"),
        ({"min_confidence": "1.5"}, "min_confidence"),
        ({"province": "'3'"}, "province"),
        ({"required_standard": "none"}, "required_standard"),
        ({"title": "x\nrd_minimun_wan: 200"}, "rd_minimun_wan"),
        ({"id": "some-other-id"}, "id"),
    ],
)
def test_malformed_campaign_raises_naming_the_file_and_key(tmp_path, replace, key):
    (tmp_path / f"{JIANGSU}.yaml").write_text(_campaign_text(**replace), encoding="utf-8")
    with pytest.raises(CampaignInvalid) as raised:
        load(JIANGSU, [tmp_path])
    assert key in raised.value.message and f"{JIANGSU}.yaml" in raised.value.message


def test_campaign_from_another_directory_with_an_inline_catalogue(tmp_path):
    text = _campaign_text(previous_catalog="[{name: 云帆工业互联网平台, version: V2.0}]")
    (tmp_path / f"{JIANGSU}.yaml").write_text(text, encoding="utf-8")
    campaign = load(JIANGSU, [tmp_path])
    assert campaign.previous_catalog.products[0].version == "V2.0"


def test_broken_sibling_catalogue_is_named(tmp_path):
    (tmp_path / "old.yaml").write_text("products: []\n", encoding="utf-8")
    (tmp_path / f"{JIANGSU}.yaml").write_text(
        _campaign_text(previous_catalog="old.yaml"), encoding="utf-8"
    )
    with pytest.raises(CampaignInvalid) as raised:
        load(JIANGSU, [tmp_path])
    assert "old.yaml" in raised.value.message and "title" in raised.value.message


def test_yaml_syntax_error_is_campaign_invalid(tmp_path):
    (tmp_path / f"{JIANGSU}.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(CampaignInvalid, match="YAML"):
        load(JIANGSU, [tmp_path])


def test_bureaus():
    bureaus = load_bureaus()
    assert len(bureaus) == 16
    assert bureaus["320100"].name == "南京市工业和信息化局"
    assert bureaus["321300"].name == "宿迁市工业和信息化局"
    assert bureaus["320583"].city == "320500" and bureaus["321322"].name == "沭阳县工业和信息化局"
    assert {c for c in bureaus if c.endswith("00")} == {f"32{n:02d}00" for n in range(1, 14)}


# --------------------------------------------------------------------------- flag catalogue


def contract_flag_codes() -> list[str]:
    if not CONTRACT_README.exists():
        pytest.skip(f"{CONTRACT_README} not present")
    text = CONTRACT_README.read_text(encoding="utf-8")
    section = text[text.index("## Flag codes") :]
    return re.findall(r"^\|\s*`([a-z_]+)`\s*\|", section, flags=re.MULTILINE)


def test_catalogue_covers_every_code_of_the_contract():
    in_contract = contract_flag_codes()
    assert len(in_contract) == 22
    assert set(in_contract) == set(CONTRACT_FLAG_CODES)
    # The project may add codes, never drop one; the README names the ones it adds.
    catalogue = load_flag_catalogue()
    assert catalogue.extension_codes == (
        "not_independent_legal_entity",
        "business_term_expired",
        "category_not_eligible",
        "first_published_date_mismatch",
        "certificate_numbers_inconsistent",
        "reused_scan",
        "document_unreadable",
        "license_qr_mismatch",
        "outdated_license",
        "usage_report_seal_mismatch",
        "usage_report_signed",
        "report_not_stamped_by_applicant",
        "licence_seal_region_mismatch",
    )
    assert catalogue.codes[: len(CONTRACT_FLAG_CODES)] == CONTRACT_FLAG_CODES


def test_every_registered_rule_has_a_campaign_key_and_catalogued_flags(jiangsu):
    catalogue = load_flag_catalogue()
    rules = registered_rules()
    assert len(rules) == 20
    for spec in rules:
        jiangsu.setting(spec.key)  # a KeyError for a key the campaign cannot hold
        assert spec.codes and all(code in catalogue.flags for code in spec.codes), spec
    raised_by_rules = {code for spec in rules for code in spec.codes}
    assert {code for code, f in catalogue.flags.items() if f.checks} <= raised_by_rules
    # What the review page draws as checked by Jiangsu's rules, from flags.yaml's `checks`.
    assert checked_by_rules(jiangsu) == {
        (LIC, "company_type"),
        (LIC, "business_term"),
        (CERT, "certificate_no"),
        (CERT, "registration_no"),
        (LIC, "credit_code"),
        (LIC, "established_date"),
        (CERT, "copyright_holders"),
        (CERT, "development_completed_date"),
        (REPORT, "test_standard"),
        (REPORT, "testing_institution"),
    }


def with_capital(capital: str) -> list[DocumentResult]:
    """Clean documents whose licence also reads 注册资本 `capital`."""
    result = documents()
    result[0].pages[0].fields["registered_capital"] = fv(LIC, "registered_capital", capital)
    return result


def test_a_new_kind_of_rule_is_one_key_one_function_one_flag_entry(tmp_path):
    folder = tmp_path / "campaigns"
    new_rule.campaign_with_rule(folder, 1000, "jiangsu-capital")
    # Before the rule is registered its key is an unknown key, refused by name.
    with pytest.raises(CampaignInvalid, match=new_rule.KEY):
        load("jiangsu-capital", [folder])
    with new_rule.new_rule_installed(tmp_path):
        campaign = load("jiangsu-capital", [folder])
        assert campaign.setting(new_rule.KEY) == 1000.0
        assert (LIC, "registered_capital") in checked_by_rules(campaign)
        flags = check_filing(filing(campaign="jiangsu-capital"), with_capital("500万元"), campaign)
        flag = only(flags, new_rule.CODE)
        assert flag.field == "registered_capital" and flag.source == SOURCES[LIC]
        assert "1000" in flag.message and load_flag_catalogue().title(flag.code) == new_rule.TITLE
        assert check_filing(filing(), with_capital("5000万元"), campaign) == []
        # Other campaigns do not switch it on; a wrong value is refused naming the key.
        assert check_filing(filing(), with_capital("500万元"), load(JIANGSU)) == []
        new_rule.campaign_with_rule(folder, "很多", "jiangsu-capital")
        with pytest.raises(CampaignInvalid, match=new_rule.KEY):
            load("jiangsu-capital", [folder])
    assert new_rule.KEY not in {spec.key for spec in registered_rules()}
    assert new_rule.CODE not in load_flag_catalogue().flags


def test_labels_of_severities_and_kinds_are_the_catalogue_s():
    catalogue = load_flag_catalogue()
    warning = make_flag("unreadable_field", field="name", kind=LIC, reason="无法识别")
    report = CheckReport(filing(), documents(kinds=(LIC,)), [warning])
    text = render_text(report)
    assert f"[{catalogue.severity_label('warning')}]" in text and "[需核实]" in text
    assert f"第1页 {catalogue.kind_label(LIC)}" in text


def test_every_catalogue_message_formats(jiangsu):
    catalogue = load_flag_catalogue()
    for code, spec in catalogue.flags.items():
        flag = make_flag(code, field="name", kind=LIC, **{p: "X" for p in spec.params})
        assert flag.severity is spec.severity and "{" not in flag.message


def test_malformed_catalogue_is_refused(tmp_path):
    source = Path(__file__).parents[1] / "validators" / "flags.yaml"
    good = source.read_text(encoding="utf-8")
    bad_template = good.replace("{reason}，相关核对", "{why}，相关核对")
    (tmp_path / "flags.yaml").write_text(bad_template, encoding="utf-8")
    with pytest.raises(CampaignInvalid, match="unreadable_field"):
        parse_flag_catalogue(tmp_path / "flags.yaml")
    missing_code = re.sub(r"  late_submission:\n(    .*\n)+", "", good)
    (tmp_path / "flags.yaml").write_text(missing_code, encoding="utf-8")
    with pytest.raises(CampaignInvalid, match="late_submission"):
        parse_flag_catalogue(tmp_path / "flags.yaml")


def test_make_flag_refuses_unknown_codes_and_missing_values():
    with pytest.raises(ValueError):
        make_flag("no_such_code")
    with pytest.raises(ValueError, match="cutoff"):
        make_flag("established_after_cutoff", where="营业执照", value="2020-01-01")


# --------------------------------------------------------------------------- across filings


def filings_of(campaign: str, *applicants: tuple[str, str]) -> list[Filing]:
    return [
        filing(
            filing_id=f"F-{i}",
            campaign=campaign,
            **{"applicant.name": n, "applicant.credit_code": c},
        )
        for i, (n, c) in enumerate(applicants, start=1)
    ]


def test_duplicate_application_with_one_allowed(jiangsu, citif):
    filings = filings_of(
        JIANGSU, (APPLICANT, CODE), (APPLICANT, CODE.lower()), ("别家", ZHEJIANG_CODE)
    )
    flags = check_across_filings(filings, {JIANGSU: jiangsu, CITIF: citif})
    assert codes(flags["F-1"]) == ["duplicate_application"]
    assert "F-2" in flags["F-1"][0].message and "F-1" in flags["F-2"][0].message
    assert flags["F-1"][0].field == "credit_code" and flags["F-3"] == []


def test_duplicate_application_with_two_allowed(jiangsu, citif):
    two = filings_of(CITIF, (APPLICANT, CODE), (APPLICANT, CODE))
    assert check_across_filings(two, {CITIF: citif}) == {"F-1": [], "F-2": []}
    # The third filing's code was mistyped, but the name is the same company.
    three = filings_of(CITIF, (APPLICANT, CODE), (APPLICANT, CODE), (APPLICANT, ZHEJIANG_CODE))
    flags = check_across_filings(three, {CITIF: citif})
    assert all(codes(f) == ["duplicate_application"] for f in flags.values())
    assert "F-1、F-2" in flags["F-3"][0].message and "2 项" in flags["F-3"][0].message


def test_filings_in_different_campaigns_are_counted_apart(jiangsu, citif):
    filings = filings_of(JIANGSU, (APPLICANT, CODE)) + [
        filing(filing_id="F-9", campaign=CITIF),
    ]
    flags = check_across_filings(filings, {JIANGSU: jiangsu, CITIF: citif})
    assert flags == {"F-1": [], "F-9": []}
    with pytest.raises(CampaignNotFound):
        check_across_filings(filings, {JIANGSU: jiangsu})


def test_institution_misread_under_a_seal_asks_a_person_not_accuses(jiangsu):
    docs = documents(change={(REPORT, "testing_institution"): "上海市软件评测中有限公司"})
    bare = filing(**{"product.testing_institution": None})
    flag = only(check_filing(bare, docs, jiangsu), "unreadable_field")
    assert flag.field == "testing_institution" and "上海市软件评测中心有限公司" in flag.message


def test_credit_code_misread_by_a_look_alike_is_no_mismatch_but_invalid(jiangsu):
    """The licence prints a code whose check character is wrong; OCR reads 1 as L in it."""
    broken = CODE[:17] + ("0" if CODE[17] != "0" else "1")
    misread = broken[:-1] + ("O" if broken[-1] == "0" else "L")
    typed = filing(**{"applicant.credit_code": broken})
    flags = check_filing(typed, documents(change={(LIC, "credit_code"): misread}), jiangsu)
    assert codes(flags) == ["invalid_credit_code"]


def _other_char(ch: str) -> str:
    return "9" if ch != "9" else "8"


def test_a_read_code_one_character_from_the_filed_one_is_the_filed_code_misread(jiangsu):
    """Every licence prints a code that passes its check, and two such codes differ in two
    characters at least: a reading failing the check one character from the filing's is it."""
    for at in (2, 5, 12, 17):  # the province, the county, the body, the check character
        misread = CODE[:at] + _other_char(CODE[at]) + CODE[at + 1 :]
        docs = documents(change={(LIC, "credit_code"): misread})
        assert check_filing(filing(), docs, jiangsu) == [], at


def test_a_read_code_failing_its_check_further_from_the_filed_one_asks_a_person(jiangsu):
    twice = CODE[:5] + _other_char(CODE[5]) + CODE[6:12]
    misread = next(
        twice + ch + CODE[13:]
        for ch in "0123456789"
        if ch != CODE[12] and not is_valid_credit_code(twice + ch + CODE[13:])
    )
    flags = check_filing(filing(), documents(change={(LIC, "credit_code"): misread}), jiangsu)
    assert codes(flags) == ["unreadable_field"]
    assert "未通过校验位检查" in flags[0].message and misread in flags[0].message


def test_a_name_read_with_a_character_lost_is_the_applicants_when_the_code_agrees(jiangsu):
    typed = filing(**{"applicant.name": "南京云帆矿业信息科技有限公司"})
    lost = documents(change={(LIC, "name"): "南京云帆业信息科技有限公司"})
    assert "applicant_name_mismatch" not in codes(check_filing(typed, lost, jiangsu))
    # Without the licence's own code to say whose licence it is, the same reading is a mismatch.
    other_code = with_check("91320500MA1N2B3C4")
    unsure = documents(
        change={(LIC, "name"): "南京云帆业信息科技有限公司", (LIC, "credit_code"): other_code}
    )
    assert "applicant_name_mismatch" in codes(check_filing(typed, unsure, jiangsu))


def test_a_different_valid_code_is_still_a_mismatch(jiangsu):
    other = with_check("91320500MA1N2B3C4")
    assert other != CODE
    flags = check_filing(filing(), documents(change={(LIC, "credit_code"): other}), jiangsu)
    assert "credit_code_mismatch" in codes(flags)


def test_a_place_misread_by_one_character_is_no_name_mismatch_when_the_code_names_the_place():
    from validators.crosscheck import same_applicant_name

    shuyang = same_applicant_name("91321322MA1XXXXXX0")  # 321322 沭阳县
    assert shuyang("沭阳新河电子科技有限公司", "沈阳新河电子科技有限公司")
    assert shuyang("江苏沭阳新河电子有限公司", "江苏沈阳新河电子有限公司")
    # Another brand (two characters differ), or a code of another place: a real mismatch.
    assert not shuyang("沭阳新河电子科技有限公司", "沈北新河电子科技有限公司")
    assert not same_applicant_name("91320583MA1XXXXXX0")(
        "沭阳新河电子科技有限公司", "沈阳新河电子科技有限公司"
    )
    # A name that is itself a place of the province is never "repaired" (泗阳 is 321323).
    assert not shuyang("沭阳新河电子科技有限公司", "泗阳新河电子科技有限公司")
