"""The seal rules on read documents (no OCR): who stamped the usage report, the bound report, the
licence, and the test report's seal standing in for its institution line."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.model import (
    DocumentResult,
    FieldValue,
    PageKind,
    PagePart,
    PageResult,
    SealReading,
    Severity,
)
from tests.test_validators import (
    APPLICANT,
    CERT,
    CITIF,
    DROP,
    LIC,
    REPORT,
    USAGE,
    ZHEJIANG_CODE,
    citif_filing,
    codes,
    documents,
    filing,
    only,
)
from validators import check_filing
from validators.campaign import load_campaign
from validators.seal_evidence import NameMatch, organisation, seal_names

SEAL_BOX = (1500.0, 2400.0, 1960.0, 2860.0)
USER = "常州某制造有限公司"


def seal(text: str, confidence: float = 0.97, **more) -> SealReading:
    return SealReading(box=SEAL_BOX, text=text, confidence=confidence, star=True, **more)


def with_seals(docs: list[DocumentResult], kind: PageKind, *seals: SealReading) -> list:
    """`docs` with `seals` on the first page of `kind`."""
    for document in docs:
        for page in document.pages:
            if page.kind is kind:
                page.seals = list(seals)
                return docs
    raise AssertionError(f"no page of {kind}")


@pytest.fixture(scope="module")
def jiangsu():
    return load_campaign("jiangsu-2021-first-edition")


@pytest.fixture(scope="module")
def citif():
    return load_campaign(CITIF)


# --------------------------------------------------------------------------- names on seals


def test_a_seal_names_its_organisation_without_the_words_of_its_use():
    assert organisation(seal("江苏省软件产品检测中心检验检测专用章")) == "江苏省软件产品检测中心"
    assert organisation(seal("南京云帆信息科技有限公司合同专用章")) == "南京云帆信息科技有限公司"
    assert organisation(seal("中华人民共和国国家版权局")) == "中华人民共和国国家版权局"


def test_seal_names_tolerate_ocr_noise_but_not_another_name():
    assert seal_names(APPLICANT, APPLICANT) is NameMatch.SAME
    assert seal_names("南京云帆信息科技有限公", APPLICANT) is NameMatch.NEAR  # last one not read
    assert seal_names("南京云帆信息科披有限公司", APPLICANT) is NameMatch.NEAR  # one misread
    assert seal_names("苏州恒通电子有限公司", APPLICANT) is NameMatch.OTHER
    assert seal_names("", APPLICANT) is NameMatch.OTHER


# --------------------------------------------------------------------------- usage report


def usage_docs(*seals: SealReading, user: object = USER) -> list[DocumentResult]:
    return with_seals(documents((CERT, USAGE), change={(USAGE, "user_organization"): user}),
                      USAGE, *seals)  # fmt: skip


def test_usage_report_stamped_by_its_user_passes(citif):
    assert check_filing(citif_filing(), usage_docs(seal(USER)), citif) == []
    # One character misread, or the last not read, on the curve: still the user's seal.
    assert check_filing(citif_filing(), usage_docs(seal("常州某制造有限公")), citif) == []


def test_usage_report_stamped_by_someone_else_is_flagged_on_the_seal(citif):
    flags = check_filing(citif_filing(), usage_docs(seal("无锡远景物流有限公司")), citif)
    flag = only(flags, "usage_report_seal_mismatch")
    assert flag.severity is Severity.WARNING
    assert flag.box == SEAL_BOX and flag.source == "usage.pdf" and flag.page == 0
    assert flag.field == "user_organization"
    assert "无锡远景物流有限公司" in flag.message and USER in flag.message
    assert "用户单位公章" in flag.message


def test_usage_report_stamped_by_the_applicant_itself_is_flagged_even_unread(citif):
    flags = check_filing(citif_filing(), usage_docs(seal(APPLICANT), user=DROP), citif)
    flags = [f for f in flags if f.code != "unreadable_field"]
    flag = only(flags, "usage_report_seal_mismatch")
    assert "申报单位自己的印章" in flag.message and "未能识别" in flag.message


def test_usage_report_seal_not_read_surely_or_user_unread_decides_nothing(citif):
    unsure = usage_docs(seal("无锡远景物流有限公司", confidence=0.5))
    assert "usage_report_seal_mismatch" not in codes(check_filing(citif_filing(), unsure, citif))
    unknown = usage_docs(seal("无锡远景物流有限公司"), user=DROP)
    assert "usage_report_seal_mismatch" not in codes(check_filing(citif_filing(), unknown, citif))


def test_a_second_seal_of_the_user_beside_another_passes(citif):
    docs = usage_docs(seal(APPLICANT), seal(USER))
    assert check_filing(citif_filing(), docs, citif) == []


def test_citif_accepts_a_signature_instead_of_the_seal_and_says_so(citif, jiangsu):
    signature = FieldValue(
        "has_signature", True, "使用人签字：", 1.0, (900.0, 2700.0, 1300.0, 2800.0)
    )
    docs = documents((CERT, USAGE), change={(USAGE, "has_seal"): False})
    assert "usage_report_not_stamped" in codes(check_filing(citif_filing(), docs, citif))
    docs[1].pages[0].fields["has_signature"] = signature
    flag = only(check_filing(citif_filing(), docs, citif), "usage_report_signed")
    assert flag.severity is Severity.INFO and flag.box == signature.box
    assert "使用人签字" in flag.message
    # A campaign that does not accept signatures still asks for the seal.
    strict = jiangsu.model_copy(update={"usage_report_must_be_stamped": True})
    strict_flags = codes(check_filing(filing(), documents((LIC, CERT, REPORT, USAGE),
                                      change={(USAGE, "has_seal"): False}), strict))  # fmt: skip
    assert "usage_report_not_stamped" in strict_flags and "usage_report_signed" not in strict_flags


# --------------------------------------------------------------------------- bound report


def bundle(*page_seals: tuple[PagePart, list[SealReading]]) -> list[DocumentResult]:
    """The clean documents, with a bound report's pages of the given parts in front."""
    docs = documents()
    parts = [
        PageResult(index=i, kind=PageKind.OTHER, part=part, seals=list(seals))
        for i, (part, seals) in enumerate(page_seals)
    ]
    licence = docs[0]
    docs[0] = replace(licence, pages=parts + [replace(licence.pages[0], index=len(parts))])
    return docs


