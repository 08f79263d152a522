"""The reviewer pages in a real browser: Debian's Chromium driven by Playwright, against the
service started here on loopback with the real OCR pipeline, over one committed sample case."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select, update

from api.app import create_app
from intake.persistence.database import Database
from intake.persistence.records import User, WebSession
from intake.service.accounts import create_user
from tests.api_support import NANJING, add_accounts, filing_data, page_png, service_settings
from tests.helpers import ROOT, SAMPLES

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
)

CASE = SAMPLES / "dev-2021-005-registration_no_mismatch+test_report_no_mismatch"
"""Four pages, two flags on two different documents (certificate and test report)."""
WUXI = "320200"
PASSWORD = "correct-horse"
NANJING_ID = "JS2021-320100-B001"
SCREENSHOTS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1400, "height": 900}
OCR_TIMEOUT_MS = 240_000


@dataclass
class Site:
    base: str
    database_url: str
    filing: dict[str, Any]
    tokens: dict[str, str]

    @property
    def filing_id(self) -> str:
        return self.filing["filing_id"]

    def api(self, who: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {self.tokens[who]}"}, timeout=60
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """The service (real RapidOCR pipeline, embedded defaults) on a free loopback port."""
    settings = service_settings(
        tmp_path_factory.mktemp("browser"), events_poll_seconds=0.2, events_timeout_seconds=300
    )
    tokens = dict(add_accounts(settings.effective_database_url, password=PASSWORD).tokens)
    db = Database(settings.effective_database_url)
    try:
        with db.session(write=True) as session:
            tokens["clerk_wx"] = create_user(session, "clerk_wx", "clerk", WUXI, PASSWORD).token
    finally:
        db.dispose()
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the service did not start"
        time.sleep(0.05)
    filing = json.loads((CASE / "filing.json").read_text("utf-8"))
    site = Site(f"http://127.0.0.1:{port}", settings.effective_database_url, filing, tokens)
    with site.api("clerk_wx") as wuxi, site.api("clerk_nj") as nanjing:
        assert wuxi.post("/api/filings", json=filing).status_code == 201
        other = filing_data(NANJING_ID, bureau=NANJING, serial=31)
        assert nanjing.post("/api/filings", json=other).status_code == 201
        for serial in range(3):  # filings still waiting for their scans, for the queue
            waiting = filing_data(f"JS2021-{WUXI}-B10{serial}", bureau=WUXI, serial=40 + serial)
            assert wuxi.post("/api/filings", json=waiting).status_code == 201
    try:
        yield site
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _reloaded(page):
    """Wait for the review page's own reload after a save: it saves through the API, sets the
    hash (a same-document navigation, which `expect_navigation` already counts as done) and
    reloads; only the reload's load event says the new page is there."""
    return page.expect_event("load")


def _signed_in(browser, site: Site, name: str, path: str = "/"):
    """A fresh browser context signed in through the sign-in page, at `path`."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.goto(site.base + path)
    assert "/login" in page.url
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site.base + path)
    return context, page


def _drop_file(page, selector: str, name: str, text: str) -> None:
    """Drop a file onto `selector` as a user dragging it from their desktop would."""
    page.evaluate(
        """([selector, name, text]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], name, { type: "text/plain" }));
            const zone = document.querySelector(selector);
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true }));
            }
        }""",
        [selector, name, text],
    )


@dataclass
class Uploaded:
    states_seen: dict[str, set[str]]
    final: dict[str, tuple[str, str, str]]
    """file name → (state, state text, error text) once the page had redrawn itself."""
    statuses_seen: set[str]
    """The filing's status badge as it changed while the files were read."""
    after: dict[str, str]
    """What the redrawn page shows: status, counts of documents and flags, the viewer's title."""


DOC_ROWS = """rows => rows.map(r => [r.dataset.file, r.dataset.state,
    r.querySelector('.doc-state').textContent,
    r.querySelector('.doc-error') ? r.querySelector('.doc-error').textContent : ''])"""


def _while_loading(page, script: str, arg: Any = None) -> Any:
    """`script` evaluated on the page, or None while the page is being redrawn (navigating)."""
    from playwright.sync_api import Error

    try:
        return page.evaluate(script, arg)
    except Error as error:
        if "context was destroyed" in str(error) or "navigat" in str(error):
            return None
        raise


