"""The synthetic-case generator: determinism, contract conformance, held-out names, committed samples."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path

import pdfplumber
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from PIL import Image, ImageOps

from core.model import PageKind
from extractors.normalize import is_valid_credit_code
from tools.synth.arrival import QUALITIES, ScannedPage, Way, turn
from tools.synth.cases import (
    QUALITY_BY_NAME,
    expected_json,
    filing_json,
    generate_case,
    plan_case,
)
from tools.synth.data import NamePools
from tools.synth.layout import Text
from tools.synth.plan import WAY_CYCLE
from tools.synth.rules import JIANGSU, expected_flags
from tools.synth.scenario import INJECTIONS, SCHEDULE

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
FULL = QUALITIES[0]

CONTRACT_FIELDS = {
    "business_license": {"credit_code", "name", "company_type", "legal_representative",
                         "registered_capital", "established_date", "business_term", "address",
                         "issue_date"},
    "copyright_certificate": {"certificate_no", "software_name", "software_version",
                              "copyright_holders", "development_completed_date",
                              "first_published_date", "registration_no", "issue_date"},
    "test_report": {"report_no", "product_name", "product_version", "client",
                    "testing_institution", "test_standard", "conclusion", "issue_date"},
    "usage_report": {"user_organization", "product_name", "has_seal", "issue_date"},
    "other": set(),
}  # fmt: skip
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
VERSION = re.compile(r"^V\d+(\.\d+)*$")


def _plans(split: str, count: int, seed: int = 11) -> list:
    return [plan_case(split, seed, i, FULL) for i in range(count)]


@pytest.fixture(scope="module")
def dev_plans() -> list:
    return _plans("dev", 30)


@pytest.fixture(scope="module")
def heldout_plans() -> list:
    return _plans("heldout", 30)


@pytest.fixture(scope="module")
def textpdf_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    return generate_case(out, "dev", 20, 2, quality="tiny")  # textpdf report, EXIF-6 photo


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_gives_the_same_bytes(tmp_path: Path, textpdf_case: Path) -> None:
    again = generate_case(tmp_path / "a", "dev", 20, 2, quality="tiny")
    assert _digest(again) == _digest(textpdf_case)
    bundle_a = generate_case(tmp_path / "a", "dev", 5, 4, bundle_pages=3, quality="tiny")
    bundle_b = generate_case(tmp_path / "b", "dev", 5, 4, bundle_pages=3, quality="tiny")
    assert _digest(bundle_a) == _digest(bundle_b)
    other_seed = plan_case("dev", 21, 2, FULL)
    assert filing_json(other_seed) != json.loads((textpdf_case / "filing.json").read_text("utf-8"))


def test_quality_changes_pixels_not_truth() -> None:
    for index in (0, 4, 9):
        full, tiny = (
            plan_case("dev", 3, index, FULL),
            plan_case("dev", 3, index, QUALITY_BY_NAME["tiny"]),
        )
        strip = ("quality", "documents")
        assert {k: v for k, v in expected_json(full).items() if k not in strip} == {
            k: v for k, v in expected_json(tiny).items() if k not in strip
        }
        assert [p["fields"] for d in expected_json(full)["documents"] for p in d["pages"]] == [
            p["fields"] for d in expected_json(tiny)["documents"] for p in d["pages"]
        ]


def test_filings_validate_against_the_contract(dev_plans: list, heldout_plans: list) -> None:
    schema = json.loads(
        resources.files("core").joinpath("contract/filing.schema.json").read_text("utf-8")
    )
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    for plan in dev_plans + heldout_plans:
        errors = [e.message for e in validator.iter_errors(filing_json(plan))]
        assert errors == [], (plan.case_id, errors)


def test_expected_fields_use_contract_names_and_normal_forms(dev_plans: list) -> None:
    for plan in dev_plans:
        for document in expected_json(plan)["documents"]:
            for page in document["pages"]:
                fields = page["fields"]
                assert set(fields) <= CONTRACT_FIELDS[page["kind"]], (
                    plan.case_id,
                    page["kind"],
                    set(fields),
                )
                assert page["rotation"] in (0, 90, 180, 270)
                for name, value in fields.items():
                    if name.endswith("_date") and value is not None:
                        assert ISO_DATE.match(value), (name, value)
                    if name.endswith("version"):
                        assert VERSION.match(value), value
                    if name in (
                        "name",
                        "client",
                        "user_organization",
                        "software_name",
                        "product_name",
                    ):
                        assert " " not in value and "(" not in value, value
                if page["kind"] == "copyright_certificate":
                    assert fields["certificate_no"].isdigit()
                    assert re.match(r"^\d{4}SR\d{7}$", fields["registration_no"])
                    assert isinstance(fields["copyright_holders"], list)
                if "test_standard" in fields:
                    assert re.match(r"^GB/T \d+(\.\d+)?-\d{4}$", fields["test_standard"])
                if page["kind"] == "usage_report":
                    assert isinstance(fields["has_seal"], bool)


def test_every_page_kind_has_its_key_fields(dev_plans: list) -> None:
    seen: dict[str, set[str]] = {}
    for plan in dev_plans:
        for document in expected_json(plan)["documents"]:
            for page in document["pages"]:
                seen.setdefault(page["kind"], set()).update(page["fields"])
    for kind, names in CONTRACT_FIELDS.items():
        assert seen[kind] == names, kind


def test_credit_codes_are_valid_unless_the_case_breaks_them(
    dev_plans: list, heldout_plans: list
) -> None:
    for plan in dev_plans + heldout_plans:
        filing = plan.truth.filing
        printed = plan.truth.dossier.license.credit_code
        broken = "invalid_credit_code" in plan.truth.scenario.injections
        assert is_valid_credit_code(printed) is not broken, plan.case_id
        assert is_valid_credit_code(filing.applicant.credit_code) is not broken
        region = printed[2:8]
        shanghai = "not_registered_in_province" in plan.truth.scenario.injections
        assert region.startswith("31" if shanghai else "32"), (plan.case_id, region)


def test_clean_cases_raise_no_flag_and_injections_raise_theirs(dev_plans: list) -> None:
    for plan in dev_plans:
        raised = {flag["code"] for flag in expected_json(plan)["flags"]}
        assert raised == set(plan.truth.scenario.injections), plan.case_id


def test_the_oracle_reacts_to_a_changed_filing() -> None:
    plan = plan_case("dev", 1, 0, FULL)
    truth = plan.truth
    assert expected_flags(truth.filing, truth.dossier, truth.present, JIANGSU) == []
    other = truth.filing.model_copy(deep=True)
    other.applicant.name = other.applicant.name + "分公司"
    other.product.rd_investment_wan = 199.0
    codes = {f.code for f in expected_flags(other, truth.dossier, truth.present, JIANGSU)}
    # the licence's company holds the copyright, so only the name and the money are wrong
    assert codes == {"applicant_name_mismatch", "rd_investment_below_minimum"}
    without_license = truth.present - {PageKind.BUSINESS_LICENSE}
    codes = {f.code for f in expected_flags(other, truth.dossier, without_license, JIANGSU)}
    assert codes == {
        "applicant_not_copyright_holder",
        "rd_investment_below_minimum",
        "missing_document",
    }
    without_report = truth.present - {PageKind.TEST_REPORT}
    codes = {f.code for f in expected_flags(truth.filing, truth.dossier, without_report, JIANGSU)}
    assert codes == {"missing_document"}


def test_schedule_covers_every_problem_and_way() -> None:
    covered = {code for scenario in SCHEDULE for code in scenario.injections}
    assert covered == set(INJECTIONS)
    assert set(WAY_CYCLE) == set(Way)
    ways = {
        way
        for i in range(len(SCHEDULE))
        for way in expected_json(plan_case("dev", 2, i, FULL))["arrival"]
    }
    assert ways == {w.value for w in Way}


def test_dev_and_heldout_never_share_a_name(dev_plans: list, heldout_plans: list) -> None:
    assert not NamePools("dev").all_brands() & NamePools("heldout").all_brands()

    def names(plans: list) -> set[str]:
        found: set[str] = set()
        for plan in plans:
            dossier = plan.truth.dossier
            found |= {
                dossier.license.name,
                dossier.license.legal_representative,
                plan.truth.filing.product.name,
            }
            found |= set(dossier.certificate.copyright_holders) - {"南京大学", "东南大学", "江南大学", "苏州大学",
                                                                    "南京邮电大学", "河海大学"}  # fmt: skip
            found |= {
                u.user_organization
                for u in dossier.usage_reports
                if "有限公司" in u.user_organization
            }
        return found

    assert not names(dev_plans) & names(heldout_plans)


def test_text_pdf_has_a_real_chinese_text_layer(textpdf_case: Path) -> None:
    expected = json.loads((textpdf_case / "expected.json").read_text("utf-8"))
    text_docs = [d for d in expected["documents"] if d["arrival"] == "textpdf"]
    assert text_docs
    for document in text_docs:
        with pdfplumber.open(textpdf_case / document["source"]) as pdf:
            text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        fields = document["pages"][0]["fields"]
        company = fields.get("client") or fields.get("user_organization")
        assert company in text.replace(" ", "")
        if "report_no" in fields:
            assert fields["report_no"] in text


def test_photos_are_upright_once_exif_is_honoured(textpdf_case: Path) -> None:
    expected = json.loads((textpdf_case / "expected.json").read_text("utf-8"))
    photos = [d for d in expected["documents"] if d["arrival"] == "photo"]
    assert any(d["pages"][0].get("exif_orientation") in (3, 6, 8) for d in photos)
    for document in photos:
        page = document["pages"][0]
        image = Image.open(textpdf_case / document["source"])
        assert image.getexif().get(0x0112) == page.get("exif_orientation")
        upright = ImageOps.exif_transpose(image)
        landscape = page["layout"] == "license_zhengben"
        assert (upright.width > upright.height) == landscape


def test_rotation_is_the_clockwise_turn_back_to_upright() -> None:
    upright = Image.new("L", (40, 60), 255)
    upright.putpixel((0, 0), 0)  # a mark at the top-left corner
    for rotation in (90, 180, 270):
        stored = turn(ScannedPage(upright.copy(), 100), rotation)
        assert stored.rotation == rotation
        back = stored.image.rotate(-rotation, expand=True)  # PIL turns counter-clockwise
        assert back.size == upright.size and back.getpixel((0, 0)) == 0


# --------------------------------------------------------------------------- committed samples


def _sample_cases() -> list[Path]:
    return sorted(p.parent for p in SAMPLES.glob("*/expected.json"))


def _page_count(path: Path) -> int:
    if path.suffix == ".pdf":
        with pdfplumber.open(path) as pdf:
            return len(pdf.pages)
    with Image.open(path) as image:
        return getattr(image, "n_frames", 1)


def test_samples_cover_every_flag_code_and_way() -> None:
    cases = _sample_cases()
    assert 12 <= len(cases) <= 16
    expected = [json.loads((case / "expected.json").read_text("utf-8")) for case in cases]
    codes = {flag["code"] for e in expected for flag in e["flags"]}
    assert codes >= set(INJECTIONS)
    assert {way for e in expected for way in e["arrival"]} == {w.value for w in Way}
    clean = [e for e in expected if e["scenario"] == "clean" and e["campaign"] == JIANGSU.id]
    assert clean and (SAMPLES / clean[0]["case_id"] / "filing.json").is_file()
    assert sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file()) <= 6_000_000


def test_sample_expectations_list_every_page_of_every_scan() -> None:
    for case in _sample_cases():
        expected = json.loads((case / "expected.json").read_text("utf-8"))
        scans = {p.name for p in case.iterdir() if p.suffix != ".json"}
        assert scans == {d["source"] for d in expected["documents"]}, case.name
        for document in expected["documents"]:
            assert _page_count(case / document["source"]) == len(document["pages"]), document[
                "source"
            ]
            assert [p["index"] for p in document["pages"]] == list(range(len(document["pages"])))


def test_samples_are_what_the_generator_makes() -> None:
    for case in _sample_cases():
        expected = json.loads((case / "expected.json").read_text("utf-8"))
        plan = plan_case(expected["split"], expected["seed"], expected["index"],
                         QUALITY_BY_NAME[expected["quality"]], expected["bundle_pages"])  # fmt: skip
        assert expected_json(plan) == expected, case.name
        assert filing_json(plan) == json.loads((case / "filing.json").read_text("utf-8"))


# --------------------------------------------------------------------------- randomised layouts


def _content_pages(plan) -> list:
    return [
        p.layout for d in plan.documents for p in d.pages if p.layout.kind is not PageKind.OTHER
    ]


@pytest.fixture(scope="module")
def random_plans() -> list:
    """30 held-out cases, one seed each: the layouts `intake bench` measures the reader on."""
    return [plan_case("heldout", 760_000 + s, s % 15, FULL) for s in range(30)]


def _licences(plans: list) -> list:
    return [page for plan in plans for page in _content_pages(plan) if page.kind is PageKind.BUSINESS_LICENSE]  # fmt: skip


def _labels(page) -> list:
    return [t for t in page.items if isinstance(t, Text) and t.role == "label"]


def _name_label_x(page) -> float:
    """Where the licence's 名称 label starts (plain, spaced, with a colon or one box a character)."""
    for item in _labels(page):
        if item.text.replace("\u3000", "").rstrip("：:") in ("名称", "企业名称", "名", "企"):
            return item.x
    raise AssertionError(f"no 名称 label on {page.layout}")