def test_bound_report_stamped_by_the_applicant_passes(jiangsu):
    docs = bundle(
        (PagePart.REPORT_COVER, [seal(APPLICANT)]),
        (PagePart.FILING_FORM, [seal("南京云帆信息科技有限公"), seal("南京市工业和信息化局")]),
    )
    assert check_filing(filing(), docs, jiangsu) == []


def test_bound_report_cover_without_a_seal_is_flagged_on_its_page(jiangsu):
    docs = bundle((PagePart.REPORT_COVER, []), (PagePart.FILING_FORM, [seal(APPLICANT)]))
    flag = only(check_filing(filing(), docs, jiangsu), "report_not_stamped_by_applicant")
    assert flag.severity is Severity.WARNING
    assert (flag.source, flag.page, flag.box) == ("license.pdf", 0, None)
    assert (
        "征集报告封面" in flag.message
        and "未发现印章" in flag.message
        and APPLICANT in flag.message
    )


def test_bound_report_stamped_by_another_organisation_is_flagged_on_that_seal(jiangsu):
    docs = bundle((PagePart.REPORT_COVER, [seal(APPLICANT)]),
                  (PagePart.FILING_FORM, [seal("苏州恒通电子有限公司")]))  # fmt: skip
    flag = only(check_filing(filing(), docs, jiangsu), "report_not_stamped_by_applicant")
    assert (flag.page, flag.box) == (1, SEAL_BOX)
    assert "征集信息表" in flag.message and "苏州恒通电子有限公司" in flag.message


def test_bound_report_seal_that_could_not_be_read_raises_nothing(jiangsu):
    docs = bundle((PagePart.REPORT_COVER, [seal("", confidence=0.0)]),
                  (PagePart.FILING_FORM, [seal("苏州恒通电子", confidence=0.4)]))  # fmt: skip
    assert check_filing(filing(), docs, jiangsu) == []


def test_a_seal_read_as_no_more_than_a_legal_form_names_no_one(jiangsu):
    for tail in ("股份有限公司", "信有限公司", "限责任公司", "股分有限公司"):
        docs = bundle((PagePart.REPORT_COVER, [seal(APPLICANT)]),
                      (PagePart.FILING_FORM, [seal(tail, confidence=0.95)]))  # fmt: skip
        assert check_filing(filing(), docs, jiangsu) == [], tail
    docs = bundle((PagePart.REPORT_COVER, [seal(APPLICANT)]),
                  (PagePart.FILING_FORM, [seal("恒通有限公司", confidence=0.95)]))  # fmt: skip
    assert only(check_filing(filing(), docs, jiangsu), "report_not_stamped_by_applicant")
    docs = bundle((PagePart.REPORT_COVER, [seal(APPLICANT)]),
                  (PagePart.FILING_FORM, [seal("恒通公司", confidence=0.95)]))  # fmt: skip
    assert only(check_filing(filing(), docs, jiangsu), "report_not_stamped_by_applicant")


