"""A record nobody can bend: corrections need a reason and four eyes, decisions survive new
filings, and duplicate_application tells a clerk only that another bureau holds a filing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from intake.persistence.database import Database
from intake.persistence.records import FlagRecord
from intake.persistence.stored import filing_of
from intake.pipeline.check import campaign_for
from intake.presentation.review_marks import BoxState, review_marks
from tests.api_support import (
    CERTIFICATE,
    LICENCE,
    NANJING,
    REPORT,
    SUZHOU,
    ScriptedEngine,
    certificate_lines,
    filing_data,
    licence_lines,
    pages_tiff,
    report_lines,
    running_service,
    scripted_pipeline,
    service_settings,
    wait_for_jobs,
)
from tests.helpers import assert_valid_report

FILING_ID = "JS2021-320500-R001"
FILED_NO, PRINTED_NO = "JSSC-2021-0312", "JSSC-2021-0313"


@pytest.fixture
def case(tmp_path: Path):
    """A filing whose test report (two pages, both printing the number) disagrees with it."""
    filing = filing_data(FILING_ID)
    printed = dict(filing, product={**filing["product"], "test_report_no": PRINTED_NO})
    engine = ScriptedEngine(
        {
            LICENCE: licence_lines(filing),
            CERTIFICATE: certificate_lines(filing),
            REPORT: report_lines(printed),
        }
    )
    settings = service_settings(tmp_path)
    with running_service(settings, scripted_pipeline(engine)) as (client, users):
        admin = users.headers("admin")
        second = client.post(
            "/api/users", json={"name": "reviewer2", "role": "reviewer"}, headers=admin
        )
        assert second.status_code == 201, second.text
        users.tokens["reviewer2"] = second.json()["token"]
        clerk = users.headers("clerk_sz")
        assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
        files = [
            ("files", ("licence.tif", pages_tiff([LICENCE]), "image/tiff")),
            ("files", ("certificate.tif", pages_tiff([CERTIFICATE]), "image/tiff")),
            ("files", ("report.tif", pages_tiff([REPORT, REPORT]), "image/tiff")),
        ]
        response = client.post(f"/api/filings/{FILING_ID}/documents", files=files, headers=clerk)
        assert response.status_code == 202, response.text
        wait_for_jobs(client, FILING_ID, clerk)
        yield client, users, settings


def _flag(client, headers, code: str) -> dict:
    flags = client.get("/api/flags", params={"filing_id": FILING_ID}, headers=headers).json()
    return next(f for f in flags["data"] if f["code"] == code)


def _report_document(client, headers) -> dict:
    report = client.get(f"/api/filings/{FILING_ID}/report", headers=headers).json()
    return next(d for d in report["documents"] if d["source"] == "report.tif")


def _correct(client, headers, document_id: int, value: str, reason: str | None = "识别有误"):
    body = {"field": "report_no", "value": value}
    if reason is not None:
        body["reason"] = reason
    return client.post(
        f"/api/documents/{document_id}/pages/0/corrections", json=body, headers=headers
    )


def test_a_correction_cannot_erase_a_confirmed_flag(case) -> None:
    client, users, settings = case
    clerk, reviewer = users.headers("clerk_sz"), users.headers("reviewer")
    flag = _flag(client, clerk, "test_report_no_mismatch")
    confirmed = client.post(
        f"/api/flags/{flag['id']}/decision", json={"decision": "confirm"}, headers=clerk
    )
    assert confirmed.status_code == 200
    document_id = _report_document(client, clerk)["document_id"]

    no_reason = _correct(client, clerk, document_id, FILED_NO, reason=None)
    assert no_reason.status_code == 422 and "理由" in no_reason.json()["error"]["message"]
    blank = _correct(client, clerk, document_id, FILED_NO, reason="   ")
    assert blank.status_code == 422

    corrected = _correct(client, clerk, document_id, FILED_NO, reason="报告编号末位看错")
    assert corrected.status_code == 201, corrected.text
    correction = corrected.json()
    assert correction["state"] == "pending" and correction["reason"] == "报告编号末位看错"

    # Nothing moved: the flag keeps the decision a person made, the filing stays flagged.
    assert client.get(f"/api/flags/{flag['id']}", headers=clerk).json()["status"] == "confirmed"
    detail = client.get(f"/api/filings/{FILING_ID}", headers=clerk).json()
    assert detail["status"] == "flagged"
    again = _correct(client, clerk, document_id, FILED_NO)
    assert again.status_code == 409  # one correction of a place waits at a time

    # Four eyes: not a clerk, not its author.
    review = f"/api/corrections/{correction['id']}/review"
    assert client.post(review, json={"decision": "approve"}, headers=clerk).status_code == 403
    own = _correct(client, reviewer, document_id, FILED_NO)
    assert own.status_code == 409
    report = client.get(f"/api/filings/{FILING_ID}/report", headers=clerk).json()
    assert_valid_report(report)
    assert [c["state"] for c in report["corrections"]] == ["pending"]
    assert report["corrections"][0]["corrected_by"] == "clerk_sz"
    assert report["corrections"][0]["reason"] == "报告编号末位看错"

    approved = client.post(review, json={"decision": "approve"}, headers=reviewer)
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    standing = client.get(f"/api/flags/{flag['id']}", headers=clerk).json()
    assert standing["status"] == "resolved" and standing["decision"] == "confirmed"
    history = client.get(f"/api/filings/{FILING_ID}/history", headers=clerk).json()["data"]
    change = next(
        h
        for h in history
        if h["action"] == "flag_status_changed" and h["target"].startswith(f"flag:{flag['id']}:")
    )
    assert change["user_name"] == "reviewer"
    assert change["before"] == {"status": "confirmed"}
    assert change["after"]["status"] == "resolved"
    assert "correction_approved" in [h["action"] for h in history]

    # The boxes follow what the pages say: both pages still print the other number.
    db = Database(settings.effective_database_url)
    try:
        with db.session() as session:
            from intake.persistence.records import FilingRecord
            from intake.persistence.stored import filing_report

            record = session.get(FilingRecord, FILING_ID)
            marks = review_marks(
                filing_report(session, record),
                filing_of(record),
                campaign_for(record.campaign, settings.campaign_dirs),
            )
    finally:
        db.dispose()
    states = {
        (p.index, f.name): f.state
        for p in marks.pages
        if p.source == "report.tif"
        for f in p.fields
        if f.name == "report_no"
    }
    assert states == {(0, "report_no"): BoxState.FLAGGED, (1, "report_no"): BoxState.FLAGGED}
    pdf = client.get(f"/api/filings/{FILING_ID}/annotated.pdf", headers=clerk)
    assert pdf.status_code == 200
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf.content)) as document:
        cover = document.pages[0].extract_text()
    assert "更正（1）" in cover and "报告编号末位看错" in cover and "已批准" in cover


def test_a_pending_correction_blocks_the_recommendation_and_can_be_rejected(case) -> None:
    client, users, _settings = case
    clerk, reviewer = users.headers("clerk_sz"), users.headers("reviewer")
    flag = _flag(client, clerk, "test_report_no_mismatch")
    client.post(
        f"/api/flags/{flag['id']}/decision",
        json={"decision": "dismiss", "reason": "编号差一位，电话核实为同一份报告"},
        headers=clerk,
    ).raise_for_status()
    document_id = _report_document(client, clerk)["document_id"]
    correction = _correct(client, reviewer, document_id, FILED_NO).json()
    assert correction["state"] == "pending"
    refused = client.post(
        f"/api/filings/{FILING_ID}/recommendation",
        json={"decision": "recommended"},
        headers=clerk,
    )
    assert refused.status_code == 409 and "复核" in refused.json()["error"]["message"]

    review = f"/api/corrections/{correction['id']}/review"
    own = client.post(review, json={"decision": "approve"}, headers=reviewer)
    assert own.status_code == 403 and "另一人" in own.json()["error"]["message"]
    no_reason = client.post(review, json={"decision": "reject"}, headers=users.headers("reviewer2"))
    assert no_reason.status_code == 422
    rejected = client.post(
        review,
        json={"decision": "reject", "reason": "原件编号确为 0313"},
        headers=users.headers("reviewer2"),
    )
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert client.get(f"/api/flags/{flag['id']}", headers=clerk).json()["status"] == "dismissed"
    page = _report_document(client, clerk)["pages"][0]["fields"]["report_no"]
    assert page["value"] == PRINTED_NO and "corrected_by" not in page
    recommended = client.post(
        f"/api/filings/{FILING_ID}/recommendation",
        json={"decision": "recommended"},
        headers=clerk,
    )
    assert recommended.status_code == 200, recommended.text


def test_a_correction_that_clears_nothing_applies_at_once(case) -> None:
    client, users, _settings = case
    clerk = users.headers("clerk_sz")
    document_id = _report_document(client, clerk)["document_id"]
    response = client.post(
        f"/api/documents/{document_id}/pages/0/corrections",
        json={"field": "report_no", "value": "JSSC-2021-0314", "reason": "末位模糊"},
        headers=clerk,
    )
    assert response.status_code == 201 and response.json()["state"] == "applied"
    flag = _flag(client, clerk, "test_report_no_mismatch")
    assert flag["status"] == "open"


# --------------------------------------------------------------------------- duplicates


def _duplicate_filing(n: int, bureau: str) -> dict:
    data = filing_data(f"JS2021-{bureau}-D{n:03d}", bureau=bureau, serial=500 + n)
    template = filing_data("x", serial=500)
    data["applicant"] = dict(template["applicant"])
    return data


def test_duplicate_application_keeps_one_flag_per_filing_and_its_decision(tmp_path) -> None:
    settings = service_settings(tmp_path)
    with running_service(settings) as (client, users):
        reviewer = users.headers("reviewer")
        for n in range(3):
            created = client.post(
                "/api/filings", json=_duplicate_filing(n, SUZHOU), headers=reviewer
            )
            assert created.status_code == 201, created.text
        first = client.get(
            "/api/flags",
            params={"filing_id": f"JS2021-{SUZHOU}-D000", "code": "duplicate_application"},
            headers=reviewer,
        ).json()["data"]
        assert len(first) == 1
        dismissed = client.post(
            f"/api/flags/{first[0]['id']}/decision",
            json={"decision": "dismiss", "reason": "集团下属不同法人，已核实"},
            headers=reviewer,
        )
        assert dismissed.status_code == 200
        for n in range(3, 44):
            created = client.post(
                "/api/filings", json=_duplicate_filing(n, SUZHOU), headers=reviewer
            )
            assert created.status_code == 201, created.text
        db = Database(settings.effective_database_url)
        try:
            with db.session() as session:
                rows = session.scalar(
                    select(func.count())
                    .select_from(FlagRecord)
                    .where(FlagRecord.code == "duplicate_application")
                )
        finally:
            db.dispose()
        assert rows == 44
        kept = client.get(f"/api/flags/{first[0]['id']}", headers=reviewer).json()
        assert kept["status"] == "dismissed" and "44 项" in kept["message"]


def test_a_clerk_learns_only_that_another_bureau_holds_a_filing(tmp_path) -> None:
    with running_service(service_settings(tmp_path)) as (client, users):
        nanjing_id = f"JS2021-{NANJING}-D001"
        suzhou_id = f"JS2021-{SUZHOU}-D000"
        assert (
            client.post(
                "/api/filings",
                json=_duplicate_filing(1, NANJING),
                headers=users.headers("clerk_nj"),
            ).status_code
            == 201
        )
        clerk = users.headers("clerk_sz")
        assert (
            client.post(
                "/api/filings", json=_duplicate_filing(0, SUZHOU), headers=clerk
            ).status_code
            == 201
        )
        seen = client.get(
            "/api/flags", params={"code": "duplicate_application"}, headers=clerk
        ).json()["data"]
        assert [f["filing_id"] for f in seen] == [suzhou_id]
        assert (
            nanjing_id not in seen[0]["message"] and "其他受理单位的 1 项申报" in seen[0]["message"]
        )
        report = client.get(f"/api/filings/{suzhou_id}/report", headers=clerk).json()
        assert all(nanjing_id not in f["message"] for f in report["flags"])
        assert nanjing_id not in str(report)
        reviewer = users.headers("reviewer")
        full = client.get(f"/api/flags/{seen[0]['id']}", headers=reviewer).json()
        assert nanjing_id in full["message"]
        by_reviewer = client.get(f"/api/filings/{suzhou_id}/report", headers=reviewer).json()
        assert any(nanjing_id in f["message"] for f in by_reviewer["flags"])


def test_document_routes_do_the_same_work_for_another_bureaus_ids_and_missing_ones(case) -> None:
    client, users, settings = case
    document_id = _report_document(client, users.headers("clerk_sz"))["document_id"]
    nanjing = users.headers("clerk_nj")
    engine = client.app.state.services.db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        runs = {}
        for name, target in (("other", document_id), ("missing", document_id + 1000)):
            statements.clear()
            for route in ("", "/original", "/pages/0/image"):
                response = client.get(f"/api/documents/{target}{route}", headers=nanjing)
                assert response.status_code == 404
                assert response.json()["error"]["code"] == "not_found"
            runs[name] = list(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(runs["other"]) == len(runs["missing"])
    assert runs["other"] == runs["missing"]