@pytest.fixture(scope="module")
def uploaded(browser, site: Site) -> Uploaded:
    """The 无锡 clerk uploads the case's scans (file input) and a text file (dropped); the page
    follows each file until its pages are read or it is refused, then redraws itself."""
    context, page = _signed_in(browser, site, "clerk_wx", f"/filings/{site.filing_id}")
    scans = sorted(p for p in CASE.iterdir() if p.suffix in (".pdf", ".jpg", ".png"))
    page.set_input_files("#file-input", [str(p) for p in scans])
    _drop_file(page, "#dropzone", "说明.txt", "这不是扫描件")
    seen: dict[str, set[str]] = {}
    statuses: set[str] = set()
    deadline = time.monotonic() + OCR_TIMEOUT_MS / 1000
    while True:
        state = _while_loading(
            page,
            f"""() => [({DOC_ROWS})(Array.from(document.querySelectorAll('.doc'))),
                document.querySelector('#filing-status').textContent,
                document.querySelector('#review').dataset.updated || '']""",
        )
        if state:
            rows, status, updated = state
            statuses.add(status)
            for name, doc_state, _text, _error in rows:
                seen.setdefault(name, set()).add(doc_state)
            if updated == "after-upload":
                break
        assert time.monotonic() < deadline, f"the page did not redraw itself: {state}"
        time.sleep(0.2)
    final = {r[0]: (r[1], r[2], r[3]) for r in rows}
    after = {
        "status": page.locator("#filing-status").text_content(),
        "documents": page.locator("#doc-count").text_content(),
        "flags": page.locator("#flag-count").text_content(),
        "open": page.locator(".open-count").text_content(),
        "viewer": page.locator("#viewer-title").text_content(),
        "content": page.content(),
    }
    context.close()
    return Uploaded(seen, final, statuses, after)


def test_upload_shows_each_file_until_its_pages_are_read(uploaded: Uploaded) -> None:
    scans = {p.name for p in CASE.iterdir() if p.suffix in (".pdf", ".jpg", ".png")}
    for name in scans:
        state, text, error = uploaded.final[name]
        assert state == "done" and "识别完成" in text and not error, (name, uploaded.final[name])
        assert uploaded.states_seen[name] & {"uploading", "queued", "running"}, name
    state, _text, error = uploaded.final["说明.txt"]
    assert state == "failed" and "不是支持的文件类型" in error  # kept across the redraw


def test_the_filing_page_updates_itself_during_and_after_upload(site: Site, uploaded) -> None:
    """No 查看核验结果 to press: 处理中 while reading, then the result without a reload by hand."""
    with site.api("clerk_wx") as api:
        report = api.get(f"/api/filings/{site.filing_id}/report").json()
    assert "处理中" in uploaded.statuses_seen
    assert uploaded.after["status"] == "有疑点"
    assert uploaded.after["documents"] == "3"
    assert uploaded.after["flags"] == str(len(report["flags"])) != "0"
    assert (
        str(len(report["flags"])) in uploaded.after["open"] and "待处理" in uploaded.after["open"]
    )
    assert "这份申报还没有材料" not in uploaded.after["content"]
    assert "第" in uploaded.after["viewer"]  # a page of the filing is on show


def test_uploading_a_file_again_finishes(browser, site: Site, uploaded: Uploaded) -> None:
    context, page = _signed_in(browser, site, "clerk_wx", f"/filings/{site.filing_id}")
    again = CASE / "certificate.jpg"
    before = page.locator(".doc").count()
    page.set_input_files("#file-input", [str(again)])
    row = page.locator(f'.doc[data-file="{again.name}"][data-duplicate]')
    row.wait_for(timeout=20_000)
    assert row.get_attribute("data-state") == "done"
    assert "此文件已上传过" in row.locator(".doc-state").text_content()
    assert page.locator('.doc[data-state="uploading"]').count() == 0
    assert page.locator(".doc").count() == before  # the same document, not a second row
    context.close()