def test_loose_scans_without_a_bound_report_raise_nothing(jiangsu):
    assert check_filing(filing(), documents(), jiangsu) == []


# --------------------------------------------------------------------------- licence


def test_licence_seal_of_the_code_province_passes(jiangsu):
    docs = with_seals(documents(), LIC, seal("南京市市场监督管理局"), seal(APPLICANT))
    assert check_filing(filing(), docs, jiangsu) == []


def test_licence_seal_of_another_province_is_a_warning_on_the_seal(jiangsu):
    docs = with_seals(documents(), LIC, seal("杭州市市场监督管理局"))
    flag = only(check_filing(filing(), docs, jiangsu), "licence_seal_region_mismatch")
    assert flag.severity is Severity.WARNING and flag.box == SEAL_BOX
    assert "浙江省" in flag.message and "江苏省" in flag.message and "320100" in flag.message


def test_licence_seal_unreadable_unknown_or_not_an_authority_decides_nothing(jiangsu):
    for seals in (
        [seal("杭州市市场监督管理局", confidence=0.5)],  # not read surely
        [seal("某某市场监督管理局")],  # no known place
        [seal("杭州恒达贸易有限公司")],  # the holder's own stamp on a copy
        [],
    ):
        docs = with_seals(documents(), LIC, *seals)
        assert check_filing(filing(), docs, jiangsu) == [], seals


def test_licence_seal_agrees_with_a_code_of_its_own_province(jiangsu):
    docs = with_seals(
        documents(change={(LIC, "credit_code"): ZHEJIANG_CODE}), LIC, seal("杭州市市场监督管理局")
    )
    flags = check_filing(filing(**{"applicant.credit_code": ZHEJIANG_CODE}), docs, jiangsu)
    assert codes(flags) == ["not_registered_in_province"]


# --------------------------------------------------------------------------- test report


def test_report_seal_stands_in_for_an_institution_line_not_read(jiangsu):
    unread = documents(confidence={(REPORT, "testing_institution"): 0.3})
    assert codes(check_filing(filing(), unread, jiangsu)) == ["unreadable_field"]
    stamped = with_seals(unread, REPORT, seal("江苏省软件产品检测中心检验检测专用章"))
    assert check_filing(filing(), stamped, jiangsu) == []
    absent = with_seals(documents(change={(REPORT, "testing_institution"): DROP}), REPORT,
                        seal("江苏省软件产品检测中心"))  # fmt: skip
    assert check_filing(filing(), absent, jiangsu) == []


def test_report_seal_of_an_unlisted_institution_is_judged_on_the_seal(jiangsu):
    docs = with_seals(documents(change={(REPORT, "testing_institution"): DROP}), REPORT,
                      seal("某某信息技术检测有限公司"))  # fmt: skip
    flag = only(check_filing(filing(), docs, jiangsu), "test_institution_not_qualified")
    assert (
        flag.box == SEAL_BOX
        and "印章" in flag.message
        and "某某信息技术检测有限公司" in flag.message
    )


def test_report_seal_does_not_overrule_a_printed_line_read_surely(jiangsu):
    docs = with_seals(
        documents(change={(REPORT, "testing_institution"): "某某信息技术检测有限公司"}),
        REPORT,
        seal("江苏省软件产品检测中心"),
    )
    assert codes(check_filing(filing(), docs, jiangsu)) == ["test_institution_not_qualified"]


# --------------------------------------------------------------------------- review marks


def test_a_bound_report_cover_is_a_key_page_of_the_review_with_its_seals(jiangsu):
    from intake.presentation.review_marks import review_marks

    report = {
        "filing_id": "F-001",
        "flags": [],
        "documents": [
            {
                "document_id": 7,
                "source": "bundle.pdf",
                "pages": [
                    {"index": 0, "kind": "other", "part": "report_cover", "width": 2480,
                     "height": 3508, "fields": {},
                     "seals": [{"text": APPLICANT, "confidence": 0.97, "box": list(SEAL_BOX),
                                "centre_text": "", "code": "", "star": True}]},
                    {"index": 1, "kind": "other", "width": 2480, "height": 3508, "fields": {}},
                ],
            }
        ],
    }  # fmt: skip
    marks = review_marks(report, filing(), jiangsu)
    (cover,) = marks.key_pages
    assert cover.index == 0 and cover.kind_label == "征集报告封面"
    (mark,) = cover.seals
    assert mark.box == SEAL_BOX and mark.shown_text == APPLICANT
    assert [p.kind_label for p in marks.pages] == ["征集报告封面", "其他材料"]
