"""Bad input: each a 4xx with the error shape, and nothing stored changed (rows and files)."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.api_support import (
    CAMPAIGN,
    SUZHOU,
    credit_code,
    filing_data,
    page_png,
    running_service,
    service_settings,
    stored_files,
    table_counts,
    wait_for_import,
)

FILING_ID = "JS-320500-BAD-1"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    root: Path = tmp_path_factory.mktemp("bad-input")
    settings = service_settings(root, max_upload_mb=1, max_files_per_upload=3, max_import_mb=1)
    with running_service(settings) as (client, users):
        clerk = users.headers("clerk_sz")
        assert (
            client.post("/api/filings", json=filing_data(FILING_ID), headers=clerk).status_code
            == 201
        )
        yield client, users, settings


def _unchanged(service, call) -> Any:
    """Run `call`; assert that no row and no stored file was added, changed or removed."""
    _client, _users, settings = service
    rows = table_counts(settings.effective_database_url)
    files = (
        stored_files(settings.data_dir / "files") if (settings.data_dir / "files").exists() else []
    )
    response = call()
    assert table_counts(settings.effective_database_url) == rows
    after = (
        stored_files(settings.data_dir / "files") if (settings.data_dir / "files").exists() else []
    )
    assert after == files
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    assert body["error"]["message"]
    return response


def _post_filing(service, payload: bytes | None = None, json: Any = None):
    client, users, _ = service
    headers = {**users.headers("clerk_sz"), "Content-Type": "application/json"}
    if json is not None:
        return client.post("/api/filings", json=json, headers=users.headers("clerk_sz"))
    return client.post("/api/filings", content=payload, headers=headers)


def test_malformed_json(service) -> None:
    response = _unchanged(service, lambda: _post_filing(service, b'{"filing_id": "X", '))
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


def test_json_that_is_not_an_object(service) -> None:
    response = _unchanged(service, lambda: _post_filing(service, json=[1, 2]))
    assert response.status_code == 422


def test_filing_schema_error_names_the_field(service) -> None:
    data = filing_data("JS-320500-BAD-2")
    del data["applicant"]["credit_code"]
    response = _unchanged(service, lambda: _post_filing(service, json=data))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "filing_invalid"
    assert "applicant" in error["message"] and "credit_code" in error["message"]


def test_wrong_type_in_filing_names_the_field(service) -> None:
    data = filing_data("JS-320500-BAD-3", rd_investment_wan="很多")
    response = _unchanged(service, lambda: _post_filing(service, json=data))
    assert (
        response.status_code == 422 and "rd_investment_wan" in response.json()["error"]["message"]
    )


def test_unknown_campaign(service) -> None:
    data = dict(filing_data("JS-320500-BAD-4"), campaign="jiangsu-2099-nothing")
    response = _unchanged(service, lambda: _post_filing(service, json=data))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "campaign_not_found"


def test_unknown_bureau(service) -> None:
    client, users, _ = service
    data = filing_data("JS-320500-BAD-5", bureau="329999")
    response = _unchanged(
        service, lambda: client.post("/api/filings", json=data, headers=users.headers("reviewer"))
    )
    assert response.status_code == 422
    assert "bureau" in response.json()["error"]["message"]


def test_existing_filing_id_conflicts(service) -> None:
    response = _unchanged(service, lambda: _post_filing(service, json=filing_data(FILING_ID)))
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"


def test_put_with_another_id_in_the_body(service) -> None:
    client, users, _ = service
    data = filing_data("JS-320500-OTHER")
    response = _unchanged(
        service,
        lambda: client.put(
            f"/api/filings/{FILING_ID}", json=data, headers=users.headers("clerk_sz")
        ),
    )
    assert response.status_code == 422 and "filing_id" in response.json()["error"]["message"]


def _upload(service, files, filing_id: str = FILING_ID):
    client, users, _ = service
    return client.post(
        f"/api/filings/{filing_id}/documents", files=files, headers=users.headers("clerk_sz")
    )


def test_upload_over_the_size_limit(service) -> None:
    big = page_png((1, 2, 3)) + b"\x00" * (1024 * 1024 + 10)
    response = _unchanged(
        service, lambda: _upload(service, [("files", ("big.png", big, "image/png"))])
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "upload_too_large"


def test_request_over_the_total_limit(service) -> None:
    client, users, _ = service
    headers = {
        **users.headers("clerk_sz"),
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(10 * 1024 * 1024),
    }

    def call():
        return client.post(
            f"/api/filings/{FILING_ID}/documents", content=b"--x--\r\n", headers=headers
        )

    response = _unchanged(service, call)
    assert response.status_code == 413


def test_too_many_files(service) -> None:
    files = [("files", (f"p{n}.png", page_png((n, 0, 0)), "image/png")) for n in range(4)]
    response = _unchanged(service, lambda: _upload(service, files))
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("scan.png", JPEG),  # JPEG bytes under a PNG name
        ("scan.pdf", b"just some text, not a PDF at all"),
        ("notes.docx", b"PK\x03\x04 a word file"),
        ("scan.jpg", b""),
    ],
    ids=["jpeg-named-png", "text-named-pdf", "docx", "empty"],
)
def test_type_not_what_the_bytes_say(service, name: str, data: bytes) -> None:
    response = _unchanged(service, lambda: _upload(service, [("files", (name, data, "image/png"))]))
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_one_bad_file_stores_none_of_the_batch(service) -> None:
    files = [
        ("files", ("good.png", page_png((9, 9, 9)), "image/png")),
        ("files", ("bad.png", JPEG, "image/png")),
    ]
    response = _unchanged(service, lambda: _upload(service, files))
    assert response.status_code == 415


def _raw_upload(service, filename: bytes):
    """A multipart body written by hand, so that the file name reaches the server as is."""
    client, users, _ = service
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="files"; filename="'
        + filename
        + b'"\r\nContent-Type: image/png\r\n\r\n'
        + page_png((7, 7, 7))
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {
        **users.headers("clerk_sz"),
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    return client.post(f"/api/filings/{FILING_ID}/documents", content=body, headers=headers)


@pytest.mark.parametrize(
    "filename",
    [
        b"scans/licence.png",
        b"..\\..\\licence.png",
        b"licence\x01.png",
        "营业执照\u202egnp.png".encode(),
        b"a" * 300 + b".png",
    ],
    ids=["slash", "backslash", "control", "bidi-override", "too-long"],
)
def test_bad_file_names(service, filename: bytes) -> None:
    response = _unchanged(service, lambda: _raw_upload(service, filename))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "bad_file_name"


def test_upload_to_unknown_filing(service) -> None:
    files = [("files", ("a.png", page_png((3, 3, 3)), "image/png"))]
    response = _unchanged(service, lambda: _upload(service, files, filing_id="JS-NOT-THERE"))
    assert response.status_code == 404


def test_decision_value_and_unknown_routes(service) -> None:
    client, users, _ = service
    headers = users.headers("clerk_sz")
    wrong = _unchanged(
        service,
        lambda: client.post("/api/flags/1/decision", json={"decision": "maybe"}, headers=headers),
    )
    assert wrong.status_code == 422
    missing = client.get("/api/nothing-here", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    method = client.delete(f"/api/filings/{FILING_ID}", headers=headers)
    assert method.status_code == 405 and method.json()["error"]["code"] == "method_not_allowed"


# --------------------------------------------------------------------------- imports

HEADERS = [
    "申报编号",
    "送征单位名称",
    "统一社会信用代码",
    "产品名称",
    "版本号",
    "产品类别",
    "所属地区",
    "提交时间",
    "成立日期",
    "研发投入（万元）",
]


def _row(n: int, **changes: str) -> dict[str, str]:
    row = {
        "申报编号": f"JS-320500-IMP-{n}",
        "送征单位名称": f"苏州导入{n}号科技有限公司",
        "统一社会信用代码": credit_code(500 + n),
        "产品名称": f"导入测试软件{n}",
        "版本号": "V1.0",
        "产品类别": "工业软件",
        "所属地区": "苏州市",
        "提交时间": "2021-03-01 10:00",
        "成立日期": "2016-05-01",
        "研发投入（万元）": "300",
    }
    row.update(changes)
    return row


def _csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADERS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _import(
    service, data: bytes, name: str = "征集信息表.csv", campaign: str = CAMPAIGN, who="clerk_sz"
):
    client, users, _ = service
    return client.post(
        "/api/filings/import",
        files={"file": (name, data, "text/csv")},
        data={"campaign": campaign},
        headers=users.headers(who),
    )


def _imported(service, data: bytes, name: str = "征集信息表.csv", who="clerk_sz") -> dict:
    """The import of `data`, once a worker has read it (202 first, then polled)."""
    client, users, _ = service
    return wait_for_import(client, _import(service, data, name, who=who), users.headers(who))


RECORDS_OF_IMPORTS = {"imports", "audit_log"}
"""What a refused import leaves: its own record (state failed, with the reason), the audit
entry saying so, and the table as uploaded under imports/ — never a filing."""


def _no_filing_changed(service, call) -> dict:
    _client, _users, settings = service
    files = settings.data_dir / "files"

    def state():
        rows = table_counts(settings.effective_database_url)
        kept = stored_files(files) if files.exists() else []
        return (
            {k: v for k, v in rows.items() if k not in RECORDS_OF_IMPORTS},
            [f for f in kept if not f.startswith("imports/")],
        )

    before = state()
    result = call()
    assert state() == before
    return result


def test_import_with_only_bad_rows_changes_nothing(service) -> None:
    rows = [_row(1, 统一社会信用代码=""), _row(2, 成立日期="去年春天"), _row(3, 所属地区="火星")]
    body = _no_filing_changed(service, lambda: _imported(service, _csv(rows)))
    assert body["state"] == "failed" and body["error_code"] == "import_invalid"
    assert "没有可以导入的行" in body["error"] and body["result"] is None
    assert [d["row"] for d in body["details"]] == [2, 3, 4]


def test_import_of_a_file_that_is_no_table(service) -> None:
    body = _no_filing_changed(
        service, lambda: _imported(service, b"\x00\x01garbage", name="表.xlsx")
    )
    assert body["state"] == "failed" and body["error_code"] == "import_invalid"
    assert "表.xlsx" in body["error"]


def test_import_of_an_unknown_campaign(service) -> None:
    response = _unchanged(service, lambda: _import(service, _csv([_row(1)]), campaign="nope-2020"))
    assert response.status_code == 422 and response.json()["error"]["code"] == "campaign_not_found"


def test_import_over_its_limit(service) -> None:
    big = _csv([_row(1)]) + b"#" * (2 * 1024 * 1024)
    response = _unchanged(service, lambda: _import(service, big))
    assert response.status_code == 413


def test_an_import_is_seen_by_its_bureau_only(service) -> None:
    client, users, _ = service
    body = _imported(service, _csv([_row(30)]))
    own = client.get(f"/api/imports/{body['id']}", headers=users.headers("clerk_sz"))
    other = client.get(f"/api/imports/{body['id']}", headers=users.headers("clerk_nj"))
    missing = client.get("/api/imports/999999", headers=users.headers("clerk_nj"))
    assert own.status_code == 200 and own.json()["user_name"] == "clerk_sz"
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"]["message"].replace(str(body["id"]), "N") == missing.json()[
        "error"
    ]["message"].replace("999999", "N")
    assert client.get(f"/api/imports/{body['id']}", headers=users.headers("reviewer")).is_success


def test_import_keeps_good_rows_reports_bad_ones_and_is_idempotent(service) -> None:
    client, users, _ = service
    rows = [
        _row(10),
        _row(11, 统一社会信用代码=""),
        _row(12),
        _row(13, 所属地区="南京市", 申报编号="JS-320100-IMP-13"),
    ]
    first = _imported(service, _csv(rows))
    assert first["state"] == "done", first
    body = first["result"]
    assert body["created"] == ["JS-320500-IMP-10", "JS-320500-IMP-12"]
    assert [e["row"] for e in body["errors"]] == [3, 5]  # empty credit code; Nanjing's row
    again = _imported(service, _csv(rows))["result"]
    assert again["created"] == [] and again["unchanged"] == ["JS-320500-IMP-10", "JS-320500-IMP-12"]
    changed = _imported(service, _csv([_row(10, **{"研发投入（万元）": "250"})]))["result"]
    assert changed["updated"] == ["JS-320500-IMP-10"]
    reviewer = _imported(service, _csv(rows), who="reviewer")["result"]
    assert reviewer["created"] == ["JS-320100-IMP-13"] and len(reviewer["errors"]) == 1
    assert reviewer["updated"] == ["JS-320500-IMP-10"]  # back to 300 万元
    history = client.get(
        "/api/filings/JS-320500-IMP-10/history", headers=users.headers("clerk_sz")
    ).json()
    entries = history["data"]
    assert [h["action"] for h in entries] == ["filing_imported"] * 3
    assert [h["user_name"] for h in entries] == ["clerk_sz", "clerk_sz", "reviewer"]
    assert entries[1]["before"]["product"]["rd_investment_wan"] == 300
    assert entries[1]["after"]["product"]["rd_investment_wan"] == 250


def test_import_xlsx(service) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    row = _row(20)
    sheet.append([row[h] for h in HEADERS])
    sheet.append([_row(21, 产品名称="")[h] for h in HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = _imported(service, buffer.getvalue(), name="征集信息表.xlsx")["result"]
    assert result["created"] == ["JS-320500-IMP-20"]
    assert [e["row"] for e in result["errors"]] == [3]
    assert SUZHOU in {
        f["bureau"]
        for f in service[0]
        .get("/api/filings", headers=service[1].headers("clerk_sz"))
        .json()["data"]
    }