def test_queue_after_sign_in(browser, site: Site, uploaded: Uploaded) -> None:
    context, page = _signed_in(browser, site, "clerk_wx")
    row = page.locator(f'tr[data-filing-id="{site.filing_id}"]')
    assert row.get_attribute("data-status") == "flagged"
    assert row.locator(".badge").text_content() == "有疑点"
    with site.api("clerk_wx") as api:
        open_flags = api.get(f"/api/filings/{site.filing_id}").json()["open_flags"]
    assert open_flags >= 1 and row.locator(".count-flag").text_content() == str(open_flags)
    assert page.locator('[data-deadline="在线填报截止"]').first.is_visible()
    assert "已截止" in page.locator(".deadlines").text_content()
    assert NANJING_ID not in page.content()
    page.select_option('select[name="flag_code"]', "test_report_no_mismatch")
    page.wait_for_url("**flag_code=test_report_no_mismatch**")
    assert page.locator("tbody tr[data-filing-id]").count() == 1
    page.goto(site.base + "/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "queue.png"))
    context.close()


def _visible_stage(page):
    return page.locator(".stage:not([hidden])")


def _assert_boxes_over_their_fields(page, report: dict[str, Any]) -> int:
    """Every field box of the page on show lies over its report coordinates (within 2 px)."""
    stage = _visible_stage(page)
    key = stage.get_attribute("data-page-key")
    document_id, index = (int(v) for v in key.split("-"))
    document = next(d for d in report["documents"] if d["document_id"] == document_id)
    info = next(p for p in document["pages"] if p["index"] == index)
    image = stage.locator("img.page-image")
    image.evaluate("img => img.complete || new Promise(ok => img.addEventListener('load', ok))")
    natural = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert natural == [info["width"], info["height"]]
    shown = image.bounding_box()
    scale_x, scale_y = shown["width"] / info["width"], shown["height"] / info["height"]
    checked = 0
    for name, field in info["fields"].items():
        if not field["box"]:
            continue
        box = stage.locator(f'.box[data-field="{name}"]').bounding_box()
        x0, y0, x1, y1 = field["box"]
        assert box["x"] == pytest.approx(shown["x"] + x0 * scale_x, abs=2), name
        assert box["y"] == pytest.approx(shown["y"] + y0 * scale_y, abs=2), name
        assert box["x"] + box["width"] == pytest.approx(shown["x"] + x1 * scale_x, abs=2), name
        assert box["y"] + box["height"] == pytest.approx(shown["y"] + y1 * scale_y, abs=2), name
        checked += 1
    return checked


def test_boxes_lie_over_the_fields_at_any_zoom(browser, site: Site, uploaded: Uploaded) -> None:
    context, page = _signed_in(browser, site, "clerk_wx", f"/filings/{site.filing_id}")
    report = page.request.get(f"{site.base}/api/filings/{site.filing_id}/report").json()
    checked = 0
    for thumb in page.locator(".thumb").all():
        thumb.click()
        checked += _assert_boxes_over_their_fields(page, report)
    assert checked >= 20
    page.click('[data-zoom="fit"]')
    page.click('[data-zoom="in"]')
    page.click('[data-zoom="in"]')
    assert page.locator("#zoom-level").text_content() == "156%"
    _assert_boxes_over_their_fields(page, report)
    scroller = page.locator("#viewer-scroll")
    area = scroller.bounding_box()
    page.mouse.move(area["x"] + area["width"] / 2, area["y"] + area["height"] / 2)
    page.mouse.wheel(0, -300)
    assert page.locator("#zoom-level").text_content() != "156%"
    before = scroller.evaluate("el => [el.scrollLeft, el.scrollTop]")
    page.mouse.down()
    page.mouse.move(area["x"] + area["width"] / 2 - 120, area["y"] + area["height"] / 2 - 90)
    page.mouse.up()
    after = scroller.evaluate("el => [el.scrollLeft, el.scrollTop]")
    assert after != before  # dragged to pan
    _assert_boxes_over_their_fields(page, report)
    context.close()


def _in_view(page, selector: str) -> bool:
    return page.evaluate(
        """selector => {
            const box = document.querySelector(selector).getBoundingClientRect();
            const view = document.querySelector('#viewer-scroll').getBoundingClientRect();
            return box.left >= view.left && box.right <= view.right
                && box.top >= view.top && box.bottom <= view.bottom;
        }""",
        selector,
    )


def test_choosing_a_flag_shows_its_box_and_j_k_move(browser, site: Site, uploaded) -> None:
    context, page = _signed_in(browser, site, "clerk_wx", f"/filings/{site.filing_id}")
    flags = page.locator("li.flag")
    assert flags.count() == 2
    codes = [f.get_attribute("data-flag") for f in flags.all()]
    assert set(codes) == {"registration_no_mismatch", "test_report_no_mismatch"}
    keys = {f.get_attribute("data-flag"): f.get_attribute("data-page-key") for f in flags.all()}
    assert keys["registration_no_mismatch"] != keys["test_report_no_mismatch"]

    page.locator('li.flag[data-flag="test_report_no_mismatch"] .flag-message').click()
    current = page.locator(".thumb.current").get_attribute("data-page-key")
    assert current == keys["test_report_no_mismatch"]
    box = '.flagbox[data-flag="test_report_no_mismatch"]'
    assert "selected" in page.locator(box).get_attribute("class")
    assert "selected" in page.locator('.box[data-field="report_no"]:visible').get_attribute("class")
    assert _in_view(page, f"{box}.selected")
    page.keyboard.press("0")  # the whole page, for the README's picture
    page.wait_for_timeout(400)
    page.screenshot(path=str(SCREENSHOTS / "review.png"))

    order = codes.index("test_report_no_mismatch")
    page.keyboard.press("j")
    following = codes[(order + 1) % 2]
    assert page.locator("li.flag.selected").get_attribute("data-flag") == following
    assert page.locator(".thumb.current").get_attribute("data-page-key") == keys[following]
    assert _in_view(page, f'.flagbox[data-flag="{following}"].selected')
    page.keyboard.press("k")
    assert page.locator("li.flag.selected").get_attribute("data-flag") == codes[order]
    assert page.locator(".thumb.current").get_attribute("data-page-key") == keys[codes[order]]
    context.close()


def test_dismissed_flag_stays_dismissed_and_is_in_the_history(browser, site: Site, uploaded):
    context, page = _signed_in(browser, site, "clerk_wx", f"/filings/{site.filing_id}")
    reason = "证书为补发件，登记号已在版权中心核实"
    flag = page.locator('li.flag[data-flag="registration_no_mismatch"]')
    number = flag.locator(".flag-head .flag-no").text_content()
    flag.locator('[data-action="dismiss"]').click()
    flag.locator('button[type="submit"]').click()  # no reason: refused on the page
    assert "必须填写理由" in flag.locator(".form-error").text_content()
    flag.locator("textarea").fill(reason)
    with _reloaded(page):
        flag.locator('button[type="submit"]').click()
    for _ in range(2):
        flag = page.locator('li.flag[data-flag="registration_no_mismatch"]')
        assert "status-dismissed" in flag.get_attribute("class")
        assert flag.locator(".flag-status").text_content() == "已排除"
        assert flag.locator(".flag-reason").text_content() == reason
        assert "clerk_wx" in flag.locator(".flag-decision").text_content()
        page.reload()
    assert page.locator(".open-count b").text_content() == "1"
    page.click("text=处理记录")
    page.wait_for_url(f"**/filings/{site.filing_id}/history")
    row = page.locator('tr[data-action="flag_dismissed"]')
    assert row.count() == 1
    assert reason in row.locator(".after").text_content()
    assert "clerk_wx" in row.text_content() and "著作权登记号不一致" in row.text_content()
    assert f"疑点 {number} 著作权登记号不一致" in row.text_content()  # as numbered on the review
    context.close()


def test_correcting_a_value_shows_who_changed_it(browser, site: Site, uploaded) -> None:
    context, page = _signed_in(browser, site, "clerk_wx", f"/filings/{site.filing_id}")
    row = page.locator('.reading[data-field="legal_representative"]')
    read = row.locator(".value").text_content()
    row.locator('[data-action="edit"]').click()
    row.locator('input[name="value"]').fill("唐子燕")
    row.locator('input[name="reason"]').fill("法定代表人识别有误，以执照原件为准")
    with _reloaded(page):
        row.locator('button[type="submit"]').click()
    row = page.locator('.reading[data-field="legal_representative"]')
    assert row.locator(".value").text_content() == "唐子燕"
    # filed 唐子艳, corrected to 唐子燕: the one differing character is marked
    assert row.locator("mark.diff").all_text_contents() == ["燕"]
    assert page.locator("#row-applicant\\.legal_representative").evaluate(
        "row => row.classList.contains('selected')"
    )
    assert row.locator(".corrected-by").text_content() == "clerk_wx"
    assert row.locator(".ocr-value").text_content() == read
    assert "selected" in row.get_attribute("class")
    page.goto(f"{site.base}/filings/{site.filing_id}/history")
    assert "唐子燕" in page.locator('tr[data-action="field_corrected"] .after').text_content()
    context.close()


def test_a_clerk_of_another_bureau_gets_the_not_found_page(browser, site: Site) -> None:
    context, page = _signed_in(browser, site, "clerk_sz")
    response = page.goto(f"{site.base}/filings/{NANJING_ID}")
    assert response.status == 404
    assert page.locator("h1").text_content() == "找不到该页面"
    missing = page.goto(f"{site.base}/filings/JS2021-320100-NONE")
    assert missing.status == 404 and page.locator("h1").text_content() == "找不到该页面"
    context.close()
    context, page = _signed_in(browser, site, "clerk_nj", f"/filings/{NANJING_ID}")
    assert page.locator("h1 .mono").text_content() == NANJING_ID
    context.close()


def test_an_expired_session_shows_the_expired_page(browser, site: Site) -> None:
    context, page = _signed_in(browser, site, "reviewer")
    db = Database(site.database_url)
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
    response = page.goto(f"{site.base}/filings/{site.filing_id}")
    assert response.status == 401
    assert page.locator("h1").text_content() == "登录已过期，请重新登录"
    page.click("a.btn:has-text('重新登录')")
    page.fill("#name", "reviewer")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.base}/filings/{site.filing_id}")
    context.close()