def test_heldout_draws_random_layouts_and_dev_keeps_the_fixed_ones(dev_plans, random_plans) -> None:
    fixed = {"license_zhengben", "license_fuben", "license_fuben_branch", "certificate_classic",
             "certificate_ruled", "report_cover_plain", "report_cover_boxed", "report_conclusion",
             "usage_letter", "usage_form"}  # fmt: skip
    for plan in dev_plans:
        assert plan.layouts == "fixed" and "layouts" not in expected_json(plan)
        assert {page.layout for page in _content_pages(plan)} <= fixed, plan.case_id
    for plan in random_plans:
        assert plan.layouts == "random" and expected_json(plan)["layouts"] == "random"
    licence_layouts = {page.layout for page in _licences(random_plans)}
    assert not licence_layouts & fixed
    again = plan_case("heldout", 760_003, 3, FULL, layouts="fixed")
    assert expected_json(again)["layouts"] == "fixed"
    assert {p.layout for p in _content_pages(again)} <= fixed


def test_random_layouts_vary_in_family_shape_position_font_and_label_form(random_plans) -> None:
    licences = _licences(random_plans)
    assert len(licences) >= 20
    families = {page.layout.split("_")[1] for page in licences}
    shapes = {page.layout.split("_", 2)[2].removesuffix("_aligned") for page in licences}
    assert families == {"company", "branch", "partnership", "individual"}
    assert shapes == {"two_column", "one_column", "table"}
    xs = {round(_name_label_x(page)) for page in licences}
    assert len(xs) >= 0.8 * len(licences), xs
    label_fonts = {_labels(page)[0].font.key for page in licences}
    value_fonts = {t.font.key for page in licences for t in page.items if isinstance(t, Text) and t.role == ""}  # fmt: skip
    assert len(label_fonts) >= 4 and len(value_fonts) >= 5
    spellings = {t.text.rstrip("：:") for page in licences for t in _labels(page)}
    assert {"名　　称", "名称", "经营者", "执行事务合伙人", "主要经营场所", "负责人"} <= spellings
    assert {"名", "称"} <= spellings, "no label printed as one box a character"
    covers = [p for plan in random_plans for p in _content_pages(plan) if p.layout.startswith("report_cover")]  # fmt: skip
    assert {"report_cover_unlabelled", "report_cover_labelled"} <= {p.layout for p in covers}


