"""A field compared with the filing is read again from its box by the second recogniser; a
comparison that either reading passes raises no mismatch, and one that neither passes still does."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.model import DocumentResult, FieldValue, Flag, PageKind
from extractors.ocr import LineChars
from extractors.second_reading import with_second_readings
from intake.persistence.stored import _field_value
from intake.pipeline.report import field_json
from intake.presentation.review_marks import review_marks
from tests.test_validators import (
    APPLICANT,
    CERT,
    CLEAN_FIELDS,
    CODE,
    JIANGSU,
    LIC,
    REPORT,
    codes,
    documents,
    filing,
    load,
)
from validators import check_filing


def _name(value: str, second: str | None = None) -> FieldValue:
    return FieldValue("name", value, value, 0.95, (100.0, 100.0, 500.0, 140.0), second)


def _reader(text: str, seen: list[tuple[int, int]]):
    def read(crop: np.ndarray) -> LineChars:
        seen.append(crop.shape[:2])
        return LineChars(text, 0.9, ())

    return read


def test_each_reread_field_gets_what_its_box_reads_parsed_as_the_field_is():
    image = np.full((400, 800, 3), 255, np.uint8)
    seen: list[tuple[int, int]] = []
    fields = {
        "name": _name("无锡市云帆科技有限公司"),
        "business_term": FieldValue("business_term", "长期", "长期", 0.9, (1, 1, 90, 30)),
    }
    again = with_second_readings(
        PageKind.BUSINESS_LICENSE, fields, image, _reader("名称 无锡市云航科技有限公司", seen)
    )
    assert again["name"].second == "无锡市云航科技有限公司"
    assert again["name"].value == "无锡市云帆科技有限公司"  # the value itself stays
    assert again["business_term"].second is None  # not compared with the filing: not read again
    assert seen == [(12 + 40 + 12 + 1, 4 + 400 + 3 + 1)]  # the box, 0.3 of its height above and
    # below, under a tenth of it to each side: the label before it stays out


@pytest.mark.parametrize(
    ("read", "kept"),
    [
        ("尔无锡市云帆科技有限公司", "无锡市云帆科技有限公司"),  # 称 of 名称, cut in two
        ("无锡市云帆科技有限公司司", "无锡市云帆科技有限公司"),
        (
            "尔无锡市云航科技有限公司",
            "无锡市云航科技有限公司",
        ),  # the character read otherwise stays
        ("南赣氏粮花有限公司", "南赣氏粮花有限公司"),  # far from the value: left as read
    ],
)
def test_a_character_the_margin_took_in_at_an_end_is_dropped(read, kept):
    image = np.full((400, 800, 3), 255, np.uint8)
    fields = {"name": _name("无锡市云帆科技有限公司" if "粮" not in read else "么%限分")}
    again = with_second_readings(PageKind.BUSINESS_LICENSE, fields, image, _reader(read, []))
    assert again["name"].second == kept


def test_a_second_reading_that_parses_to_nothing_leaves_the_field_alone():
    image = np.full((400, 800, 3), 255, np.uint8)
    fields = {
        "established_date": FieldValue("established_date", "2015-03-02", "", 0.9, (0, 0, 300, 40))
    }
    again = with_second_readings(PageKind.BUSINESS_LICENSE, fields, image, _reader("~~", []))
    assert again == fields


def _read_twice(kind: PageKind, name: str, second: object) -> list[DocumentResult]:
    docs = documents()
    for page in (p for d in docs for p in d.pages if p.kind is kind and name in p.fields):
        page.fields[name] = replace(page.fields[name], second=second)
    return docs


def _check(filing_: object, docs: list[DocumentResult]) -> list[Flag]:
    return check_filing(filing_, docs, load(JIANGSU))


@pytest.mark.parametrize(
    ("kind", "name", "filed", "misread"),
    [
        (LIC, "name", {"applicant.name": APPLICANT}, "南京云帆信息科枝有限公司"),
        (LIC, "credit_code", {}, CODE[:-2] + "ZZ"),
        (CERT, "registration_no", {}, "2021SR0128456"),
        (REPORT, "report_no", {}, "NJRJ2021-0018"),
    ],
)
def test_a_misread_the_second_reading_does_not_share_raises_no_mismatch(kind, name, filed, misread):
    read_once = documents(change={(kind, name): misread})
    assert _check(filing(**filed), read_once), "the misread alone is a mismatch"
    docs = _read_twice(kind, name, CLEAN_FIELDS[kind][name])
    for page in (p for d in docs for p in d.pages if p.kind is kind and name in p.fields):
        page.fields[name] = replace(page.fields[name], value=misread)
    assert codes(_check(filing(**filed), docs)) == []


def test_a_name_both_readings_read_otherwise_is_still_a_mismatch():
    docs = _read_twice(LIC, "name", "南京云航信息科技有限公司")
    flags = _check(filing(**{"applicant.name": "南京云航信息科技股份公司"}), docs)
    assert "applicant_name_mismatch" in codes(flags)
    docs = _read_twice(LIC, "name", "南京云帆信息科技有限公司")  # the second agrees with the first
    flags = _check(filing(**{"applicant.name": "南京云航信息科技有限公司"}), docs)
    assert codes(flags) == ["applicant_name_mismatch"]


def test_a_holder_the_second_reading_reads_as_the_applicant_is_the_applicant():
    misread = ["南京云帆信息科枝有限公司"]
    docs = documents(change={(CERT, "copyright_holders"): misread})
    assert "applicant_not_copyright_holder" in codes(_check(filing(), docs))
    for page in (p for d in docs for p in d.pages if p.kind is CERT):
        holders = page.fields["copyright_holders"]
        page.fields["copyright_holders"] = replace(holders, second=[APPLICANT])
    assert "applicant_not_copyright_holder" not in codes(_check(filing(), docs))


def test_the_second_reading_goes_into_the_report_and_comes_back_from_storage():
    found = _name("无锡市云帆科技有限公司", "无锡市云航科技有限公司")
    stored = field_json(found)
    assert stored["second"] == "无锡市云航科技有限公司"
    assert _field_value("name", stored) == found
    assert "second" not in field_json(_name("无锡市云帆科技有限公司"))


def test_the_review_shows_a_second_reading_that_differs_beside_the_value():
    read = {"value": "南京云帆信息科枝有限公司", "raw": None, "confidence": 0.9}
    fields = {
        "name": read | {"box": [10, 10, 400, 40], "second": APPLICANT},
        "established_date": read
        | {"value": "2015-06-01", "box": [10, 50, 300, 80]}
        | {"second": "2015-06-01"},
    }
    page = {"index": 0, "kind": "business_license", "width": 800, "height": 600, "fields": fields}
    report = {
        "filing_id": "F-001",
        "flags": [],
        "documents": [{"document_id": 1, "source": "licence.jpg", "pages": [page]}],
    }
    (licence,) = review_marks(report, filing(), load(JIANGSU)).key_pages
    shown = {mark.name: mark.shown_second for mark in licence.fields}
    assert shown == {"name": APPLICANT, "established_date": None}  # the same reading: not twice


def test_a_value_both_recognisers_read_the_same_is_sure_whatever_the_first_confidence():
    unsure = documents(confidence={(LIC, "established_date"): 0.5})
    assert codes(_check(filing(), unsure)) == ["unreadable_field"]
    agreed = _read_twice(LIC, "established_date", CLEAN_FIELDS[LIC]["established_date"])
    for page in (p for d in agreed for p in d.pages if p.kind is LIC):
        page.fields["established_date"] = replace(page.fields["established_date"], confidence=0.5)
    assert codes(_check(filing(), agreed)) == []
    other = _read_twice(LIC, "established_date", "2015-06-07")  # read otherwise: still unsure
    for page in (p for d in other for p in d.pages if p.kind is LIC):
        page.fields["established_date"] = replace(page.fields["established_date"], confidence=0.5)
    assert codes(_check(filing(), other)) == ["unreadable_field"]