def test_a_failed_file_is_read_again_from_its_button(browser, site: Site) -> None:
    """重新处理 beside a file that could not be read: the page follows the new job to its end and
    offers the button again when the same bytes fail again."""
    filing_id = f"JS2021-{WUXI}-B200"
    with site.api("clerk_wx") as api:
        filing = filing_data(filing_id, bureau=WUXI, serial=50)
        assert api.post("/api/filings", json=filing).status_code == 201
        truncated = [("files", ("残缺.png", page_png((5, 5, 5))[:40], "image/png"))]
        upload = api.post(f"/api/filings/{filing_id}/documents", files=truncated)
        job_id = upload.json()["data"][0]["job"]["id"]
        deadline = time.monotonic() + 60
        while (job := api.get(f"/api/jobs/{job_id}").json())["state"] != "failed":
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
    context, page = _signed_in(browser, site, "clerk_wx", f"/filings/{filing_id}")
    page.locator(f'[data-retry-job="{job["id"]}"]').click()
    page.wait_for_function(
        """id => { const d = document.querySelector('.doc');
                   return d.dataset.jobId !== String(id) && d.dataset.state === 'failed'; }""",
        arg=job["id"],
        timeout=60_000,
    )
    new_id = page.locator(".doc").get_attribute("data-job-id")
    # The row is redrawn as the job ends: wait for its button rather than look at one instant.
    page.locator(f'[data-retry-job="{new_id}"]').wait_for(state="visible", timeout=10_000)
    assert page.locator(".doc-error").is_visible()
    context.close()
    with site.api("clerk_wx") as api:
        jobs = api.get(f"/api/filings/{filing_id}/jobs").json()["data"]
    assert [j["state"] for j in jobs] == ["failed", "failed"] and str(jobs[1]["id"]) == new_id


