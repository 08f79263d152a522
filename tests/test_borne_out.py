"""A reading that differs from the filing, where the recogniser's own steps bear the filed
value out (its character second in its step, close behind), is a misread and raises no flag;
where the steps are sure of what they read, the mismatch stands. A name read only to where it
was cut off is no mismatch either: it asks a person."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np

from core.lattice import Lattice
from core.model import FieldValue, PageKind
from extractors.ocr import LineChars
from extractors.second_reading import with_second_readings
from intake.persistence.stored import _field_value
from intake.pipeline.report import _document, field_json
from tests.test_second_reading import _check, _reader
from tests.test_validators import APPLICANT, CERT, LIC, codes, documents, filing
from validators.borne_out import as_printed_date


def steps_of(text: str, doubt: dict[int, tuple[str, float]] | None = None) -> Lattice:
    """Steps that read `text`, each character sure (0.98) but where `doubt` puts another
    character behind it: position → (character, its probability)."""
    doubt = doubt or {}
    characters = ["blank", *dict.fromkeys(text + "".join(c for c, _ in doubt.values()))]
    rows = []
    for i, char in enumerate(text):
        row = np.zeros(len(characters), np.float32)
        other, p = doubt.get(i, ("", 0.0))
        row[characters.index(char)] = 0.98 - p
        if other:
            row[characters.index(other)] = p
        row[0] = 1.0 - row.sum()
        blank = np.zeros(len(characters), np.float32)
        blank[0] = 1.0
        rows += [row, blank]
    return Lattice.from_probabilities(np.array(rows), characters)


MISREAD = APPLICANT.replace("科技", "科枝")
AT = MISREAD.index("枝")


def _with_steps(kind: PageKind, name: str, value: object, steps: Lattice) -> list:
    docs = documents(change={(kind, name): value})
    for page in (p for d in docs for p in d.pages if p.kind is kind and name in p.fields):
        page.fields[name] = replace(page.fields[name], steps=steps)
    return docs


def test_a_name_whose_steps_bear_the_filed_one_out_is_the_filed_name_misread():
    docs = _with_steps(LIC, "name", MISREAD, steps_of(MISREAD, {AT: ("技", 0.4)}))
    assert codes(_check(filing(), docs)) == []


def test_a_name_whose_steps_are_sure_of_another_character_is_still_a_mismatch():
    docs = _with_steps(LIC, "name", MISREAD, steps_of(MISREAD, {AT: ("技", 0.005)}))
    assert codes(_check(filing(), docs)) == ["applicant_name_mismatch"]
    docs = _with_steps(LIC, "name", MISREAD, steps_of(MISREAD))  # 技 nowhere in its step
    assert codes(_check(filing(), docs)) == ["applicant_name_mismatch"]


def test_a_name_read_with_a_character_more_is_never_borne_out_by_the_steps():
    longer = APPLICANT.replace("信息", "信息港")
    docs = _with_steps(LIC, "name", longer, steps_of(longer, {longer.index("港"): ("", 0.4)}))
    assert codes(_check(filing(), docs)) == ["applicant_name_mismatch"]


def test_a_date_printed_in_han_numerals_is_borne_out_in_its_own_script():
    filed = date(2015, 3, 12)
    assert as_printed_date(filed)[-1] == "二〇一五年三月十二日"
    printed = "二〇一五年三月十三日"  # 十三 read where 十二 is printed
    steps = steps_of(printed, {printed.index("三日"): ("二", 0.4)})
    docs = _with_steps(LIC, "established_date", "2015-03-13", steps)
    assert codes(_check(filing(**{"applicant.established_date": filed.isoformat()}), docs)) == []
    steps = steps_of(printed, {printed.index("三日"): ("二", 0.001)})
    docs = _with_steps(LIC, "established_date", "2015-03-13", steps)
    flags = _check(filing(**{"applicant.established_date": filed.isoformat()}), docs)
    assert codes(flags) == ["established_date_mismatch"]


def test_a_holder_whose_steps_bear_the_applicant_out_is_the_applicant():
    docs = _with_steps(CERT, "copyright_holders", [MISREAD], steps_of(MISREAD))
    assert "applicant_not_copyright_holder" in codes(_check(filing(), docs))
    steps = steps_of(MISREAD, {AT: ("技", 0.4)})
    docs = _with_steps(CERT, "copyright_holders", [MISREAD], steps)
    assert "applicant_not_copyright_holder" not in codes(_check(filing(), docs))


def test_each_reread_field_keeps_the_steps_along_its_value_only():
    image = np.full((400, 800, 3), 255, np.uint8)
    fields = {"name": FieldValue("name", MISREAD, "称" + MISREAD, 0.9, (100, 100, 500, 140))}

    def reader(steps: Lattice):
        return lambda crop: LineChars(steps.text, 0.9, (), steps)

    steps = steps_of("称" + MISREAD, {AT + 1: ("技", 0.4)})
    again = with_second_readings(PageKind.BUSINESS_LICENSE, fields, image, reader(steps))
    kept = again["name"].steps
    assert kept is not None and kept.text == MISREAD  # the label's 称 left out
    assert kept.support(APPLICANT) > 0.5
    nothing_like = with_second_readings(
        PageKind.BUSINESS_LICENSE, fields, image, reader(steps_of("盖章"))
    )
    assert nothing_like["name"].steps is None
    no_steps = with_second_readings(PageKind.BUSINESS_LICENSE, fields, image, _reader(MISREAD, []))
    assert no_steps["name"].steps is None


def test_the_steps_are_stored_with_the_page_but_left_out_of_the_report():
    found = FieldValue("name", MISREAD, MISREAD, 0.9, (1.0, 2.0, 3.0, 4.0))
    found = replace(found, steps=steps_of(MISREAD, {AT: ("技", 0.4)}))
    stored = _field_value("name", field_json(found))
    assert stored.steps is not None and stored.steps.text == MISREAD
    assert abs(stored.steps.support(APPLICANT) - found.steps.support(APPLICANT)) < 1e-3
    doc = documents(change={(LIC, "name"): MISREAD})[0]
    doc.pages[0].fields["name"] = found
    report = _document(doc)
    assert all("steps" not in f for p in report["pages"] for f in p["fields"].values())


def test_a_name_read_only_to_where_a_watermark_cut_it_asks_a_person_instead_of_a_mismatch():
    cut = APPLICANT[:5]  # the rest lost under a watermark: it ends as no unit's name does
    flags = _check(filing(), documents(change={(LIC, "name"): cut}))
    assert codes(flags) == ["unreadable_field"]
    assert f"只识别出名称的开头「{cut}」" in flags[0].message
    branch = APPLICANT + "南京分公司"  # a whole name that is another unit's: a mismatch
    flags = codes(_check(filing(**{"applicant.name": branch}), documents()))
    assert "applicant_name_mismatch" in flags and "unreadable_field" not in flags