def test_right_hand_rows_line_up_with_the_left_only_on_aligned_layouts(random_plans) -> None:
    pages = [p for p in _licences(random_plans) if "two_column" in p.layout]
    kinds = set()
    for page in pages:
        labels = _labels(page)
        middle = page.width * 0.3  # left labels start before it, right-hand ones far after
        left = {round(t.y, 3) for t in labels if t.x < middle}
        right = [round(t.y, 3) for t in labels if t.x >= middle]
        aligned = all(y in left for y in right)
        assert aligned == page.layout.endswith("_aligned"), page.layout
        kinds.add(aligned)
    assert kinds == {True, False}


def _text_box(item: Text) -> tuple[float, float, float, float]:
    from tools.synth.layout import text_width

    width = text_width(item.text, item.font, item.size, item.tracking)
    return item.x, item.y - 0.85 * item.size, item.x + width, item.y + 0.1 * item.size


def test_random_layouts_never_print_one_line_over_another(random_plans) -> None:
    for plan in random_plans:
        for page in _content_pages(plan):
            boxes = [_text_box(t) for t in page.items if isinstance(t, Text) and not t.angle]
            for i, a in enumerate(boxes):
                for b in boxes[i + 1 :]:
                    overlap = (
                        a[0] + 2 < b[2] and b[0] + 2 < a[2] and a[1] + 2 < b[3] and b[1] + 2 < a[3]
                    )
                    assert not overlap, (plan.case_id, page.layout, a, b)
            if page.kind is PageKind.BUSINESS_LICENSE:  # the body starts below the （副本） line
                header = max(t.y for t in page.items if isinstance(t, Text) and "本）" in t.text) if any(
                    isinstance(t, Text) and "本）" in t.text for t in page.items) else 0  # fmt: skip
                assert min(t.y - t.size for t in _labels(page)) > header, page.layout


