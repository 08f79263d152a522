"""`intake check` as a clerk runs it: exit statuses, clear errors, and the rules that need a run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import pytest
import yaml

from intake.cli.main import main
from tests.helpers import SAMPLES, assert_valid_report

CLEAN = SAMPLES / "dev-2021-000-clean"


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out = capsys.readouterr()
    return status, out.out, out.err


def codes(report: dict) -> set[tuple[str, str | None]]:
    return {(f["code"], f["field"]) for f in report["flags"]}


@pytest.fixture
def filing(tmp_path: Path) -> dict:
    return json.loads((CLEAN / "filing.json").read_text("utf-8"))


def write(tmp_path: Path, data, name: str = "filing.json") -> Path:
    path = tmp_path / name
    path.write_text(
        json.dumps(data, ensure_ascii=False) if not isinstance(data, str) else data, "utf-8"
    )
    return path


def test_clean_case_exits_0_with_a_valid_report(capsys):
    scans = sorted(str(p) for p in CLEAN.iterdir() if p.suffix in (".pdf", ".jpg"))
    status, out, _ = run(
        capsys, "check", "--filing", str(CLEAN / "filing.json"), "--format", "json", *scans
    )
    report = json.loads(out)
    assert_valid_report(report)
    assert status == 0, report["flags"]
    assert report["status"] == "clean"
    kinds = sorted(p["kind"] for d in report["documents"] for p in d["pages"])
    assert kinds == [
        "business_license",
        "copyright_certificate",
        "test_report",
        "test_report",
        "usage_report",
    ]


def test_text_summary_uses_chinese_labels(capsys):
    status, out, _ = run(
        capsys, "check", "--filing", str(CLEAN / "filing.json"), str(CLEAN / "license.pdf")
    )
    assert status == 1  # the certificate and the test report are missing
    assert "营业执照" in out and "missing_document" in out and "疑点" in out


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda f: f["applicant"].pop("credit_code"), "applicant"),
        (lambda f: f.__setitem__("bureau", "32A500"), "bureau"),
        (
            lambda f: f["product"].__setitem__("rd_investment_wan", "很多"),
            "product/rd_investment_wan",
        ),
        (
            lambda f: f["product"].__setitem__("development_completed_date", "2020-13-01"),
            "development_completed_date",
        ),
    ],
)
def test_filing_breaking_the_schema_exits_2_naming_the_field(
    capsys, tmp_path, filing, mutate, words
):
    mutate(filing)
    status, out, err = run(
        capsys, "check", "--filing", str(write(tmp_path, filing)), str(CLEAN / "license.pdf")
    )
    assert status == 2 and out == ""
    assert words in err and "Traceback" not in err


def test_filing_that_is_not_json_exits_2(capsys, tmp_path):
    status, _, err = run(
        capsys, "check", "--filing", str(write(tmp_path, "{not json")), str(CLEAN / "license.pdf")
    )
    assert status == 2 and "不是有效的 JSON" in err and "第 1 行" in err


def test_unknown_bureau_and_campaign_exit_2(capsys, tmp_path, filing):
    filing["bureau"] = "110000"
    status, _, err = run(
        capsys, "check", "--filing", str(write(tmp_path, filing)), str(CLEAN / "license.pdf")
    )
    assert status == 2 and "110000" in err
    filing["bureau"] = "320500"
    filing["campaign"] = "jiangsu-2099"
    status, _, err = run(
        capsys, "check", "--filing", str(write(tmp_path, filing)), str(CLEAN / "license.pdf")
    )
    assert status == 2 and "jiangsu-2099" in err


def test_bad_arguments_exit_2(capsys, tmp_path):
    assert run(capsys, "check", str(CLEAN / "license.pdf"))[0] == 2  # no --filing
    status, _, err = run(
        capsys, "check", "--filing", str(CLEAN / "filing.json"), str(tmp_path / "nope.pdf")
    )
    assert status == 2 and "nope.pdf" in err


def test_unreadable_files_are_reported_and_the_rest_is_still_checked(capsys, tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    text = tmp_path / "photo.jpg"
    text.write_text("not an image", "utf-8")
    status, out, _ = run(
        capsys,
        "check",
        "--filing",
        str(CLEAN / "filing.json"),
        "--format",
        "json",
        str(empty),
        str(text),
        str(CLEAN / "license.pdf"),
    )
    report = json.loads(out)
    assert_valid_report(report)
    assert status == 1
    errors = {d["source"]: d["error"] for d in report["documents"]}
    assert errors["empty.pdf"] and errors["photo.jpg"] and errors["license.pdf"] is None
    assert ("document_unreadable", None) in codes(report)
    license_page = report["documents"][2]["pages"][0]
    assert (
        license_page["kind"] == "business_license"
        and license_page["fields"]["credit_code"]["value"]
    )


def test_a_field_that_cannot_be_read_is_flagged_not_passed(capsys, tmp_path):
    """White out the credit code on the licence: the check must say so, never pass silently."""
    from intake.pipeline.read import Pipeline

    images = {}
    page = (
        Pipeline()
        .read_document(
            CLEAN / "license.pdf",
            on_page=lambda result, image: images.__setitem__(result.index, image),
        )
        .pages[0]
    )
    x0, y0, x1, y1 = (int(v) for v in page.fields["credit_code"].box)
    image = images[0].copy()
    assert image.shape[:2] == (page.height, page.width)
    image[max(0, y0 - 8) : y1 + 8, max(0, x0 - 8) : x1 + 8] = 255
    scrubbed = tmp_path / "license.png"
    cv2.imwrite(str(scrubbed), image)
    status, out, _ = run(
        capsys, "check", "--filing", str(CLEAN / "filing.json"), "--format", "json", str(scrubbed)
    )
    report = json.loads(out)
    assert_valid_report(report)
    assert ("unreadable_field", "credit_code") in codes(report)
    assert ("credit_code_mismatch", "credit_code") not in codes(report)


def test_tesseract_engine_reads_a_page(capsys):
    status, out, _ = run(
        capsys,
        "check",
        "--engine",
        "tesseract",
        "--filing",
        str(CLEAN / "filing.json"),
        "--format",
        "json",
        str(CLEAN / "certificate.jpg"),
    )
    report = json.loads(out)
    assert_valid_report(report)
    assert report["documents"][0]["pages"][0]["kind"] == "copyright_certificate"


def test_previous_catalogue_and_duplicate_applications(capsys, tmp_path, filing):
    """Rules that need data beyond one filing: the previous list, and other filings in a batch."""
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    source = Path("validators/campaigns/jiangsu-2021-first-edition.yaml")
    campaign = yaml.safe_load(source.read_text("utf-8"))
    campaign["previous_catalog"] = {
        "title": "2020年江苏省重点领域首版次软件产品应用推广指导目录",
        "products": [{"name": filing["product"]["name"], "version": filing["product"]["version"]}],
    }
    (campaigns / source.name).write_text(yaml.safe_dump(campaign, allow_unicode=True), "utf-8")
    for n, product in enumerate(["first", "second"]):
        case = tmp_path / "cases" / product
        case.mkdir(parents=True)
        twin = dict(filing, filing_id=f"{filing['filing_id']}-{n}")
        write(case, twin)
        shutil.copy(CLEAN / "license.pdf", case / "license.pdf")
    status, _, _ = run(
        capsys,
        "batch",
        str(tmp_path / "cases"),
        "--out",
        str(tmp_path / "out"),
        "--campaign-dir",
        str(campaigns),
    )
    assert status == 1
    for n in range(2):
        report = json.loads(
            (tmp_path / "out" / f"{filing['filing_id']}-{n}.json").read_text("utf-8")
        )
        assert_valid_report(report)
        found = {code for code, _ in codes(report)}
        assert {"duplicate_application", "in_previous_catalog"} <= found
