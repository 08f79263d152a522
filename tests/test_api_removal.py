"""A wrong upload removed or replaced, a page's kind set by hand: pages and files gone or read
again, the filing re-checked, the history saying who did it and why, and a person's decisions on
an upload never dropped without a confirmation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.api_support import (
    CERTIFICATE,
    LICENCE,
    REPORT,
    ScriptedEngine,
    certificate_lines,
    filing_data,
    licence_lines,
    pages_tiff,
    report_lines,
    running_service,
    scripted_pipeline,
    service_settings,
    stored_files,
    table_counts,
    wait_for_jobs,
)

WRONG = (60, 60, 60)
FILING_ID = "JS2021-320500-D001"
PRINTED_NO = "JSSC-2021-0313"


@pytest.fixture
def case(tmp_path: Path):
    """A filing whose report prints another number than filed (test_report_no_mismatch)."""
    filing = filing_data(FILING_ID)
    printed = dict(filing, product={**filing["product"], "test_report_no": PRINTED_NO})
    engine = ScriptedEngine(
        {
            LICENCE: licence_lines(filing),
            CERTIFICATE: certificate_lines(filing),
            REPORT: report_lines(printed),
            WRONG: report_lines(filing),  # the right report: its number agrees
        }
    )
    settings = service_settings(tmp_path)
    with running_service(settings, scripted_pipeline(engine)) as (client, users):
        clerk = users.headers("clerk_sz")
        assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
        files = [
            ("files", ("licence.tif", pages_tiff([LICENCE]), "image/tiff")),
            ("files", ("certificate.tif", pages_tiff([CERTIFICATE]), "image/tiff")),
            ("files", ("report.tif", pages_tiff([REPORT]), "image/tiff")),
        ]
        response = client.post(f"/api/filings/{FILING_ID}/documents", files=files, headers=clerk)
        assert response.status_code == 202, response.text
        wait_for_jobs(client, FILING_ID, clerk)
        yield client, users, settings


def _documents(client, headers) -> dict[str, dict]:
    detail = client.get(f"/api/filings/{FILING_ID}", headers=headers).json()
    return {d["source"]: d for d in detail["documents"]}


def _codes(client, headers, status: str = "open") -> list[str]:
    flags = client.get(
        "/api/flags", params={"filing_id": FILING_ID, "status": status}, headers=headers
    ).json()
    return [f["code"] for f in flags["data"]]


def _history(client, headers, action: str) -> list[dict]:
    entries = client.get(f"/api/filings/{FILING_ID}/history", headers=headers).json()["data"]
    return [e for e in entries if e["action"] == action]


def test_removing_an_upload_rechecks_and_is_in_the_history(case) -> None:
    client, users, settings = case
    clerk = users.headers("clerk_sz")
    assert "test_report_no_mismatch" in _codes(client, clerk)
    report = _documents(client, clerk)["report.tif"]
    before = set(stored_files(settings.data_dir / "files"))
    response = client.request(
        "DELETE",
        f"/api/documents/{report['id']}",
        json={"reason": "传错了另一份报告"},
        headers=clerk,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "document_id": report["id"],
        "filing_id": FILING_ID,
        "source": "report.tif",
    }
    assert set(_documents(client, clerk)) == {"licence.tif", "certificate.tif"}
    codes = _codes(client, clerk)
    assert "test_report_no_mismatch" not in codes and "missing_document" in codes
    assert client.get(f"/api/documents/{report['id']}", headers=clerk).status_code == 404
    gone = before - set(stored_files(settings.data_dir / "files"))
    assert any(p.startswith("originals/") for p in gone) and any("pages/" in p for p in gone)
    (entry,) = _history(client, clerk, "document_removed")
    assert entry["user_name"] == "clerk_sz" and entry["before"]["source"] == "report.tif"
    assert entry["before"]["decisions"] == [] and entry["after"]["reason"] == "传错了另一份报告"


def test_a_decided_flag_is_not_dropped_without_confirmation(case) -> None:
    client, users, _settings = case
    clerk, reviewer = users.headers("clerk_sz"), users.headers("reviewer")
    flags = client.get("/api/flags", params={"filing_id": FILING_ID}, headers=clerk).json()
    flag = next(f for f in flags["data"] if f["code"] == "test_report_no_mismatch")
    decided = client.post(
        f"/api/flags/{flag['id']}/decision",
        json={"decision": "dismiss", "reason": "报告编号已电话核实"},
        headers=reviewer,
    )
    assert decided.status_code == 200, decided.text
    report = _documents(client, clerk)["report.tif"]
    refused = client.request("DELETE", f"/api/documents/{report['id']}", headers=clerk)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "confirmation_required"
    assert "报告编号不一致" in error["message"] and "报告编号已电话核实" in error["message"]
    assert "report.tif" in _documents(client, clerk)  # nothing changed
    assert not _history(client, clerk, "document_removed")
    confirmed = client.request(
        "DELETE", f"/api/documents/{report['id']}", json={"confirm": True}, headers=clerk
    )
    assert confirmed.status_code == 200, confirmed.text
    (entry,) = _history(client, clerk, "document_removed")
    (decision,) = entry["before"]["decisions"]
    assert decision["flag_id"] == flag["id"] and decision["status"] == "dismissed"
    assert decision["reason"] == "报告编号已电话核实" and entry["after"]["confirmed"] is True
    kept = client.get(f"/api/flags/{flag['id']}", headers=clerk).json()
    assert kept["status"] == "resolved" and kept["reason"] == "报告编号已电话核实"


def test_replacing_an_upload_reads_the_new_file(case) -> None:
    client, users, _settings = case
    clerk = users.headers("clerk_sz")
    report = _documents(client, clerk)["report.tif"]
    new = {"file": ("report-right.tif", pages_tiff([WRONG]), "image/tiff")}
    response = client.post(
        f"/api/documents/{report['id']}/replacement",
        data={"reason": "换成正确的检测报告"},
        files=new,
        headers=clerk,
    )
    assert response.status_code == 202, response.text
    item = response.json()
    assert item["document"]["source"] == "report-right.tif" and not item["duplicate"]
    assert item["job"]["document_id"] == item["document"]["id"] != report["id"]
    wait_for_jobs(client, FILING_ID, clerk)
    assert set(_documents(client, clerk)) == {"licence.tif", "certificate.tif", "report-right.tif"}
    assert _codes(client, clerk) == []  # the right report agrees with the filing
    (entry,) = _history(client, clerk, "document_replaced")
    assert entry["before"]["source"] == "report.tif"
    assert entry["after"]["source"] == "report-right.tif"
    assert entry["after"]["reason"] == "换成正确的检测报告"


def test_replacement_refusals_leave_everything_as_it_was(case) -> None:
    client, users, _settings = case
    clerk, other = users.headers("clerk_sz"), users.headers("clerk_nj")
    docs = _documents(client, clerk)
    report = docs["report.tif"]
    url = f"/api/documents/{report['id']}/replacement"
    same = {"file": ("again.tif", pages_tiff([REPORT]), "image/tiff")}
    response = client.post(url, files=same, headers=clerk)
    assert response.status_code == 409 and "内容相同" in response.json()["error"]["message"]
    text = {"file": ("说明.txt", b"not a scan", "text/plain")}
    response = client.post(url, files=text, headers=clerk)
    assert (
        response.status_code == 415 and "不是支持的文件类型" in response.json()["error"]["message"]
    )
    elsewhere = client.request("DELETE", f"/api/documents/{report['id']}", headers=other)
    assert elsewhere.status_code == 404  # another bureau's document is not there for them
    assert _documents(client, clerk).keys() == docs.keys()
    assert not _history(client, clerk, "document_removed")
    assert not _history(client, clerk, "document_replaced")


def test_a_reviewer_sets_a_pages_kind_and_it_is_read_again(case) -> None:
    """The classifier overridden by hand: the page is read again as that kind (here the report
    taken for 其他材料, so its number is no longer compared), recorded in the history, and kept
    when the document is read again later."""
    client, users, _settings = case
    reviewer = users.headers("reviewer")
    report = _documents(client, reviewer)["report.tif"]
    url = f"/api/documents/{report['id']}/pages/0/kind"
    missing = client.post(url, json={"kind": "other"}, headers=reviewer)
    assert missing.status_code == 422 and "理由" in missing.json()["error"]["message"]
    response = client.post(url, json={"kind": "other", "reason": "这是附件清单"}, headers=reviewer)
    assert response.status_code == 202, response.text
    assert response.json()["document_id"] == report["id"]
    wait_for_jobs(client, FILING_ID, reviewer)
    stored = client.get(f"/api/filings/{FILING_ID}/report", headers=reviewer).json()
    (document,) = [d for d in stored["documents"] if d["source"] == "report.tif"]
    assert [p["kind"] for p in document["pages"]] == ["other"]
    codes = _codes(client, reviewer)
    assert "test_report_no_mismatch" not in codes and "missing_document" in codes
    again = client.post(url, json={"kind": "other", "reason": "再改一次"}, headers=reviewer)
    assert again.status_code == 409 and "已经是「其他材料」" in again.json()["error"]["message"]
    (entry,) = _history(client, reviewer, "page_kind_changed")
    assert entry["before"]["kind"] == "test_report" and entry["after"]["kind"] == "other"
    assert entry["after"]["reason"] == "这是附件清单" and entry["user_name"] == "reviewer"
    back = client.post(
        url, json={"kind": "test_report", "reason": "确是检测报告"}, headers=reviewer
    )
    assert back.status_code == 202, back.text
    wait_for_jobs(client, FILING_ID, reviewer)
    assert "test_report_no_mismatch" in _codes(client, reviewer)
    other = client.post(
        url, json={"kind": "other", "reason": "x"}, headers=users.headers("clerk_nj")
    )
    assert other.status_code == 404


def test_another_bureaus_upload_is_as_missing_for_every_new_route(case) -> None:
    """Removal, replacement and the page's kind: a clerk of another bureau gets exactly the
    answer of an id that does not exist, and nothing changes."""
    client, users, settings = case
    clerk = users.headers("clerk_nj")
    report = _documents(client, users.headers("clerk_sz"))["report.tif"]
    new = {"file": ("x.tif", pages_tiff([WRONG]), "image/tiff")}
    requests = [
        lambda i: client.request("DELETE", f"/api/documents/{i}", headers=clerk),
        lambda i: client.post(
            f"/api/documents/{i}/pages/0/kind",
            json={"kind": "other", "reason": "不是报告"},
            headers=clerk,
        ),
        lambda i: client.post(f"/api/documents/{i}/replacement", files=new, headers=clerk),
    ]
    before = table_counts(settings.effective_database_url)
    for send in requests:
        theirs, missing = send(report["id"]), send(987654)
        assert theirs.status_code == missing.status_code == 404
        shown = theirs.json()["error"]["message"].replace(str(report["id"]), "<id>")
        assert shown == missing.json()["error"]["message"].replace("987654", "<id>")
    assert table_counts(settings.effective_database_url) == before


def _upside_down(corner: tuple[int, int, int], size: tuple[int, int] = (240, 320)) -> bytes:
    """A page that reads as the script of `corner` only once turned half round: that colour
    is in its bottom-right corner, the engine looks at the top-left (ScriptedEngine)."""
    image = Image.new("RGB", size, (250, 250, 250))
    image.paste(corner, (size[0] - 20, size[1] - 20, size[0], size[1]))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _pages(client, headers, source: str) -> list[dict]:
    stored = client.get(f"/api/filings/{FILING_ID}/report", headers=headers).json()
    (document,) = [d for d in stored["documents"] if d["source"] == source]
    return document["pages"]


def test_a_reviewer_turns_a_page_and_it_is_read_upright(case) -> None:
    """A page scanned upside down, its orientation not found: turned by hand, it is read turned
    so (here only then its licence lines are seen), recorded in the history with who and why,
    and kept turned when the document is read again later."""
    client, users, _settings = case
    reviewer, clerk = users.headers("reviewer"), users.headers("clerk_sz")
    files = {"files": ("倒置.png", _upside_down(LICENCE), "image/png")}
    upload = client.post(f"/api/filings/{FILING_ID}/documents", files=files, headers=clerk)
    assert upload.status_code == 202, upload.text
    wait_for_jobs(client, FILING_ID, clerk)
    document_id = _documents(client, reviewer)["倒置.png"]["id"]
    (page,) = _pages(client, reviewer, "倒置.png")
    assert (page["kind"], page["rotation"], page["width"]) == ("other", 0, 240)
    url = f"/api/documents/{document_id}/pages/0/turn"
    missing = client.post(url, json={"turn": 180}, headers=reviewer)
    assert missing.status_code == 422 and "理由" in missing.json()["error"]["message"]
    crooked = client.post(url, json={"turn": 45, "reason": "歪了"}, headers=reviewer)
    assert crooked.status_code == 422
    response = client.post(url, json={"turn": 180, "reason": "扫描时放倒了"}, headers=reviewer)
    assert response.status_code == 202, response.text
    assert response.json()["document_id"] == document_id
    wait_for_jobs(client, FILING_ID, reviewer)
    (page,) = _pages(client, reviewer, "倒置.png")
    assert (page["kind"], page["rotation"]) == ("business_license", 180)
    (entry,) = _history(client, reviewer, "page_turned")
    assert entry["user_name"] == "reviewer" and entry["after"]["reason"] == "扫描时放倒了"
    assert entry["before"]["rotation"] == 0 and entry["after"]["turn"] == 180
    # a quarter turn more, then the kind set by hand: every re-read keeps the page's turn
    quarter = client.post(url, json={"turn": 90, "reason": "还差一点"}, headers=reviewer)
    assert quarter.status_code == 202, quarter.text
    wait_for_jobs(client, FILING_ID, reviewer)
    (page,) = _pages(client, reviewer, "倒置.png")
    assert (page["rotation"], page["width"], page["height"]) == (270, 320, 240)
    kind = client.post(
        f"/api/documents/{document_id}/pages/0/kind",
        json={"kind": "business_license", "reason": "是执照"},
        headers=reviewer,
    )
    assert kind.status_code == 202, kind.text
    wait_for_jobs(client, FILING_ID, reviewer)
    (page,) = _pages(client, reviewer, "倒置.png")
    assert (page["kind"], page["rotation"], page["width"]) == ("business_license", 270, 320)
    theirs = client.post(url, json={"turn": 90, "reason": "x"}, headers=users.headers("clerk_nj"))
    assert theirs.status_code == 404
