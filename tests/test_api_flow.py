"""The service end to end on embedded defaults: filing → scans → jobs → report → review → summary."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.api_support import (
    CERTIFICATE,
    LICENCE,
    REPORT,
    SUZHOU,
    ScriptedEngine,
    certificate_lines,
    filing_data,
    licence_lines,
    page_png,
    report_lines,
    running_service,
    scripted_pipeline,
    service_settings,
    wait_for_jobs,
)
from tests.helpers import SAMPLES, assert_valid_report

FILING_ID = "JS2021-320500-T001"


def _upload(name: str, data: bytes, media: str = "image/png"):
    return ("files", (name, data, media))


@pytest.fixture
def flow(tmp_path: Path):
    filing = filing_data(FILING_ID)
    engine = ScriptedEngine(
        {
            LICENCE: licence_lines(filing, established="2015年03月05日"),
            CERTIFICATE: certificate_lines(filing),
            REPORT: report_lines(filing),
        }
    )
    with running_service(service_settings(tmp_path), scripted_pipeline(engine)) as (client, users):
        yield client, users, filing


def test_filing_to_summary(flow) -> None:
    client, users, filing = flow
    clerk = users.headers("clerk_sz")

    created = client.post("/api/filings", json=filing, headers=clerk)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "awaiting_upload"
    assert created.json()["bureau_name"] == "苏州市工业和信息化局"

    files = [
        _upload("营业执照.png", page_png(LICENCE)),
        _upload("certificate.png", page_png(CERTIFICATE)),
        _upload("report.png", page_png(REPORT)),
    ]
    accepted = client.post(f"/api/filings/{FILING_ID}/documents", files=files, headers=clerk)
    assert accepted.status_code == 202, accepted.text
    items = accepted.json()["data"]
    assert [i["document"]["source"] for i in items] == [
        "营业执照.png",
        "certificate.png",
        "report.png",
    ]
    assert all(not i["duplicate"] and i["job"]["state"] == "queued" for i in items)

    jobs = wait_for_jobs(client, FILING_ID, clerk)
    assert [j["state"] for j in jobs] == ["done"] * 3
    assert all(j["pages_done"] == j["pages_total"] == 1 for j in jobs)
    job = client.get(f"/api/jobs/{jobs[0]['id']}", headers=clerk).json()
    assert job["state"] == "done" and job["attempts"] == 1

    report = client.get(f"/api/filings/{FILING_ID}/report", headers=clerk).json()
    assert_valid_report(report)
    assert report["status"] == "flagged"
    assert [p["kind"] for d in report["documents"] for p in d["pages"]] == [
        "business_license",
        "copyright_certificate",
        "test_report",
    ]
    assert [f["code"] for f in report["flags"]] == ["established_date_mismatch"]
    flag = report["flags"][0]
    assert flag["status"] == "open" and flag["source"] == "营业执照.png" and flag["page"] == 0

    listed = client.get(
        "/api/flags", params={"bureau": SUZHOU, "status": "open"}, headers=clerk
    ).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == flag["id"]
    assert (
        client.get("/api/flags", params={"code": "credit_code_mismatch"}, headers=clerk).json()[
            "count"
        ]
        == 0
    )
    by_code = client.get(
        "/api/filings", params={"flag_code": "established_date_mismatch"}, headers=clerk
    ).json()
    assert [f["filing_id"] for f in by_code["data"]] == [FILING_ID]

    no_reason = client.post(
        f"/api/flags/{flag['id']}/decision",
        json={"decision": "dismiss", "reason": "  "},
        headers=clerk,
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["code"] == "invalid_input"
    dismissed = client.post(
        f"/api/flags/{flag['id']}/decision",
        json={"decision": "dismiss", "reason": "营业执照为变更后换发，成立日期以登记机关核准为准"},
        headers=clerk,
    )
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["status"] == "dismissed"

    after = client.get(f"/api/filings/{FILING_ID}/report", headers=clerk).json()
    assert_valid_report(after)
    assert after["status"] == "clean" and after["filing_status"] == "clean"
    assert after["flags"][0]["status"] == "dismissed"
    assert after["flags"][0]["decided_by"] == "clerk_sz"

    history = client.get(f"/api/filings/{FILING_ID}/history", headers=clerk).json()["data"]
    actions = [h["action"] for h in history]
    assert actions == ["filing_created", "documents_uploaded", "flag_raised", "flag_dismissed"]
    assert history[2]["user_name"] == "系统" and history[2]["after"]["status"] == "open"
    assert history[-1]["user_name"] == "clerk_sz"
    assert history[-1]["before"]["status"] == "open"
    assert history[-1]["after"]["reason"].startswith("营业执照为变更后换发")

    recommended = client.post(
        f"/api/filings/{FILING_ID}/recommendation", json={"decision": "recommended"}, headers=clerk
    )
    assert recommended.status_code == 200 and recommended.json()["status"] == "recommended"

    xlsx = client.get(f"/api/bureaus/{SUZHOU}/summary.xlsx", headers=clerk)
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "推荐产品汇总表" in rows[0][0]
    assert rows[1][:3] == ("序号", "申报编号", "申报单位")
    assert rows[2][1] == FILING_ID and rows[2][2] == filing["applicant"]["name"]
    header = rows[1]
    assert rows[2][header.index("核验状态")] == "推荐"
    assert rows[2][header.index("推荐意见")] == "推荐"
    # The priority conditions of notice 000 一（三）, as filed.
    assert rows[2][header.index("信创适配")] == {True: "是", False: "否"}.get(
        filing["product"].get("xinchuang_adapted"), "未填"
    )
    assert rows[2][header.index("相关专利（项）")] == filing["product"].get("patents")
    assert rows[2][header.index("参与制定标准（项）")] == filing["product"].get("standards")

    text = client.get(f"/api/bureaus/{SUZHOU}/summary.csv", headers=clerk)
    assert text.status_code == 200 and text.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"))))
    assert table[0][1] == "申报编号" and table[1][1] == FILING_ID


def test_same_file_twice_is_one_document(flow) -> None:
    client, users, filing = flow
    clerk = users.headers("clerk_sz")
    assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
    first = client.post(
        f"/api/filings/{FILING_ID}/documents",
        files=[_upload("a.png", page_png(LICENCE))],
        headers=clerk,
    ).json()["data"][0]
    again = client.post(
        f"/api/filings/{FILING_ID}/documents",
        files=[
            _upload("copy-of-a.png", page_png(LICENCE)),
            _upload("b.png", page_png(CERTIFICATE)),
        ],
        headers=clerk,
    ).json()["data"]
    assert again[0]["duplicate"] is True
    assert again[0]["document"]["id"] == first["document"]["id"]
    assert again[0]["job"]["id"] == first["job"]["id"]
    assert again[1]["duplicate"] is False
    wait_for_jobs(client, FILING_ID, clerk)
    detail = client.get(f"/api/filings/{FILING_ID}", headers=clerk).json()
    assert [d["source"] for d in detail["documents"]] == ["a.png", "b.png"]


def test_page_image_and_original(flow) -> None:
    client, users, filing = flow
    clerk = users.headers("clerk_sz")
    client.post("/api/filings", json=filing, headers=clerk)
    original = page_png(LICENCE)
    item = client.post(
        f"/api/filings/{FILING_ID}/documents", files=[_upload("a.png", original)], headers=clerk
    ).json()["data"][0]
    wait_for_jobs(client, FILING_ID, clerk)
    document_id = item["document"]["id"]
    image = client.get(f"/api/documents/{document_id}/pages/0/image", headers=clerk)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content.startswith(b"\xff\xd8\xff")
    assert (
        client.get(f"/api/documents/{document_id}/pages/1/image", headers=clerk).status_code == 404
    )
    copy = client.get(f"/api/documents/{document_id}/original", headers=clerk)
    assert copy.status_code == 200 and copy.content == original


def test_correction_keeps_ocr_value_and_rechecks(flow) -> None:
    client, users, filing = flow
    clerk = users.headers("clerk_sz")
    client.post("/api/filings", json=filing, headers=clerk)
    item = client.post(
        f"/api/filings/{FILING_ID}/documents",
        files=[_upload("licence.png", page_png(LICENCE))],
        headers=clerk,
    ).json()["data"][0]
    wait_for_jobs(client, FILING_ID, clerk)
    document_id = item["document"]["id"]
    flags = client.get("/api/flags", params={"filing_id": FILING_ID}, headers=clerk).json()["data"]
    mismatch = next(f for f in flags if f["code"] == "established_date_mismatch")

    unreadable = client.post(
        f"/api/documents/{document_id}/pages/0/corrections",
        json={"field": "established_date", "value": "不是日期"},
        headers=clerk,
    )
    assert unreadable.status_code == 422
    unknown = client.post(
        f"/api/documents/{document_id}/pages/0/corrections",
        json={"field": "software_name", "value": "x"},
        headers=clerk,
    )
    assert unknown.status_code == 422

    no_reason = client.post(
        f"/api/documents/{document_id}/pages/0/corrections",
        json={"field": "established_date", "value": "2015年3月2日"},
        headers=clerk,
    )
    assert no_reason.status_code == 422 and "理由" in no_reason.json()["error"]["message"]
    corrected = client.post(
        f"/api/documents/{document_id}/pages/0/corrections",
        json={"field": "established_date", "value": "2015年3月2日", "reason": "“2”被识别成“5”"},
        headers=clerk,
    )
    assert corrected.status_code == 201, corrected.text
    body = corrected.json()
    assert body["value"] == "2015-03-02" and body["ocr_value"] == "2015-03-05"
    assert body["state"] == "pending"  # it would clear a flag: a second person must approve
    assert client.get(f"/api/flags/{mismatch['id']}", headers=clerk).json()["status"] == "open"

    approved = client.post(
        f"/api/corrections/{body['id']}/review",
        json={"decision": "approve"},
        headers=users.headers("reviewer"),
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    assert approved.json()["reviewed_by_name"] == "reviewer"

    flag = client.get(f"/api/flags/{mismatch['id']}", headers=clerk).json()
    assert flag["status"] == "resolved"
    report = client.get(f"/api/filings/{FILING_ID}/report", headers=clerk).json()
    assert_valid_report(report)
    field = report["documents"][0]["pages"][0]["fields"]["established_date"]
    assert field["value"] == "2015-03-02"
    assert field["ocr_value"] == "2015-03-05" and field["corrected_by"] == "clerk_sz"
    assert field["correction_reason"] == "“2”被识别成“5”" and field["approved_by"] == "reviewer"
    assert "established_date_mismatch" not in [f["code"] for f in report["flags"]]
    (listed,) = report["corrections"]
    assert listed["corrected_by"] == "clerk_sz" and listed["reason"] == "“2”被识别成“5”"
    assert listed["state"] == "approved" and listed["reviewed_by"] == "reviewer"
    late = client.post(
        f"/api/flags/{mismatch['id']}/decision", json={"decision": "confirm"}, headers=clerk
    )
    assert late.status_code == 409
    history = client.get(f"/api/filings/{FILING_ID}/history", headers=clerk).json()["data"]
    correction = next(h for h in history if h["action"] == "field_corrected")
    assert correction["user_name"] == "clerk_sz"
    assert (
        correction["before"]["value"] == "2015-03-05"
        and correction["after"]["value"] == "2015-03-02"
    )
    assert [h["action"] for h in history[-2:]] == ["correction_approved", "flag_status_changed"]
    assert history[-1]["user_name"] == "reviewer"
    assert history[-1]["after"]["status"] == "resolved"


def test_decision_survives_recheck(flow) -> None:
    client, users, filing = flow
    clerk = users.headers("clerk_sz")
    client.post("/api/filings", json=filing, headers=clerk)
    client.post(
        f"/api/filings/{FILING_ID}/documents",
        files=[_upload("l.png", page_png(LICENCE))],
        headers=clerk,
    )
    wait_for_jobs(client, FILING_ID, clerk)
    flags = client.get("/api/flags", params={"filing_id": FILING_ID}, headers=clerk).json()["data"]
    target = next(f for f in flags if f["code"] == "established_date_mismatch")
    client.post(
        f"/api/flags/{target['id']}/decision", json={"decision": "confirm"}, headers=clerk
    ).raise_for_status()
    changed = dict(filing, product={**filing["product"], "category": "平台软件"})
    updated = client.put(f"/api/filings/{FILING_ID}", json=changed, headers=clerk)
    assert updated.status_code == 200, updated.text
    again = client.get(f"/api/flags/{target['id']}", headers=clerk).json()
    assert again["status"] == "confirmed"
    history = [
        h["action"]
        for h in client.get(f"/api/filings/{FILING_ID}/history", headers=clerk).json()["data"]
    ]
    assert history[-1] == "filing_updated"
    unchanged = client.put(f"/api/filings/{FILING_ID}", json=changed, headers=clerk)
    assert unchanged.status_code == 200
    assert len(
        client.get(f"/api/filings/{FILING_ID}/history", headers=clerk).json()["data"]
    ) == len(history)


def test_duplicate_application_across_filings(flow) -> None:
    client, users, filing = flow
    clerk = users.headers("clerk_sz")
    second = filing_data("JS2021-320500-T002")
    second["applicant"] = dict(filing["applicant"])
    second["product"] = dict(second["product"], name="云帆另一款软件")
    assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
    assert (
        client.get("/api/flags", params={"code": "duplicate_application"}, headers=clerk).json()[
            "count"
        ]
        == 0
    )
    assert client.post("/api/filings", json=second, headers=clerk).status_code == 201
    duplicates = client.get(
        "/api/flags", params={"code": "duplicate_application", "status": "open"}, headers=clerk
    ).json()
    assert sorted(f["filing_id"] for f in duplicates["data"]) == [FILING_ID, "JS2021-320500-T002"]
    moved = dict(second, applicant={**filing_data("x", serial=9)["applicant"]})
    assert (
        client.put("/api/filings/JS2021-320500-T002", json=moved, headers=clerk).status_code == 200
    )
    standing = client.get(
        "/api/flags", params={"code": "duplicate_application", "status": "open"}, headers=clerk
    ).json()
    assert standing["count"] == 0


def test_events_stream_job_progress(flow) -> None:
    client, users, filing = flow
    clerk = users.headers("clerk_sz")
    client.post("/api/filings", json=filing, headers=clerk)
    client.post(
        f"/api/filings/{FILING_ID}/documents",
        files=[_upload("l.png", page_png(LICENCE)), _upload("c.png", page_png(CERTIFICATE))],
        headers=clerk,
    )
    events: list[tuple[str, dict]] = []
    with client.stream("GET", f"/api/filings/{FILING_ID}/events", headers=clerk) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
    assert events[-1][0] == "end" and events[-1][1]["reason"] == "idle"
    finals = {}
    for name, data in events[:-1]:
        assert name == "job"
        finals[data["id"]] = data
    assert len(finals) == 2 and all(j["state"] == "done" for j in finals.values())


def test_lists_filter_and_page(flow) -> None:
    client, users, _filing = flow
    reviewer = users.headers("reviewer")
    for n in range(5):
        bureau = SUZHOU if n % 2 == 0 else "320100"
        data = filing_data(f"JS-L-{n}", bureau=bureau, serial=100 + n)
        assert client.post("/api/filings", json=data, headers=reviewer).status_code == 201
    everything = client.get("/api/filings", headers=reviewer).json()
    assert everything["count"] == 5
    page = client.get("/api/filings", params={"limit": 2, "offset": 2}, headers=reviewer).json()
    assert page["count"] == 5 and [f["filing_id"] for f in page["data"]] == ["JS-L-2", "JS-L-3"]
    suzhou = client.get("/api/filings", params={"bureau": SUZHOU}, headers=reviewer).json()
    assert suzhou["count"] == 3
    found = client.get("/api/filings", params={"q": "云帆103号"}, headers=reviewer).json()
    assert [f["filing_id"] for f in found["data"]] == ["JS-L-3"]
    waiting = client.get(
        "/api/filings", params={"status": "awaiting_upload"}, headers=reviewer
    ).json()
    assert waiting["count"] == 5
    assert client.get("/api/filings", params={"limit": 0}, headers=reviewer).status_code == 422


@pytest.mark.slow
def test_real_scans_of_a_sample_case(tmp_path: Path) -> None:
    """The committed sample with one mismatch, read by the real pipeline (RapidOCR)."""
    case = SAMPLES / "dev-2021-003-established_date_mismatch"
    if not (case / "filing.json").exists():
        pytest.skip("sample case dev-2021-003 not generated")
    filing = json.loads((case / "filing.json").read_text("utf-8"))
    scans = sorted(p for p in case.iterdir() if p.suffix in (".jpg", ".pdf", ".png"))
    with running_service(service_settings(tmp_path)) as (client, users):
        clerk = users.headers("clerk_sz")
        assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
        files = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in scans]
        response = client.post(
            f"/api/filings/{filing['filing_id']}/documents", files=files, headers=clerk
        )
        assert response.status_code == 202, response.text
        jobs = wait_for_jobs(client, filing["filing_id"], clerk, timeout=240)
        assert all(j["state"] == "done" for j in jobs)
        report = client.get(f"/api/filings/{filing['filing_id']}/report", headers=clerk).json()
        assert_valid_report(report)
        codes = [f["code"] for f in report["flags"]]
        assert "established_date_mismatch" in codes
        page = report["documents"][0]["pages"][0]
        image = client.get(
            f"/api/documents/{report['documents'][0]['document_id']}/pages/0/image", headers=clerk
        )
        from PIL import Image

        shown = Image.open(io.BytesIO(image.content))
        assert shown.size == (page["width"], page["height"])


def test_moving_a_filing_moves_its_jobs_and_flags(flow) -> None:
    client, users, filing = flow
    reviewer = users.headers("reviewer")
    client.post("/api/filings", json=filing, headers=reviewer)
    client.post(
        f"/api/filings/{FILING_ID}/documents",
        files=[_upload("l.png", page_png(LICENCE))],
        headers=reviewer,
    )
    (job,) = wait_for_jobs(client, FILING_ID, reviewer)
    moved = dict(filing, bureau="320100")
    assert client.put(f"/api/filings/{FILING_ID}", json=moved, headers=reviewer).status_code == 200
    suzhou, nanjing = users.headers("clerk_sz"), users.headers("clerk_nj")
    assert client.get(f"/api/jobs/{job['id']}", headers=suzhou).status_code == 404
    assert client.get(f"/api/jobs/{job['id']}", headers=nanjing).status_code == 200
    assert client.get("/api/flags", headers=suzhou).json()["count"] == 0
    flags = client.get("/api/flags", headers=nanjing).json()
    assert flags["count"] >= 1 and {f["bureau"] for f in flags["data"]} == {"320100"}


def test_jobs_are_queued_only_after_the_upload_is_committed(tmp_path: Path) -> None:
    """The queue dependency is overridden by one that looks into the database when called."""
    from api.deps import get_queue
    from intake.persistence.database import Database
    from intake.persistence.records import DocumentRecord, JobRecord

    settings = service_settings(tmp_path)
    seen: list[tuple[int, str, bool]] = []

    class LookingQueue:
        def submit(self, job_ids: list[int]) -> None:
            db = Database(settings.effective_database_url)  # another connection: commits only
            try:
                with db.session() as session:
                    for job_id in job_ids:
                        job = session.get(JobRecord, job_id)
                        document = session.get(DocumentRecord, job.document_id)
                        stored = (tmp_path / "files" / document.storage_key).is_file()
                        seen.append((job_id, job.state, stored))
            finally:
                db.dispose()

    with running_service(settings) as (client, users):
        client.app.dependency_overrides[get_queue] = LookingQueue
        clerk = users.headers("clerk_sz")
        client.post("/api/filings", json=filing_data(FILING_ID), headers=clerk)
        response = client.post(
            f"/api/filings/{FILING_ID}/documents",
            files=[_upload("a.png", page_png(LICENCE)), _upload("b.png", page_png(REPORT))],
            headers=clerk,
        )
        assert response.status_code == 202
        jobs = [item["job"]["id"] for item in response.json()["data"]]
        # Committed and stored before the queue heard of them (the in-process runner, which
        # polls too, may already have started on them).
        assert [(job_id, stored) for job_id, _state, stored in seen] == [(j, True) for j in jobs]
        assert all(state in ("queued", "running", "done") for _id, state, _stored in seen)
