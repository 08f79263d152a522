"""reused_scan through the service: one licence uploaded for two applicants is flagged on both;
a clerk learns that another bureau holds such a filing, never which; a reviewer reads which;
another applicant's own licence, and the same applicant's second filing, raise nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api_support import (
    NANJING,
    ScriptedEngine,
    filing_data,
    licence_lines,
    page_png,
    running_service,
    scripted_pipeline,
    service_settings,
    wait_for_jobs,
)

SHARED, OWN = (235, 235, 225), (225, 235, 235)
"""The page colours the scripted engine reads: one sheet scanned for two applicants, and
another applicant's own licence."""

SCOPE = (
    "经营范围 软件开发；信息系统集成服务；信息技术咨询服务；数据处理和存储支持服务；"
    "计算机软硬件及辅助设备零售；网络技术服务（依法须经批准的项目，经相关部门批准后方可开展经营活动）"
)
OTHER_SCOPE = (
    "经营范围 工业自动化控制系统装置制造；机械设备研发；电气设备销售；五金产品批发；"
    "技术服务、技术开发、技术转让（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
)


def _upload(client, filing_id: str, color, headers) -> None:
    files = [("files", ("营业执照.png", page_png(color), "image/png"))]
    response = client.post(f"/api/filings/{filing_id}/documents", files=files, headers=headers)
    assert response.status_code == 202, response.text
    wait_for_jobs(client, filing_id, headers)


def _reused(client, filing_id: str, headers) -> list[dict]:
    flags = client.get(f"/api/flags?filing_id={filing_id}", headers=headers).json()["data"]
    return [f for f in flags if f["code"] == "reused_scan" and f["status"] != "resolved"]


@pytest.fixture
def service(tmp_path: Path):
    first = filing_data("JS2021-320500-R001", serial=1)
    other = filing_data("JS2021-320500-R004", serial=4)
    other["applicant"]["address"] = "苏州市吴中区东吴北路88号"
    other["applicant"]["legal_representative"] = "李四"
    engine = ScriptedEngine(
        {
            SHARED: [*licence_lines(first), SCOPE],
            OWN: [
                *licence_lines(other, established="2012年07月19日", company_type="股份有限公司"),
                OTHER_SCOPE,
            ],
        }
    )
    with running_service(service_settings(tmp_path / "data"), scripted_pipeline(engine)) as (
        client,
        users,
    ):
        yield client, users, first, other


def test_one_sheet_for_two_applicants_is_flagged_on_both(service) -> None:
    client, users, first, other = service
    clerk_sz, clerk_nj = users.headers("clerk_sz"), users.headers("clerk_nj")
    reviewer = users.headers("reviewer")
    second = filing_data("JS2021-320500-R002", serial=2)
    third = filing_data("JS2021-320100-R003", bureau=NANJING, serial=3)
    for filing, clerk in ((first, clerk_sz), (second, clerk_sz), (third, clerk_nj)):
        assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
    _upload(client, first["filing_id"], SHARED, clerk_sz)
    assert _reused(client, first["filing_id"], clerk_sz) == []  # nobody else has it yet

    _upload(client, second["filing_id"], SHARED, clerk_sz)
    (on_second,) = _reused(client, second["filing_id"], clerk_sz)
    (on_first,) = _reused(client, first["filing_id"], clerk_sz)
    assert on_second["severity"] == "warning" and on_second["page"] == 0
    assert f"本单位受理的申报 {first['filing_id']}" in on_second["message"]
    assert f"本单位受理的申报 {second['filing_id']}" in on_first["message"]

    _upload(client, third["filing_id"], SHARED, clerk_nj)
    (on_third,) = _reused(client, third["filing_id"], clerk_nj)
    assert "其他受理单位的 2 项申报" in on_third["message"]
    assert first["filing_id"] not in on_third["message"]
    (seen_by_reviewer,) = _reused(client, third["filing_id"], reviewer)
    assert first["filing_id"] in seen_by_reviewer["message"]
    assert "苏州市工业和信息化局" in seen_by_reviewer["message"]
    (on_first,) = _reused(client, first["filing_id"], clerk_sz)
    assert "其他受理单位的 1 项申报" in on_first["message"]
    assert third["filing_id"] not in on_first["message"]

    # A person's decision survives the next filing that shares the sheet.
    dismissed = client.post(
        f"/api/flags/{on_first['id']}/decision",
        json={"decision": "dismiss", "reason": "两家单位为母子公司，共用执照复印件已核实"},
        headers=reviewer,
    )
    assert dismissed.status_code == 200, dismissed.text
    fourth = filing_data("JS2021-320500-R005", serial=5)
    assert client.post("/api/filings", json=fourth, headers=clerk_sz).status_code == 201
    _upload(client, fourth["filing_id"], SHARED, clerk_sz)
    (on_first,) = _reused(client, first["filing_id"], clerk_sz)
    assert on_first["status"] == "dismissed"


def test_another_applicants_own_licence_and_the_same_applicant_raise_nothing(service) -> None:
    client, users, first, other = service
    clerk = users.headers("clerk_sz")
    again = filing_data("JS2021-320500-R006", serial=1)  # the same applicant, a second product
    for filing in (first, other, again):
        assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
    _upload(client, first["filing_id"], SHARED, clerk)
    _upload(client, other["filing_id"], OWN, clerk)
    _upload(client, again["filing_id"], SHARED, clerk)
    for filing in (first, other, again):
        assert _reused(client, filing["filing_id"], clerk) == []
