"""The licence's QR code: decoded on a page, its codes a second reading of the printed ones."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import segno

from core.model import FieldValue, PageKind, TextLine
from extractors.normalize import credit_code_check_char
from extractors.qr import (
    CONFIRMED_CONFIDENCE,
    _decode,
    codes_in_payload,
    confirm_printed,
    qr_fields,
    read_qr_codes,
)
from intake.pipeline.read import Pipeline
from validators import check_filing
from validators.campaign import load_campaign

CODE = "91320100MA1PQR23K" + credit_code_check_char("91320100MA1PQR23K")
OTHER = "91320500MA1XYW45N" + credit_code_check_char("91320500MA1XYW45N")
URL = "http://www.gsxt.gov.cn/index.html?uniscid={}"
APPLICANT = "南京云帆信息科技有限公司"


def page_with_qr(text: str, at=(1900, 300), module: int = 8, size=(3508, 2480)) -> np.ndarray:
    """A white A4 page at 300 DPI with a QR code of `text` whose top-left corner is `at`."""
    page = np.full((*size, 3), 255, np.uint8)
    matrix = np.array(segno.make(text, error="m").matrix, dtype=np.uint8)
    symbol = np.where(np.kron(matrix, np.ones((module, module), np.uint8)), 0, 255)
    x, y = at
    h, w = symbol.shape
    page[y : y + h, x : x + w] = symbol[..., None].astype(np.uint8)
    cv2.putText(page, "YING YE ZHI ZHAO", (300, 200), cv2.FONT_HERSHEY_SIMPLEX, 3, (0, 0, 0), 6)
    return page


def test_a_qr_code_on_a_page_decodes_with_its_credit_code_and_box():
    page = page_with_qr(URL.format(CODE), at=(1900, 300))
    (reading,) = read_qr_codes(page)
    assert reading.text == URL.format(CODE)
    assert reading.credit_code == CODE
    x0, y0, x1, y1 = reading.box
    assert 1890 <= x0 <= 1960 and 290 <= y0 <= 360 and x1 > x0 + 100 and y1 > y0 + 100


def test_a_small_blurred_qr_code_is_decoded_by_the_enlarged_retry():
    # 2-pixel modules blurred as a phone camera does: found, not decoded, on the page as it is.
    page = page_with_qr(URL.format(CODE), at=(2700, 150), module=2, size=(2300, 3200))
    page = cv2.GaussianBlur(page, (0, 0), 1.0)
    grey = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    assert _decode(grey) == [] and _decode(grey, return_errors=True)
    (reading,) = read_qr_codes(page)
    assert reading.credit_code == CODE
    assert reading.box == pytest.approx((2700, 150, 2766, 216), abs=4)


def test_micro_qr_lookalikes_are_not_taken_for_a_licence_qr_code():
    # Blurred print can decode as a Micro QR symbol of a few digits; only QR Model 2 counts.
    page = page_with_qr(URL.format(CODE), at=(1200, 100), module=3, size=(1200, 1600))
    page = cv2.GaussianBlur(page, (0, 0), 1.6)
    assert all(r.credit_code in (None, CODE) for r in read_qr_codes(page))
    assert all(len(r.text) > 20 for r in read_qr_codes(page))


def test_a_page_without_a_qr_code_gives_nothing():
    page = np.full((1200, 900, 3), 255, np.uint8)
    cv2.putText(page, "NO CODE HERE", (100, 300), cv2.FONT_HERSHEY_SIMPLEX, 2, (0, 0, 0), 4)
    assert read_qr_codes(page) == []
    assert qr_fields([]) == {}


@pytest.mark.parametrize(
    "payload, credit, number",
    [
        (URL.format(CODE), CODE, None),
        (f"http://www.szcredit.com.cn/web/QyxyDetail.aspx?rid=16ff41&cid={CODE}", CODE, None),
        (f"统一社会信用代码：{CODE}\r\n企业注册号：330106000105294\r\n名称：某公司", CODE, "330106000105294"),
        (f'https://zzapp.gsxt.gov.cn/ebl?parm={{"qs":"3700001051664445343561","ei":"{CODE}"}}', CODE, None),
        ("注册号441900000054207\nhttp://gsxt.gdgs.gov.cn/?entNo=7143c710&regOrg=441918", None, "441900000054207"),
        # A code whose check character fails is not a reading; nor is an encrypted id.
        (URL.format(CODE[:-1] + ("0" if CODE[-1] != "0" else "1")), None, None),
        ("http://218.22.14.66/yzt/q.do?id=ZWFnbG9xcXl3&uniScID=amNqcG9ycXReVXNGP0xUdW9k", None, None),
        ("http://www.58pic.com/", None, None),
    ],
)  # fmt: skip
def test_codes_in_payload_only_those_passing_their_check(payload, credit, number):
    assert codes_in_payload(payload) == (credit, number)


def fv(name: str, value, confidence: float = 0.9) -> FieldValue:
    return FieldValue(name, value, str(value), confidence, (10.0, 10.0, 200.0, 40.0))


def test_confirm_printed_raises_confidence_only_where_both_readings_agree():
    qr = fv("qr_credit_code", CODE, 1.0)
    agreed = confirm_printed({"credit_code": fv("credit_code", CODE, 0.8), "qr_credit_code": qr})
    assert agreed["credit_code"].value == CODE
    assert agreed["credit_code"].confidence == CONFIRMED_CONFIDENCE
    # A valid printed code that differs is kept as printed (the rules flag it) …
    other = confirm_printed({"credit_code": fv("credit_code", OTHER, 0.8), "qr_credit_code": qr})
    assert other["credit_code"] == fv("credit_code", OTHER, 0.8)
    # … and a code the page did not yield is never taken from the QR.
    assert "credit_code" not in confirm_printed({"qr_credit_code": qr})


def test_confirm_printed_takes_the_qr_characters_for_a_look_alike_misread():
    misread = CODE.replace("1", "L", 1)  # fails the check character; L/1 look alike
    fields = confirm_printed(
        {
            "credit_code": fv("credit_code", misread, 0.7),
            "qr_credit_code": fv("qr_credit_code", CODE),
        }
    )
    assert fields["credit_code"].value == CODE
    assert fields["credit_code"].raw == misread


def test_confirm_printed_takes_the_qr_code_for_a_reading_one_character_off_failing_its_check():
    # 9 read as S: no look-alike pair, but one character from the QR's valid code, which no
    # other valid code stands that close to.
    code = "92411102MA9LUPTM9Q"
    misread = "92411102MASLUPTM9Q"
    fields = confirm_printed(
        {"credit_code": fv("credit_code", misread), "qr_credit_code": fv("qr_credit_code", code)}
    )
    assert fields["credit_code"].value == code and fields["credit_code"].raw == misread
    twice = "92411102MASLUPTM8Q"  # two characters off: left for the checks to judge
    fields = confirm_printed(
        {"credit_code": fv("credit_code", twice), "qr_credit_code": fv("qr_credit_code", code)}
    )
    assert fields["credit_code"].value == twice


class NoOcr:
    name = "none"

    def read(self, image):  # pragma: no cover - _page_result is given every line a licence prints
        raise AssertionError("no OCR in these tests")


def licence_lines(code: str) -> list[TextLine]:
    rows = ["营业执照", f"统一社会信用代码 {code}", f"名称 {APPLICANT}", "类型 有限责任公司",
            "法定代表人 张三", "住所 南京市玄武区珠江路1号", "成立日期 2015年06月01日"]  # fmt: skip
    return [
        TextLine(text, (300.0, 500.0 + 120 * i, 300.0 + 60 * len(text), 560.0 + 120 * i), 0.97)
        for i, text in enumerate(rows)
    ]


def read_licence(printed: str, in_qr: str):
    page = page_with_qr(URL.format(in_qr), at=(1900, 300))
    return Pipeline(engine=NoOcr())._page_result(0, 0, page, licence_lines(printed))


def test_the_pipeline_adds_the_qr_reading_to_a_licence_page_and_confirms_the_code():
    result = read_licence(CODE, CODE)
    assert result.kind is PageKind.BUSINESS_LICENSE
    assert result.fields["qr_credit_code"].value == CODE
    assert result.fields["qr_credit_code"].box is not None
    assert result.fields["credit_code"].confidence == CONFIRMED_CONFIDENCE


def test_the_qr_code_is_not_read_on_other_pages():
    page = page_with_qr(URL.format(CODE))
    lines = [TextLine("用户使用报告", (800.0, 200.0, 1400.0, 260.0), 0.98)]
    result = Pipeline(engine=NoOcr())._page_result(0, 0, page, lines)
    assert result.kind is not PageKind.BUSINESS_LICENSE
    assert "qr_credit_code" not in result.fields


def check_licence_page(printed: str, in_qr: str):
    from core.filing import Filing
    from core.model import DocumentResult

    page = read_licence(printed, in_qr)
    document = DocumentResult("license.jpg", "0" * 64, [page], page_count=1)
    filing = Filing.model_validate(
        {
            "filing_id": "F-QR",
            "campaign": "jiangsu-2021-first-edition",
            "bureau": "320100",
            "submitted_at": "2021-03-10T10:00:00+08:00",
            "applicant": {
                "name": APPLICANT,
                "credit_code": printed,
                "established_date": "2015-06-01",
            },
            "product": {
                "name": "云帆工业互联网平台",
                "version": "V2.0",
                "copyright_registration_no": "2021SR0123456",
                "development_completed_date": "2020-08-01",
                "copyright_holders": [APPLICANT],
                "test_report_no": "NJRJ2021-0012",
                "testing_institution": "江苏省软件产品检测中心",
                "test_standard": "GB/T 25000.51-2016",
                "rd_investment_wan": 350,
            },
        }
    )
    return check_filing(filing, [document], load_campaign("jiangsu-2021-first-edition"))


def test_a_qr_code_naming_another_credit_code_raises_license_qr_mismatch_with_both():
    flags = [f for f in check_licence_page(CODE, OTHER) if f.source == "license.jpg"]
    assert [f.code for f in flags] == ["license_qr_mismatch"]
    flag = flags[0]
    assert flag.severity == "error" and flag.field == "credit_code"
    assert CODE in flag.message and OTHER in flag.message
    assert flag.document_value == CODE


def test_a_qr_code_agreeing_with_the_print_raises_nothing_on_the_licence():
    assert [f for f in check_licence_page(CODE, CODE) if f.source == "license.jpg"] == []
