"""The licence against itself: old licences with a 15-digit 注册号, and the licence's QR code."""

from __future__ import annotations

import pytest

from core.model import PageKind
from extractors.fields import extract_fields
from extractors.normalize import is_valid_registration_number, normalize_registration_number
from extractors.values import parse_licence_number
from tests.test_fields import line
from tests.test_validators import (
    CODE,
    DROP,
    LIC,
    OTHER_JIANGSU_CODE,
    ZHEJIANG_CODE,
    codes,
    documents,
    filing,
    fv,
)
from validators import check_filing
from validators.campaign import load_campaign

OLD_NUMBER = "320100000123455"  # a 15-digit 注册号 of 南京 that passes MOD 11,10


@pytest.fixture(scope="module")
def jiangsu():
    return load_campaign("jiangsu-2021-first-edition")


# --------------------------------------------------------------------------- the 注册号


@pytest.mark.parametrize(
    "number, valid",
    [
        ("441900000054207", True),
        ("330106000105294", True),
        ("210137000006367", True),
        ("110108005506778", True),
        (OLD_NUMBER, True),
        ("441900000054208", False),  # last digit changed
        ("441900000045207", False),  # two digits swapped
        ("44190000005420", False),
        ("44190000005420X", False),
    ],
)
def test_registration_number_check_digit_is_iso_7064_mod_11_10(number, valid):
    assert is_valid_registration_number(number) is valid


def test_registration_number_is_found_in_the_text_with_ocr_look_alikes_read_as_digits():
    assert normalize_registration_number("注册号：44O111OOO622708") == "440111000622708"
    assert normalize_registration_number("注 册 号 4401 1100 0622 708") == "440111000622708"
    # One failing its check is kept as printed, so the flag can say so; other runs are not it.
    assert normalize_registration_number("440111000622709") == "440111000622709"
    assert normalize_registration_number("编号 320581000201604010285") is None
    assert parse_licence_number("91440300MA5DNXMQ6G").ok is False


def test_an_old_licence_gives_its_registration_number_and_no_credit_code():
    lines = [
        line("企业法人营业执照", 700, 0),
        line(f"注册号 {OLD_NUMBER}", 1200, 1),
        line("名称 南京云帆信息科技有限公司", 200, 2),
        line("成立日期 2009年05月27日", 200, 3),
    ]
    fields = extract_fields(PageKind.BUSINESS_LICENSE, lines)
    assert fields["registration_number"].value == OLD_NUMBER
    assert fields["registration_number"].box is not None
    assert "credit_code" not in fields


# --------------------------------------------------------------------------- outdated_license


def old_licence():
    return documents(change={(LIC, "credit_code"): DROP})


def with_registration_number(docs, number=OLD_NUMBER):
    page = docs[0].pages[0]
    page.fields["registration_number"] = fv(LIC, "registration_number", number)
    return docs


def test_an_old_licence_raises_outdated_license_and_no_unreadable_credit_code(jiangsu):
    flags = check_filing(filing(), with_registration_number(old_licence()), jiangsu)
    assert codes(flags) == ["outdated_license"]
    flag = flags[0]
    assert flag.severity == "warning"
    assert flag.field == "registration_number" and flag.document_value == OLD_NUMBER
    assert OLD_NUMBER in flag.message and CODE in flag.message and "换发" in flag.message
    assert "校验位" not in flag.message
    assert flag.source == "license.pdf" and flag.box is not None


def test_an_old_licence_whose_number_fails_its_check_says_so(jiangsu):
    wrong = OLD_NUMBER[:-1] + str((int(OLD_NUMBER[-1]) + 1) % 10)
    flags = check_filing(filing(), with_registration_number(old_licence(), wrong), jiangsu)
    assert codes(flags) == ["outdated_license"]
    assert "校验位不正确" in flags[0].message


def test_on_an_old_licence_the_rules_judge_the_filings_credit_code(jiangsu):
    typed = filing(**{"applicant.credit_code": ZHEJIANG_CODE})
    flags = check_filing(typed, with_registration_number(old_licence()), jiangsu)
    assert sorted(codes(flags)) == ["not_registered_in_province", "outdated_license"]
    province = next(f for f in flags if f.code == "not_registered_in_province")
    assert "旧版" in province.message and ZHEJIANG_CODE in province.message


def test_a_licence_with_a_credit_code_raises_no_outdated_license(jiangsu):
    assert check_filing(filing(), documents(), jiangsu) == []
    # Printed both (a transitional licence): the credit code is there, nothing is outdated.
    assert check_filing(filing(), with_registration_number(documents()), jiangsu) == []


def test_a_licence_with_neither_code_still_asks_a_person_for_the_credit_code(jiangsu):
    docs = documents(change={(LIC, "credit_code"): DROP})
    flags = check_filing(filing(), docs, jiangsu)
    assert "outdated_license" not in codes(flags)
    assert codes(flags) == ["unreadable_field"] and flags[0].field == "credit_code"


def test_an_unreadable_registration_number_is_no_old_licence(jiangsu):
    docs = documents(change={(LIC, "credit_code"): DROP})
    docs[0].pages[0].fields["registration_number"] = fv(LIC, "registration_number", OLD_NUMBER, 0.2)
    flags = check_filing(filing(), docs, jiangsu)
    assert "outdated_license" not in codes(flags)
    assert ("unreadable_field", "credit_code") in [(f.code, f.field) for f in flags]


# --------------------------------------------------------------------------- license_qr_mismatch


def with_qr(docs, code, printed_confidence=0.95):
    fields = docs[0].pages[0].fields
    fields["qr_credit_code"] = fv(LIC, "qr_credit_code", code, 1.0)
    fields["credit_code"] = fv(LIC, "credit_code", fields["credit_code"].value, printed_confidence)
    return docs


def test_a_qr_code_naming_another_code_raises_license_qr_mismatch(jiangsu):
    flags = check_filing(filing(), with_qr(documents(), OTHER_JIANGSU_CODE), jiangsu)
    assert codes(flags) == ["license_qr_mismatch"]
    flag = flags[0]
    assert flag.severity == "error" and flag.field == "credit_code"
    assert CODE in flag.message and OTHER_JIANGSU_CODE in flag.message
    assert flag.document_value == CODE and flag.source == "license.pdf"


def test_a_qr_code_agreeing_with_the_print_raises_nothing(jiangsu):
    assert check_filing(filing(), with_qr(documents(), CODE), jiangsu) == []


def test_a_misread_printed_code_is_no_qr_mismatch(jiangsu):
    misread = CODE[:-1] + ("0" if CODE[-1] != "0" else "1")  # fails its check character
    docs = with_qr(documents(change={(LIC, "credit_code"): misread}), CODE)
    assert "license_qr_mismatch" not in codes(check_filing(filing(), docs, jiangsu))
    # Nor is a printed code read with too little confidence to be relied on.
    docs = with_qr(documents(), OTHER_JIANGSU_CODE, printed_confidence=0.2)
    assert "license_qr_mismatch" not in codes(check_filing(filing(), docs, jiangsu))
