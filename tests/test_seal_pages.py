"""A seal read on an uploaded page, through the service: stored with its page, in the report, drawn
on the review page with its text, its flag boxed on the seal and listed in the annotated PDF."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber

from core.model import PageKind, SealReading
from extractors import seal_text
from tests.api_support import (
    LICENCE,
    ScriptedEngine,
    filing_data,
    licence_lines,
    page_png,
    running_service,
    scripted_pipeline,
    service_settings,
    wait_for_jobs,
)
from tests.test_pages import Elements, _sign_in

SEAL = SealReading(
    box=(150.0, 220.0, 230.0, 300.0), text="杭州市市场监督管理局", confidence=0.97, star=True
)


def test_a_seal_is_stored_reported_drawn_and_flagged(tmp_path: Path, monkeypatch) -> None:
    read = []

    def seals_of(image, engine, found=None):
        # The scripted pages are flat colour: the seal reader is stood in for, on the licence.
        read.append(image.shape)
        return [SEAL]

    monkeypatch.setattr(seal_text, "read_seals", seals_of)
    filing = filing_data("JS2021-320500-S001", serial=31)
    engine = ScriptedEngine({LICENCE: licence_lines(filing)})
    with running_service(service_settings(tmp_path), scripted_pipeline(engine)) as (client, users):
        clerk = users.headers("clerk_sz")
        assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
        files = [("files", ("营业执照.png", page_png(LICENCE), "image/png"))]
        assert (
            client.post(
                f"/api/filings/{filing['filing_id']}/documents", files=files, headers=clerk
            ).status_code
            == 202
        )
        wait_for_jobs(client, filing["filing_id"], clerk)
        report = client.get(f"/api/filings/{filing['filing_id']}/report", headers=clerk).json()
        pdf = client.get(f"/api/filings/{filing['filing_id']}/annotated.pdf", headers=clerk)
        assert _sign_in(client, "clerk_sz").status_code in (302, 303)
        page = client.get(f"/filings/{filing['filing_id']}")
    assert read, "the seal reader was not asked"
    (document,) = report["documents"]
    (stored,) = document["pages"]
    assert stored["kind"] == PageKind.BUSINESS_LICENSE.value
    assert stored["seals"] == [
        {"text": SEAL.text, "confidence": 0.97, "box": [150.0, 220.0, 230.0, 300.0],
         "centre_text": "", "code": "", "star": True}
    ]  # fmt: skip
    (flag,) = [f for f in report["flags"] if f["code"] == "licence_seal_region_mismatch"]
    assert flag["box"] == [150.0, 220.0, 230.0, 300.0] and flag["page"] == 0
    assert "浙江省" in flag["message"] and "江苏省" in flag["message"]

    found = Elements(page.text)
    key = f"{document['document_id']}-0"
    (sealbox,) = found.having(class_="sealbox", data_page_key=key)
    assert "印章：杭州市市场监督管理局" in sealbox["title"]
    assert "left:62.5000%" in sealbox["style"] and "top:68.7500%" in sealbox["style"]
    assert "登记机关印章与信用代码地区不符" in page.text
    with pdfplumber.open(io.BytesIO(pdf.content)) as annotated:
        cover = annotated.pages[0].extract_text()
        licence_page = annotated.pages[1].extract_text()
    assert "登记机关印章与信用代码地区" in cover and "licence_seal_region_mismatch" in cover
    assert "疑点 1" in licence_page  # the licence page, its flag boxed on the seal
