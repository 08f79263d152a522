"""The reviewer pages without a browser: sign-in redirects, expired sessions, 404 pages, CSRF, marks."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pdfplumber
import pypdfium2
import pytest
from sqlalchemy import select, update

from intake.persistence.database import Database
from intake.persistence.records import FlagRecord, User, WebSession
from intake.presentation.annotated_pdf import FALLBACK_CJK_FONT, cjk_font
from tests import new_rule
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
    page_png,
    report_lines,
    running_service,
    scripted_pipeline,
    service_settings,
    wait_for_jobs,
)

PASSWORD = "correct-horse"
FILING_ID = "JS2021-320500-P001"
NANJING_ID = "JS2021-320100-P002"


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, for finding boxes and rows by data-*."""

    def __init__(self, text: str):
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))

    def having(self, **wanted: str) -> list[dict[str, str]]:
        """Elements whose attributes (data_field → data-field) contain these values."""
        keys = {k.rstrip("_").replace("_", "-"): v for k, v in wanted.items()}
        return [
            attrs
            for _tag, attrs in self.found
            if all(
                v in attrs.get(k, "").split() if k == "class" else attrs.get(k) == v
                for k, v in keys.items()
            )
        ]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A filing of 苏州 read from three scripted scans (its licence's date misprinted), and a
    filing of 南京 without scans."""
    root = tmp_path_factory.mktemp("pages")
    filing = filing_data(FILING_ID)
    engine = ScriptedEngine(
        {
            LICENCE: licence_lines(filing, established="2015年03月05日"),
            CERTIFICATE: certificate_lines(filing),
            REPORT: report_lines(filing),
        }
    )
    settings = service_settings(root)
    with running_service(settings, scripted_pipeline(engine)) as (client, users):
        clerk = users.headers("clerk_sz")
        assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
        files = [
            ("files", (name, page_png(colour), "image/png"))
            for name, colour in (
                ("营业执照.png", LICENCE),
                ("证书.png", CERTIFICATE),
                ("报告.png", REPORT),
            )
        ]
        uploaded = client.post(f"/api/filings/{FILING_ID}/documents", files=files, headers=clerk)
        assert uploaded.status_code == 202, uploaded.text
        wait_for_jobs(client, FILING_ID, clerk)
        nanjing = filing_data(NANJING_ID, bureau=NANJING, serial=9)
        created = client.post("/api/filings", json=nanjing, headers=users.headers("clerk_nj"))
        assert created.status_code == 201
        yield client, users, settings


def _sign_in(client, name: str, next_path: str | None = None):
    client.cookies.clear()
    page = client.get("/login", params={"next": next_path} if next_path else None)
    assert page.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    data = {"name": name, "password": PASSWORD, "csrf_token": csrf}
    if next_path:
        data["next"] = next_path
    return client.post("/login", data=data, follow_redirects=False)


def _page_csrf(text: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', text).group(1)


def test_pages_send_strangers_to_sign_in_and_back(site) -> None:
    client, _users, _ = site
    client.cookies.clear()
    queue = client.get("/", follow_redirects=False)
    assert queue.status_code == 303 and queue.headers["location"] == "/login?next=%2F"
    review = client.get(f"/filings/{FILING_ID}", follow_redirects=False)
    assert review.headers["location"] == f"/login?next=%2Ffilings%2F{FILING_ID}"
    signed_in = _sign_in(client, "clerk_sz", f"/filings/{FILING_ID}")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == f"/filings/{FILING_ID}"
    elsewhere = _sign_in(client, "clerk_sz", "//evil.example/steal")
    assert elsewhere.headers["location"] == "/"


def test_expired_session_gets_its_own_page(site) -> None:
    client, _users, settings = site
    assert _sign_in(client, "reviewer").status_code == 303
    assert client.get("/").status_code == 200
    db = Database(settings.effective_database_url)
    try:
        with db.session(write=True) as session:
            reviewer = session.scalar(select(User.id).where(User.name == "reviewer"))
            session.execute(
                update(WebSession)
                .where(WebSession.user_id == reviewer)
                .values(expires_at=WebSession.created_at)
            )
    finally:
        db.dispose()
    expired = client.get(f"/filings/{FILING_ID}", follow_redirects=False)
    assert expired.status_code == 401
    assert "登录已过期，请重新登录" in expired.text
    assert f'href="/login?next=/filings/{FILING_ID}"' in expired.text
    assert 'intake_session=""' in expired.headers["set-cookie"]
    api = client.get("/api/me")
    assert api.status_code == 401 and api.json()["error"]["code"] == "unauthorized"


def test_other_bureau_and_missing_filing_get_the_same_not_found_page(site) -> None:
    client, _users, _ = site
    _sign_in(client, "clerk_sz")
    other = client.get(f"/filings/{NANJING_ID}")
    missing = client.get("/filings/JS2021-320100-NONE")
    assert other.status_code == missing.status_code == 404
    assert other.headers["content-type"].startswith("text/html")
    assert "找不到该页面" in other.text and NANJING_ID in other.text
    assert other.text.replace(NANJING_ID, "X") == missing.text.replace("JS2021-320100-NONE", "X")
    assert client.get(f"/filings/{NANJING_ID}/history").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    api = client.get(f"/api/filings/{NANJING_ID}")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    assert client.get("/api/no/such/route").json()["error"]["code"] == "not_found"
    _sign_in(client, "clerk_nj")
    assert client.get(f"/filings/{NANJING_ID}").status_code == 200


def test_queue_of_a_clerk_with_filters_and_deadlines(site) -> None:
    client, _users, _ = site
    _sign_in(client, "clerk_sz")
    page = client.get("/")
    assert page.status_code == 200
    rows = Elements(page.text).having(data_filing_id=FILING_ID)
    assert rows and rows[0]["data-status"] == "flagged"
    assert NANJING_ID not in page.text
    assert "苏州市工业和信息化局" in page.text and "有疑点" in page.text
    assert 'name="bureau"' not in page.text  # a clerk does not switch bureaus
    deadlines = Elements(page.text).having(data_deadline="在线填报截止")
    assert deadlines and "2021-03-12 17:00" in page.text and "2021-03-19 17:00" in page.text
    assert "已截止" in page.text
    assert f"/api/bureaus/{SUZHOU}/summary.xlsx" in page.text
    by_flag = client.get("/", params={"flag_code": "established_date_mismatch"})
    assert FILING_ID in by_flag.text
    none = client.get("/", params={"flag_code": "credit_code_mismatch"})
    assert FILING_ID not in none.text and "没有符合条件的申报" in none.text
    assert FILING_ID in client.get("/", params={"q": "云帆"}).text
    assert FILING_ID not in client.get("/", params={"status": "clean"}).text
    bad = client.get("/", params={"page": "x"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")


def test_reviewer_switches_between_bureaus(site) -> None:
    client, _users, _ = site
    _sign_in(client, "reviewer")
    everything = client.get("/")
    options = [
        a
        for tag, a in Elements(everything.text).found
        if tag == "option" and re.fullmatch(r"\d{6}", a.get("value", ""))
    ]
    assert len(options) == 16
    assert FILING_ID in everything.text and NANJING_ID in everything.text
    nanjing = client.get("/", params={"bureau": NANJING})
    assert NANJING_ID in nanjing.text and FILING_ID not in nanjing.text
    assert "南京市工业和信息化局 · 受理队列" in nanjing.text


def test_review_page_marks_boxes_fields_and_flags(site) -> None:
    client, users, _ = site
    _sign_in(client, "clerk_sz")
    page = client.get(f"/filings/{FILING_ID}")
    assert page.status_code == 200
    report = client.get(f"/api/filings/{FILING_ID}/report").json()
    found = Elements(page.text)
    licence = report["documents"][0]
    key = f"{licence['document_id']}-0"
    page_info = licence["pages"][0]
    for name, field in page_info["fields"].items():
        (box,) = found.having(class_="box", data_field=name, data_page_key=key)
        (reading,) = found.having(class_="reading", data_field=name, data_page_key=key)
        assert box["aria-label"] and reading["class"]
        style = dict(part.split(":") for part in box["style"].split(";"))
        x0, y0, x1, y1 = field["box"]
        assert float(style["left"].rstrip("%")) == pytest.approx(x0 / page_info["width"] * 100)
        assert float(style["top"].rstrip("%")) == pytest.approx(y0 / page_info["height"] * 100)
        assert float(style["width"].rstrip("%")) == pytest.approx(
            (x1 - x0) / page_info["width"] * 100
        )
    (date_box,) = found.having(class_="box", data_field="established_date", data_page_key=key)
    assert "state-flagged" in date_box["class"]
    (name_box,) = found.having(class_="box", data_field="name", data_page_key=key)
    assert "state-agrees" in name_box["class"]
    (capital,) = found.having(class_="box", data_field="registered_capital", data_page_key=key)
    assert "state-unchecked" in capital["class"]
    flag = next(f for f in report["flags"] if f["code"] == "established_date_mismatch")
    (row,) = found.having(class_="flag", data_flag="established_date_mismatch")
    assert row["data-flag-id"] == str(flag["id"]) and row["data-page-key"] == key
    assert found.having(class_="flagbox", data_flag="established_date_mismatch")
    kinds = [a for _t, a in found.found if "thumb" in a.get("class", "").split()]
    assert len(kinds) == 3
    assert "营业执照" in page.text and "软件著作权登记证书" in page.text
    assert "http://" not in page.text and "https://" not in page.text


def test_review_page_compares_the_whole_filing(site) -> None:
    """A row per filed field (also those on no scan), each document's reading beside it, the
    differing characters marked, the flag on its row; equal values never 未核对."""
    client, _users, _ = site
    _sign_in(client, "clerk_sz")
    page = client.get(f"/filings/{FILING_ID}")
    found = Elements(page.text)
    rows = {r["data-row"]: r for r in found.having(class_="cmp-row")}
    for path in ("submitted_at", "product.category", "product.rd_investment_wan"):
        assert path in rows, path
        assert "材料中没有此项" in rows[path]["aria-label"], path
    assert "提交时间：填报 2021-03-01 10:00（北京时间）" in rows["submitted_at"]["aria-label"]
    assert "研发投入（万元）：填报 350" in rows["product.rd_investment_wan"]["aria-label"]
    assert rows["product.category"]["aria-label"].startswith("产品类别：填报 工业软件")
    dated = rows["applicant.established_date"]
    assert "state-flagged" in dated["class"] and "成立日期不一致" in dated["aria-label"]
    # 2015-03-02 against 2015-03-05: only the last character is marked on either side
    row_html = page.text.split('id="row-applicant.established_date"')[1].split("</tr>")[0]
    assert re.findall(r'<mark class="diff">([^<]*)</mark>', row_html) == ["2", "5"]
    name = rows["applicant.name"]  # read on the licence and (as 委托单位) on the test report
    assert "执照" in name["aria-label"] and "报告" in name["aria-label"]
    assert "state-agrees" in name["class"]
    # the licence's address is compared by no check but equals the filing's: 一致
    (address,) = found.having(class_="reading", data_field="address")
    assert "state-agrees" in address["class"]
    assert "issue_date" not in re.sub(r'data-[a-z-]+="[^"]*"|id="[^"]*"', "", page.text)


def test_page_actions_need_the_csrf_token(site) -> None:
    client, _users, _ = site
    _sign_in(client, "clerk_sz")
    page = client.get(f"/filings/{FILING_ID}")
    token = _page_csrf(page.text)
    report = client.get(f"/api/filings/{FILING_ID}/report").json()
    flag = next(f for f in report["flags"] if f["code"] == "established_date_mismatch")
    body = {"decision": "dismiss", "reason": "执照为换发件，成立日期已电话核实"}
    refused = client.post(f"/api/flags/{flag['id']}/decision", json=body)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    wrong = client.post(
        f"/api/flags/{flag['id']}/decision", json=body, headers={"X-CSRF-Token": "nope"}
    )
    assert wrong.status_code == 403
    done = client.post(
        f"/api/flags/{flag['id']}/decision", json=body, headers={"X-CSRF-Token": token}
    )
    assert done.status_code == 200, done.text

    document_id = report["documents"][0]["document_id"]
    corrected = client.post(
        f"/api/documents/{document_id}/pages/0/corrections",
        json={"field": "legal_representative", "value": "张叁", "reason": "核对原件"},
        headers={"X-CSRF-Token": token},
    )
    assert corrected.status_code == 201, corrected.text

    again = client.get(f"/filings/{FILING_ID}")
    found = Elements(again.text)
    (row,) = found.having(class_="flag", data_flag="established_date_mismatch")
    assert "status-dismissed" in row["class"]
    assert "执照为换发件，成立日期已电话核实" in again.text
    (date_box,) = found.having(class_="box", data_field="established_date")
    assert "state-dismissed" in date_box["class"]
    assert re.search(r"已由 <b class=\"corrected-by\">clerk_sz</b> 更正", again.text)
    assert '<span class="ocr-value">张三</span>' in again.text
    history = client.get(f"/filings/{FILING_ID}/history")
    assert history.status_code == 200
    assert "排除疑点" in history.text and "执照为换发件，成立日期已电话核实" in history.text
    assert "更正识别值" in history.text and "张叁" in history.text
    logout_refused = client.post("/logout", data={}, follow_redirects=False)
    assert logout_refused.status_code == 403
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"


def test_static_assets_are_served_locally(site) -> None:
    client, _users, _ = site
    _sign_in(client, "clerk_sz")
    page = client.get("/").text
    for asset in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
        response = client.get(asset)
        assert response.status_code == 200, asset
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/app.css").headers["content-type"].startswith("text/css")
    assert '<script src="http' not in page and '<link rel="stylesheet" href="http' not in page


def test_annotated_pdf_of_the_key_pages(site) -> None:
    client, users, _ = site
    clerk = users.headers("clerk_sz")
    response = client.get(f"/api/filings/{FILING_ID}/annotated.pdf", headers=clerk)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    document = pypdfium2.PdfDocument(response.content)
    assert len(document) == 1 + 3  # the cover with the flag table, then the three key pages
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        cover = pdf.pages[0].extract_text()
        licence_page = pdf.pages[1].extract_text()
        strokes = {tuple(round(c, 2) for c in r["stroking_color"]) for r in pdf.pages[1].rects}
    # the licence's only flag was dismissed (test_page_actions_need_the_csrf_token): no red box
    red = tuple(round(v / 255, 2) for v in (0xD9, 0x30, 0x25))
    assert strokes and red not in strokes, strokes
    # the correction made there is listed on the cover: OCR value, new value, who
    assert "识别值更正" in cover and "张三" in cover and "张叁" in cover and "clerk_sz" in cover
    assert FILING_ID in cover and "established_date_mismatch" in cover
    assert "成立日期不一致" in cover and "疑点" in cover
    assert "营业执照" in licence_page
    other = client.get(f"/api/filings/{FILING_ID}/annotated.pdf", headers=users.headers("clerk_nj"))
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"


def test_pdf_font_falls_back_to_the_builtin_cid_font(tmp_path: Path) -> None:
    assert cjk_font(tmp_path / "missing.ttc") == FALLBACK_CJK_FONT


def test_a_failed_file_offers_to_be_read_again(site) -> None:
    """重新处理 beside a file whose reading failed; pressing it (the page's request, with the
    session's CSRF token) reads the file again as a new job, shown in the history."""
    client, users, _ = site
    clerk = users.headers("clerk_sz")
    filing_id = "JS2021-320500-P003"
    created = client.post("/api/filings", json=filing_data(filing_id, serial=3), headers=clerk)
    assert created.status_code == 201, created.text
    truncated = [("files", ("残缺.png", page_png((5, 5, 5))[:40], "image/png"))]
    client.post(f"/api/filings/{filing_id}/documents", files=truncated, headers=clerk)
    (failed,) = wait_for_jobs(client, filing_id, clerk)
    assert failed["state"] == "failed"
    _sign_in(client, "clerk_sz")
    page = client.get(f"/filings/{filing_id}")
    (button,) = Elements(page.text).having(data_retry_job=str(failed["id"]))
    assert "重新处理" in page.text
    refused = client.post(f"/api/jobs/{failed['id']}/retry")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    pressed = client.post(
        f"/api/jobs/{failed['id']}/retry", headers={"X-CSRF-Token": _page_csrf(page.text)}
    )
    assert pressed.status_code == 202, pressed.text
    jobs = wait_for_jobs(client, filing_id, clerk)
    assert [j["state"] for j in jobs] == ["failed", "failed"]  # the same bytes fail again
    again = Elements(client.get(f"/filings/{filing_id}").text)
    assert again.having(data_retry_job=str(jobs[1]["id"]))
    assert not again.having(data_retry_job=str(failed["id"]))
    history = client.get(f"/filings/{filing_id}/history")
    assert "重新处理" in history.text and "残缺.png" in history.text
    clean = Elements(client.get(f"/filings/{FILING_ID}").text)
    assert not [a for _t, a in clean.found if "data-retry-job" in a]  # nothing failed there


def _licence_reviewed(client, users, filing: dict):
    """A 苏州 clerk files `filing`, uploads its licence and opens the review: the page, the
    licence page's key, the annotated PDF."""
    clerk = users.headers("clerk_sz")
    assert client.post("/api/filings", json=filing, headers=clerk).status_code == 201
    files = [("files", ("营业执照.png", page_png(LICENCE), "image/png"))]
    uploaded = client.post(
        f"/api/filings/{filing['filing_id']}/documents", files=files, headers=clerk
    )
    assert uploaded.status_code == 202, uploaded.text
    wait_for_jobs(client, filing["filing_id"], clerk)
    _sign_in(client, "clerk_sz")
    page = client.get(f"/filings/{filing['filing_id']}")
    report = client.get(f"/api/filings/{filing['filing_id']}/report").json()
    pdf = client.get(f"/api/filings/{filing['filing_id']}/annotated.pdf", headers=clerk)
    return page, f"{report['documents'][0]['document_id']}-0", pdf


def test_a_new_kind_of_rule_appears_in_the_marks_and_the_annotated_pdf(tmp_path: Path) -> None:
    """A rule added as one campaign key, one registered function and one flags.yaml entry:
    the review page draws its field as checked and flagged and lists its flag by its title."""
    campaigns = tmp_path / "campaigns"
    new_rule.campaign_with_rule(campaigns, 1000, "jiangsu-capital")
    filing = filing_data("JS2021-320500-P777", serial=7)
    filing["campaign"] = "jiangsu-capital"
    engine = ScriptedEngine({LICENCE: licence_lines(filing)})  # 注册资本 500万元整
    settings = service_settings(tmp_path / "data", campaign_dirs=[campaigns])
    with (
        new_rule.new_rule_installed(tmp_path),
        running_service(settings, scripted_pipeline(engine)) as (client, users),
    ):
        page, key, pdf = _licence_reviewed(client, users, filing)
    found = Elements(page.text)
    (capital,) = found.having(class_="box", data_field="registered_capital", data_page_key=key)
    assert "state-flagged" in capital["class"]
    (row,) = found.having(class_="flag", data_flag=new_rule.CODE)
    assert row["data-page-key"] == key
    assert new_rule.TITLE in page.text
    (name,) = found.having(class_="box", data_field="name", data_page_key=key)
    assert "state-agrees" in name["class"]
    with pdfplumber.open(io.BytesIO(pdf.content)) as document:
        cover = document.pages[0].extract_text()
    assert f"{new_rule.TITLE}［错误］" in cover
    assert new_rule.CODE[:24] in cover  # the code wraps in its narrow column


def test_the_notices_conditions_show_on_the_review_page_and_the_pdf(tmp_path: Path) -> None:
    """An 个体工商户 licence whose term has ended: both flags boxed on their printed values, titled
    in Chinese on the review page and on the annotated PDF's cover."""
    filing = filing_data("JS2021-320500-P778", serial=8)
    lines = licence_lines(
        filing, company_type="个体工商户", business_term="2000年01月01日至2020年12月31日"
    )
    engine = ScriptedEngine({LICENCE: lines})
    with running_service(service_settings(tmp_path / "data"), scripted_pipeline(engine)) as (
        client,
        users,
    ):
        page, key, pdf = _licence_reviewed(client, users, filing)
    found = Elements(page.text)
    for code, field, title in (
        ("not_independent_legal_entity", "company_type", "非独立法人企业"),
        ("business_term_expired", "business_term", "营业期限已届满"),
    ):
        (box,) = found.having(class_="box", data_field=field, data_page_key=key)
        assert "state-flagged" in box["class"], code
        (row,) = found.having(class_="flag", data_flag=code)
        assert row["data-page-key"] == key and title in page.text
    with pdfplumber.open(io.BytesIO(pdf.content)) as document:
        cover = document.pages[0].extract_text()
    assert "非独立法人企业［错误］" in cover and "营业期限已届满［需核实］" in cover


def test_times_keep_their_offset_and_read_as_beijing_time(site) -> None:
    """Filed at 10:00 Beijing time (+08:00): the API and the summary say 10:00+08:00, not 10:00Z."""
    client, users, _ = site
    clerk = users.headers("clerk_sz")
    filing = client.get(f"/api/filings/{FILING_ID}", headers=clerk).json()
    assert filing["submitted_at"] == "2021-03-01T10:00:00+08:00"
    sheet = client.get("/api/bureaus/320500/summary.xlsx", headers=clerk)
    assert sheet.status_code == 200
    rows = list(
        openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True)
    )
    header = next(r for r in rows if "提交时间" in r)
    column = header.index("提交时间")
    (row,) = [r for r in rows if FILING_ID in r]
    assert row[column] == "2021-03-01T10:00+08:00"
    assert row[header.index("疑点类型")] in ("成立日期不一致", "", None)  # a title, never a code
    assert not any("_mismatch" in str(cell) for cell in row)


ENGLISH = re.compile(r"[A-Za-z]{3,}")


def test_messages_a_clerk_reads_are_chinese(site) -> None:
    """Printed labels instead of field names, no English parentheticals, `code` unchanged."""
    client, users, _ = site
    clerk = users.headers("clerk_sz")
    report = client.get(f"/api/filings/{FILING_ID}/report", headers=clerk).json()
    test_report = next(d for d in report["documents"] if d["source"] == "报告.png")
    wrong = client.post(
        f"/api/documents/{test_report['document_id']}/pages/0/corrections",
        json={"field": "issue_date", "value": "三月", "reason": "核对原件"},
        headers=clerk,
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "invalid_input"
    message = wrong.json()["error"]["message"]
    assert "签发日期" in message and not ENGLISH.search(message), message
    blank = client.post(
        f"/api/documents/{test_report['document_id']}/pages/0/corrections",
        json={"field": "issue_date", "value": " ", "reason": "核对原件"},
        headers=clerk,
    ).json()["error"]["message"]
    assert "签发日期" in blank and "issue_date" not in blank, blank
    flag = report["flags"][0]
    no_reason = client.post(
        f"/api/flags/{flag['id']}/decision", json={"decision": "dismiss"}, headers=clerk
    ).json()["error"]
    assert no_reason["message"] == "排除疑点必须填写理由"
    for name, data in (("空.pdf", b""), ("说明.txt", b"text")):
        refused = client.post(
            f"/api/filings/{FILING_ID}/documents",
            files=[("files", (name, data, "application/pdf"))],
            headers=clerk,
        ).json()["error"]
        assert refused["code"] == "unsupported_media_type"
        shown = refused["message"].replace(name, "")
        for word in ("PDF", "JPEG", "PNG", "TIFF"):
            shown = shown.replace(word, "")
        assert not ENGLISH.search(shown), refused
    assert (
        "空文件"
        in client.post(
            f"/api/filings/{FILING_ID}/documents",
            files=[("files", ("空.pdf", b"", "application/pdf"))],
            headers=clerk,
        ).json()["error"]["message"]
    )
    missing = client.get("/api/no/such/route", headers=clerk).json()["error"]
    assert missing == {"code": "not_found", "message": "找不到该地址"}
    _sign_in(client, "clerk_sz")
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "找不到该页面" in page.text
    assert "该申报不存在" not in page.text


def test_a_pending_correction_shows_on_its_reading_and_waits_for_another_reviewer(site) -> None:
    """A correction that would clear a flag waits (four eyes): the page says so on the reading,
    with its value, author and reason; only a reviewer other than its author gets the buttons."""
    client, users, _ = site
    clerk = users.headers("clerk_sz")
    report = client.get(f"/api/filings/{FILING_ID}/report", headers=clerk).json()
    flag = next(f for f in report["flags"] if f["code"] == "established_date_mismatch")
    licence = next(d for d in report["documents"] if d["source"] == "营业执照.png")
    made = client.post(
        f"/api/documents/{licence['document_id']}/pages/0/corrections",
        json={"field": "established_date", "value": flag["filing_value"], "reason": "原件核对"},
        headers=clerk,
    )
    assert made.status_code == 201, made.text
    correction = made.json()
    assert correction["state"] == "pending"

    _sign_in(client, "clerk_sz")
    own = client.get(f"/filings/{FILING_ID}")
    (box,) = Elements(own.text).having(class_="pending-correction")
    assert box["data-correction-id"] == str(correction["id"])
    assert "更正待复核" in own.text and "原件核对" in own.text
    assert 'data-action="approve-correction"' not in own.text  # a clerk approves nothing
    assert "row-pending" in own.text

    _sign_in(client, "reviewer")
    other = client.get(f"/filings/{FILING_ID}")
    assert 'data-action="approve-correction"' in other.text
    assert 'data-action="reject-correction"' in other.text
    approved = client.post(
        f"/api/corrections/{correction['id']}/review",
        json={"decision": "approve"},
        headers={"X-CSRF-Token": _page_csrf(other.text)},
    )
    assert approved.status_code == 200, approved.text
    after = client.get(f"/filings/{FILING_ID}").text
    assert "pending-correction" not in after
    assert re.search(r'<b class="approved-by">reviewer</b> 批准', after)
    assert '<span class="correction-reason">原件核对</span>' in after


def test_a_flag_longer_than_a_page_still_gives_the_annotated_pdf(tmp_path: Path) -> None:
    """A flag whose text fills more than a page (a duplicate_application naming hundreds of
    filings — the Schemathesis run made one) continues on the next page; it answered 500."""
    settings = service_settings(tmp_path)
    with running_service(settings) as (client, users):
        reviewer = users.headers("reviewer")
        filing = filing_data("JS2021-320500-P888", serial=8, rd_investment_wan=100.0)
        assert client.post("/api/filings", json=filing, headers=reviewer).status_code == 201
        names = "、".join(f"JS2021-320500-{n:04d}（苏州第{n}号软件有限公司）" for n in range(400))
        db = Database(settings.effective_database_url)
        with db.session(write=True) as session:
            assert session.execute(update(FlagRecord).values(message=names)).rowcount >= 1
        db.dispose()
        pdf = client.get(f"/api/filings/{filing['filing_id']}/annotated.pdf", headers=reviewer)
    assert pdf.status_code == 200, pdf.text[:300]
    with pdfplumber.open(io.BytesIO(pdf.content)) as document:
        text = "".join(page.extract_text() or "" for page in document.pages)
        assert len(document.pages) >= 3
    assert "JS2021-320500-0399" in text.replace("\n", "")