FRAME_SIZES = ({"width": 1280, "height": 720}, {"width": 1920, "height": 1080})


@pytest.mark.parametrize("size", FRAME_SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_the_review_page_is_one_fixed_frame(browser, site: Site, uploaded, size) -> None:
    """The document is exactly the window; the wheel over the header, past the end of the side
    panel, or a #field-… address never moves the app: only the panels scroll."""
    context, page = _signed_in(browser, site, "clerk_wx", f"/filings/{site.filing_id}")
    page.set_viewport_size(size)
    measure = "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    width, height = page.evaluate(measure)
    print(f"review page at {size['width']}×{size['height']}: document {width}×{height}")
    assert (width, height) == (size["width"], size["height"])
    header = page.locator(".review-head").bounding_box()
    page.mouse.move(header["x"] + 200, header["y"] + header["height"] / 2)
    page.mouse.wheel(0, 1500)
    side = page.locator("#side-rest").bounding_box()
    page.mouse.move(side["x"] + 50, side["y"] + side["height"] - 20)
    for _ in range(6):
        page.mouse.wheel(0, 2000)
    page.wait_for_timeout(300)
    assert page.locator("#side-rest").evaluate("el => el.scrollTop") > 0  # the panel scrolled
    assert page.evaluate("() => [window.scrollX, window.scrollY]") == [0, 0]
    key = page.locator(".reading[data-field='legal_representative']").get_attribute("data-page-key")
    page.goto(f"{site.base}/filings/{site.filing_id}#field-{key}-legal_representative")
    page.reload()
    assert page.locator(".topbar").bounding_box()["y"] == 0  # the header stays in place
    assert page.locator(".review-head").bounding_box()["y"] == 48
    assert page.evaluate("() => document.scrollingElement.scrollTop") == 0
    context.close()


def test_flag_titles_are_chinese_and_codes_secondary(browser, site: Site, uploaded) -> None:
    context, page = _signed_in(browser, site, "clerk_wx", f"/filings/{site.filing_id}")
    for flag in page.locator("li.flag").all():
        title = flag.locator(".flag-title").text_content()
        assert title and not re.search(r"[A-Za-z_]{3,}", title), title
        code = flag.locator(".flag-code").text_content()
        assert code == flag.get_attribute("data-flag")
        size = flag.locator(".flag-code").evaluate(
            "el => parseFloat(getComputedStyle(el).fontSize)"
        )
        assert size < 13
    response = page.goto(f"{site.base}/no/such/page")
    assert response.status == 404 and page.locator("h1").text_content() == "找不到该页面"
    assert "该申报不存在" not in page.content()
    context.close()


def test_one_comparison_of_the_whole_filing(browser, site: Site, uploaded) -> None:
    context, page = _signed_in(browser, site, "clerk_wx", f"/filings/{site.filing_id}")
    rows = page.locator(".cmp-row")
    keys = [r.get_attribute("data-row") for r in rows.all()]
    assert keys[:3] == ["submitted_at", "applicant.name", "applicant.credit_code"]
    assert len(keys) == len(set(keys))  # each field once, whatever pages read it
    for key in ("submitted_at", "product.category", "product.rd_investment_wan"):
        assert key in keys
    submitted = page.locator("#row-submitted_at")
    assert submitted.locator(".filed").text_content() == "2021-03-04 16:10（北京时间）"
    assert "材料中没有此项" in submitted.text_content()
    name = page.locator("#row-applicant\\.name")
    kinds = {text.split()[0] for text in name.locator(".reading-kind").all_text_contents()}
    assert kinds >= {"执照", "报告"}
    # 2020SR0288454 filed, 2020SR0288424 read: the one character that differs is marked
    registration = page.locator("#row-product\\.copyright_registration_no")
    assert registration.locator(".filed mark.diff").all_text_contents() == ["5"]
    assert registration.locator(".reading mark.diff").all_text_contents() == ["2"]
    assert registration.locator(".row-flag").count() == 1
    assert "著作权登记号不一致" in registration.locator(".row-flag").text_content()
    # no 未核对 where the filed and read values are there and equal
    for reading in page.locator(".reading.state-unchecked").all():
        row = reading.locator("xpath=ancestor::tr[1]")
        filed = row.locator(".filed").text_content().strip()
        marked = reading.locator("mark.diff").count() + row.locator(".filed mark.diff").count()
        assert filed == "—" or marked, filed
    # choosing a flag brings its row into view; clicking a reading shows its box
    page.locator("#side-rest").evaluate("el => el.scrollTop = el.scrollHeight")
    page.locator('li.flag[data-flag="test_report_no_mismatch"] .flag-message').click()
    row = page.locator("#row-product\\.test_report_no")
    assert "selected" in row.get_attribute("class")
    assert _inside(page, "#row-product\\.test_report_no", "#side-rest")
    page.locator("#row-applicant\\.credit_code .reading .value").first.click()
    reading = page.locator("#row-applicant\\.credit_code .reading").first
    key = reading.get_attribute("data-page-key")
    assert page.locator(".thumb.current").get_attribute("data-page-key") == key
    assert _in_view(page, f'.box.selected[data-page-key="{key}"][data-field="credit_code"]')
    context.close()


def _inside(page, selector: str, panel: str) -> bool:
    return page.evaluate(
        """([selector, panel]) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            const view = document.querySelector(panel).getBoundingClientRect();
            return box.top >= view.top - 1 && box.bottom <= view.bottom + 1;
        }""",
        [selector, panel],
    )


def test_keyboard_reaches_everything_quickly(browser, site: Site, uploaded) -> None:
    context, page = _signed_in(browser, site, "clerk_wx", f"/filings/{site.filing_id}")
    viewer = page.get_by_role("region", name=re.compile("^页面图像"))
    assert viewer.count() == 1
    # from the top, Tab reaches the upload zone in a few stops (the table is one stop)
    page.locator("body").focus()
    stops = 0
    while stops < 40 and page.evaluate("() => document.activeElement.id") != "dropzone":
        page.keyboard.press("Tab")
        stops += 1
    first = page.locator(".cmp-row").first
    first.focus()
    from_table = 0
    while from_table < 40 and page.evaluate("() => document.activeElement.id") != "dropzone":
        page.keyboard.press("Tab")
        from_table += 1
    print(f"tab stops to 材料's upload zone: {stops} from the top, {from_table} from the table")
    flags = page.locator("li.flag").count()  # each flag card: itself, 确认疑点, 排除…
    assert from_table <= 2 and stops <= 25 + 3 * flags
    first.focus()
    page.keyboard.press("ArrowDown")
    second = page.locator(".cmp-row").nth(1)
    assert page.evaluate("() => document.activeElement.dataset.row") == second.get_attribute(
        "data-row"
    )
    page.keyboard.press("Enter")
    assert "selected" in second.get_attribute("class")
    page.keyboard.press("e")
    assert second.locator(".edit-form").first.is_visible()
    page.keyboard.press("Escape")
    assert not second.locator(".edit-form").first.is_visible()
    page.keyboard.press("Escape")
    assert page.locator(".selected").count() == 0
    page.keyboard.press("?")
    assert page.locator("#help-dialog").is_visible()
    assert "下一个" in page.locator("#help-dialog").text_content()
    page.keyboard.press("Escape")
    assert not page.locator("#help-dialog").is_visible()
    why = page.locator("#recommend-why")  # the greyed 推荐 says why, in text
    assert page.locator('[data-recommend="recommended"]').is_disabled()
    assert "疑点待处理" in why.text_content() and why.is_visible()
    assert page.locator('[data-recommend="recommended"]').get_attribute("aria-describedby") == (
        "recommend-why"
    )
    context.close()


def test_the_queue_keeps_the_reviewers_choice(browser, site: Site, uploaded) -> None:
    context, page = _signed_in(browser, site, "reviewer")
    page.select_option('select[name="bureau"]', WUXI)
    page.wait_for_url(f"**bureau={WUXI}**")
    page.click(f'a[href="/filings/{site.filing_id}"]')
    page.wait_for_url(f"**/filings/{site.filing_id}")
    page.click("a.back")
    page.wait_for_url(f"**bureau={WUXI}**")
    assert page.locator('select[name="bureau"]').input_value() == WUXI
    # the flag dismissed earlier can still be found by its type (for audits)
    page.select_option('select[name="flag_code"]', "registration_no_mismatch")
    page.wait_for_url("**flag_code=registration_no_mismatch**")
    assert page.locator(f'tr[data-filing-id="{site.filing_id}"]').count() == 1
    page.goto(f"{site.base}/?bureau={WUXI}")
    assert page.locator('th[data-sort="submitted_at"]').count() == 1
    row = page.locator(f'tr[data-filing-id="{site.filing_id}"]')
    assert row.locator(".submitted").text_content() == "2021-03-04 16:10"
    page.click('th[data-sort="submitted_at"] a')
    page.wait_for_url("**sort=submitted_at**")
    page.click('th[data-sort="submitted_at"] a')
    page.wait_for_url("**sort=-submitted_at**")
    shown = page.locator("tbody tr[data-filing-id] .submitted").all_text_contents()
    assert shown == sorted(shown, reverse=True) and len(shown) >= 2
    assert page.locator('th[data-sort="submitted_at"]').get_attribute("aria-sort") == "descending"
    context.close()


def test_j_onto_a_flag_without_a_page_clears_the_page(browser, site: Site, uploaded) -> None:
    """Last: the filing is changed (研发投入 below the campaign's 200 万元) for a flag on no page."""
    changed = {**site.filing, "product": {**site.filing["product"], "rd_investment_wan": 50.0}}
    with site.api("clerk_wx") as api:
        assert api.put(f"/api/filings/{site.filing_id}", json=changed).status_code == 200
    context, page = _signed_in(browser, site, "clerk_wx", f"/filings/{site.filing_id}")
    flag = page.locator('li.flag[data-flag="rd_investment_below_minimum"]')
    assert "研发投入（万元）" in flag.locator(".flag-where").text_content()
    row = page.locator("#row-product\\.rd_investment_wan")
    assert row.locator(".row-flag").count() == 1
    codes = [f.get_attribute("data-flag") for f in page.locator("li.flag").all()]
    target = codes.index("rd_investment_below_minimum")
    page.locator("li.flag").nth(target - 1 if target else len(codes) - 1).locator(
        ".flag-message"
    ).click()
    assert page.locator(".stage:not([hidden])").count() == 1
    page.keyboard.press("j")
    assert page.locator("li.flag.selected").get_attribute("data-flag") == codes[target]
    assert page.locator(".stage:not([hidden])").count() == 0
    assert page.locator("#viewer-nopage").is_visible()
    assert "研发投入" in page.locator("#viewer-nopage").text_content()
    assert page.locator(".thumb.current").count() == 0
    assert "selected" in row.get_attribute("class") and _inside(
        page, "#row-product\\.rd_investment_wan", "#side-rest"
    )
    context.close()


CSP_WATCH = """window.__csp = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));"""


def _watched(browser, site: Site, name: str, path: str):
    """As `_signed_in`, with every Content-Security-Policy violation and console error kept."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site.base + path)
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(site.base + path)
    return context, page, errors


def test_a_pending_correction_waits_for_another_reviewer_under_the_csp(
    browser, site: Site, uploaded
) -> None:
    """Last but one to change the filing: a clerk's correction that would clear a flag shows
    待复核 on its reading; a reviewer approves it on the page. No page breaks the CSP."""
    with site.api("clerk_wx") as api:
        report = api.get(f"/api/filings/{site.filing_id}/report").json()
    flag = next(f for f in report["flags"] if f["code"] == "test_report_no_mismatch")
    context, page, errors = _watched(browser, site, "clerk_wx", f"/filings/{site.filing_id}")
    flagged = (
        f'.reading[data-field="report_no"][data-page-key="{flag["document_id"]}-{flag["page"]}"]'
    )
    reading = page.locator(flagged)
    reading.locator('[data-action="edit"]').click()
    reading.locator('input[name="value"]').fill(flag["filing_value"])
    reading.locator('input[name="reason"]').fill("报告编号末位识别有误，以原件为准")
    with _reloaded(page):
        reading.locator('button[type="submit"]').click()
    with site.api("clerk_wx") as api:
        report = api.get(f"/api/filings/{site.filing_id}/report").json()
    assert [c["state"] for c in report["corrections"]][-1] == "pending", report["corrections"]
    reading = page.locator(flagged)
    pending = reading.locator(".pending-correction")
    assert pending.count() == 1
    assert pending.locator(".pending-value").text_content() == flag["filing_value"]
    assert pending.locator(".pending-reason").text_content() == "报告编号末位识别有误，以原件为准"
    assert pending.locator('[data-action="approve-correction"]').count() == 0  # not a clerk's
    assert reading.locator('[data-action="edit"]').is_disabled()
    assert "更正待复核" in page.locator("#compare").text_content()
    assert page.evaluate("window.__csp") == [] and not errors, (
        page.evaluate("window.__csp"),
        errors,
    )
    context.close()

    context, page, errors = _watched(browser, site, "reviewer", f"/filings/{site.filing_id}")
    pending = page.locator(".pending-correction").first
    pending.locator('[data-action="reject-correction"]').click()
    pending.locator('.reject-form button[type="submit"]').click()  # no reason: refused
    assert "必须填写理由" in pending.locator(".form-error").text_content()
    pending.locator('[data-action="cancel-reject"]').click()
    with _reloaded(page):
        pending.locator('[data-action="approve-correction"]').click()
    assert page.locator(".pending-correction").count() == 0
    assert page.locator(flagged).locator(".approved-by").text_content() == "reviewer"
    assert page.locator('li.flag[data-flag="test_report_no_mismatch"]').count() == 0
    page.goto(f"{site.base}/filings/{site.filing_id}/history")
    assert page.locator('tr[data-action="correction_approved"]').count() == 1
    page.goto(f"{site.base}/")
    assert page.evaluate("window.__csp") == [] and not errors, (
        page.evaluate("window.__csp"),
        errors,
    )
    context.close()