def test_random_layout_truth_is_what_the_page_prints(random_plans) -> None:
    from datetime import date

    from tools.synth.styles import DATE_FORMS, date_text, drawn_text

    checked = 0
    for plan in random_plans:
        for page in _content_pages(plan):
            text = drawn_text(page)
            for name, value in page.fields.items():
                if value is None or isinstance(value, bool):
                    continue
                if name.endswith("_date"):
                    day = date.fromisoformat(value)
                    printed = {"".join(date_text(day, form).split()) for form in DATE_FORMS}
                    assert any(p in text for p in printed), (page.layout, name, value)
                else:
                    value = "；".join(value) if isinstance(value, list) else value
                    assert "".join(value.split()) in text, (plan.case_id, page.layout, name, value)
                checked += 1
            if page.layout.startswith("license_individual"):
                assert page.fields["company_type"] == "个体工商户"
                assert (
                    "registered_capital" not in page.fields and "business_term" not in page.fields
                )
            if page.layout.startswith("license_branch"):
                assert "registered_capital" not in page.fields
                assert "分公司" in page.fields["company_type"]
    assert checked > 500


def test_random_layouts_are_deterministic(tmp_path: Path) -> None:
    first = plan_case("heldout", 760_001, 1, FULL)
    second = plan_case("heldout", 760_001, 1, FULL)
    assert [p.layout.items for d in first.documents for p in d.pages] == [
        p.layout.items for d in second.documents for p in d.pages
    ]
    a = generate_case(tmp_path / "a", "heldout", 760_002, 12, quality="tiny")
    b = generate_case(tmp_path / "b", "heldout", 760_002, 12, quality="tiny")
    assert _digest(a) == _digest(b)
    expected = json.loads((a / "expected.json").read_text("utf-8"))
    replanned = plan_case(expected["split"], expected["seed"], expected["index"],
                          QUALITY_BY_NAME[expected["quality"]], expected["bundle_pages"],
                          layouts=expected["layouts"])  # fmt: skip
    assert expected_json(replanned) == expected


def test_dates_in_chinese_numerals_read_back_as_the_same_day() -> None:
    from datetime import date

    from extractors.normalize import find_dates
    from tools.synth.styles import date_text

    assert date_text(date(2019, 10, 17), "numerals") == "二〇一九年十月十七日"
    assert date_text(date(2021, 3, 5), "numerals") == "二〇二一年三月五日"
    assert date_text(date(2020, 12, 23), "numerals") == "二〇二〇年十二月二十三日"
    for day in (date(2019, 10, 17), date(2020, 12, 20), date(2008, 1, 31)):
        for form in ("padded", "plain", "gapped", "numerals"):
            assert find_dates(date_text(day, form))[0][0] == day, (day, form)


def test_a_watermark_is_printed_at_a_slant(tmp_path: Path) -> None:
    from datetime import datetime

    from tools.synth.layout import FONTS, PageLayout
    from tools.synth.raster import rasterize, write_text_pdf

    page = PageLayout(PageKind.OTHER, "watermark", 1200, 1200)
    page.add(Text(100, 1000, "仅限首版次软件申报使用", FONTS["zenhei"], 90, (120, 120, 120), angle=35.0, role="watermark"))  # fmt: skip
    image = rasterize(page, 300).convert("L")
    dark = [
        (x, y) for x in range(0, 1200, 4) for y in range(0, 1200, 4) if image.getpixel((x, y)) < 200
    ]
    assert dark
    left, right = min(dark), max(dark)
    assert left[1] > right[1] + 300  # rising to the right: turned counter-clockwise
    write_text_pdf([page], tmp_path / "w.pdf", "w", datetime(2021, 1, 1))
    with pdfplumber.open(tmp_path / "w.pdf") as pdf:
        chars = pdf.pages[0].chars
    assert "".join(c["text"] for c in chars) == "仅限首版次软件申报使用"
    assert chars[0]["top"] > chars[-1]["top"] + 60 and chars[0]["x0"] < chars[-1]["x0"]


def test_a_branch_or_individual_licence_expects_the_independent_entity_flag():
    from tools.synth.arrival import QUALITIES
    from tools.synth.cases import expected_flag_keys, plan_case

    seen = set()
    for index in range(12):
        plan = plan_case("heldout", 731001, index, QUALITIES[0])
        layouts = [
            p.layout.layout
            for d in plan.documents
            for p in d.pages
            if p.layout.kind.value == "business_license"
        ]
        dependent = any(not lay.startswith("license_company_") for lay in layouts)
        flagged = ("not_independent_legal_entity", "company_type") in expected_flag_keys(plan)
        assert flagged == (dependent and plan.truth.scenario.campaign.independent_legal_entity)
        seen.add(flagged)
    assert seen == {True, False}
