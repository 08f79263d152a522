"""The reviewer's queue in a real browser (Debian's Chromium, Playwright), on the service and
sample case of tests/test_browser.py: it updates itself, sorts by every column, keeps saved
filters, exports the chosen filings, finds words in the scans' OCR text; narrow and print."""

from __future__ import annotations

import csv
import io
import time

from openpyxl import load_workbook

from tests import test_browser as shared
from tests.test_browser import CASE, PASSWORD, WUXI, Site, _signed_in

# test_browser's fixtures, shared by name: the service, the browser, the case's scans read
browser, site, uploaded = shared.browser, shared.site, shared.uploaded

WAITING = [f"JS2021-{WUXI}-B10{n}" for n in range(3)]
"""The filings test_browser's site creates still waiting for their scans."""
LIVE_TIMEOUT_MS = 30_000
OCR_TIMEOUT_S = 240


WIDER_THAN_WINDOW = """() => Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 12).map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""


def _ids(page) -> list[str]:
    return page.locator("tbody tr[data-filing-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.filingId)"
    )


def _switch_user(page, site: Site, name: str) -> None:
    """Sign out, and sign in again on the same browser as `name`."""
    with page.expect_navigation():
        page.click(".logout button")
    page.goto(site.base + "/")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_the_queue_updates_itself_when_a_flag_appears_or_processing_ends(
    browser, site: Site, uploaded
) -> None:
    context, page = _signed_in(browser, site, "reviewer", f"/?bureau={WUXI}")
    page.evaluate("window.__notReloaded = true")
    row = page.locator(f'tr[data-filing-id="{WAITING[0]}"]')
    assert row.locator(".open-flags").text_content().strip() == "0"
    # a flag appears: the filing's 研发投入 falls below the campaign's minimum
    with site.api("clerk_wx") as api:
        filing = api.get(f"/api/filings/{WAITING[0]}").json()["filing"]
        filing["product"]["rd_investment_wan"] = 20.0
        assert api.put(f"/api/filings/{WAITING[0]}", json=filing).status_code == 200
    page.locator(f'tr[data-filing-id="{WAITING[0]}"] .count-flag').wait_for(timeout=LIVE_TIMEOUT_MS)
    assert page.locator(f'tr[data-filing-id="{WAITING[0]}"] .count-flag').text_content() == "1"
    assert "队列已自动更新" in page.locator("#queue-live").text_content()
    # a file is read: the queue shows its result when the job ends, without a reload (处理中
    # in between may last less than one poll: the file is read in a few seconds)
    waiting = f'tr[data-filing-id="{WAITING[1]}"]'
    before = page.locator(waiting).get_attribute("data-status")
    with site.api("clerk_wx") as api:
        scan = (CASE / "certificate.jpg").read_bytes()
        files = [("files", ("certificate.jpg", scan, "image/jpeg"))]
        assert api.post(f"/api/filings/{WAITING[1]}/documents", files=files).status_code == 202
        deadline = time.monotonic() + OCR_TIMEOUT_S
        while (status := api.get(f"/api/filings/{WAITING[1]}").json()["status"]) == "processing":
            assert time.monotonic() < deadline, "the file was never read"
            time.sleep(0.5)
    assert status != before
    page.wait_for_function(
        "([row, status]) => document.querySelector(row).dataset.status === status",
        arg=[waiting, status],
        timeout=LIVE_TIMEOUT_MS,
    )
    assert page.evaluate("window.__notReloaded") is True  # updated in place, never reloaded
    context.close()


def test_sorting_by_each_column(browser, site: Site, uploaded) -> None:
    context, page = _signed_in(browser, site, "reviewer")
    cells = {
        "id": "rows => rows.map(r => r.dataset.filingId)",
        "applicant_name": "rows => rows.map(r => r.querySelector('.applicant').firstChild"
        ".textContent.trim())",
        "bureau": "rows => rows.map(r => r.dataset.bureau)",
        "status": "rows => rows.map(r => r.dataset.status)",
        "open_flags": "rows => rows.map(r => Number(r.querySelector('.open-flags')"
        ".textContent.replace(/\\D/g, '')))",
        "submitted_at": "rows => rows.map(r => r.querySelector('.submitted time')"
        ".getAttribute('datetime'))",
    }
    for column, script in cells.items():
        for direction, descending in (("ascending", False), ("descending", True)):
            header = page.locator(f'th[data-sort="{column}"]')
            with page.expect_navigation():
                header.locator("a").click()
            assert page.locator(f'th[data-sort="{column}"]').get_attribute("aria-sort") == (
                direction
            )
            assert ("sort=-" if descending else "sort=") + column in page.url
            shown = page.locator("tbody tr[data-filing-id]").evaluate_all(script)
            assert len(shown) >= 5 and len(set(map(str, shown))) >= 2, (column, shown)
            assert shown == sorted(shown, reverse=descending), (column, direction, shown)
    # the submission time is Beijing time, its offset kept in the page
    time_cell = page.locator("tbody tr[data-filing-id] .submitted time").first
    assert time_cell.get_attribute("datetime").endswith("+08:00")
    assert "提交时间（北京时间）" in page.locator('th[data-sort="submitted_at"]').text_content()
    context.close()


def test_a_saved_filter_is_picked_again(browser, site: Site, uploaded) -> None:
    context, page = _signed_in(browser, site, "reviewer", f"/?bureau={WUXI}")
    page.select_option('select[name="status"]', "awaiting_upload")
    page.wait_for_url("**status=awaiting_upload**")
    page.click('th[data-sort="id"] a')
    page.wait_for_url("**sort=id**")
    wanted = _ids(page)
    assert wanted and all(i.startswith(f"JS2021-{WUXI}") for i in wanted)
    page.click("#save-filter-form button")  # no name: refused in words
    assert "名称" in page.locator("#save-filter-error").text_content()
    page.fill("#save-filter-name", "无锡待上传")
    page.click("#save-filter-form button")
    assert "已保存条件「无锡待上传」" in page.locator("#queue-live").text_content()
    page.goto(site.base + "/")
    assert _ids(page) != wanted
    with page.expect_navigation():
        page.select_option("#saved-select", label="无锡待上传")
    assert "status=awaiting_upload" in page.url and f"bureau={WUXI}" in page.url
    assert _ids(page) == wanted
    assert page.locator('select[name="status"]').input_value() == "awaiting_upload"
    assert page.locator("#saved-select option:checked").text_content() == "无锡待上传"
    # another user signing in on this browser does not get the reviewer's filters
    _switch_user(page, site, "clerk_wx")
    assert page.locator("#saved-select option").all_text_contents() == ["尚未保存条件"]
    _switch_user(page, site, "reviewer")
    assert page.locator("#saved-select option").all_text_contents() == [
        "选择已保存的条件…",
        "无锡待上传",
    ]
    page.select_option("#saved-select", label="无锡待上传")
    page.wait_for_load_state()
    page.click("#saved-delete")
    page.reload()
    assert page.locator("#saved-select option").all_text_contents() == ["尚未保存条件"]
    context.close()


def test_export_of_the_chosen_filings(browser, site: Site, uploaded) -> None:
    context, page = _signed_in(browser, site, "reviewer", f"/?bureau={WUXI}")
    assert page.locator("#export-xlsx").get_attribute("aria-disabled") == "true"
    chosen = [site.filing_id, WAITING[2]]
    for filing_id in chosen:
        page.check(f'tr[data-filing-id="{filing_id}"] .pick-one')
    assert page.locator("#picked-count").text_content() == "已选 2 项申报"
    page.click('th[data-sort="submitted_at"] a')  # the choice outlives sorting
    page.wait_for_url("**sort=submitted_at**")
    assert page.locator(".pick-one:checked").count() == 2
    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename == "所选2项申报推荐产品汇总表.xlsx"
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "所选 2 项申报 推荐产品汇总表"
    assert [r[1] for r in rows[2:]] == sorted(chosen)
    with page.expect_download() as download:
        page.click("#export-csv")
    text = download.value.path().read_text("utf-8-sig")
    assert [r[1] for r in list(csv.reader(io.StringIO(text)))[1:]] == sorted(chosen)
    page.check("#pick-all")
    everyone = _ids(page)
    assert page.locator("#picked-count").text_content() == f"已选 {len(everyone)} 项申报"
    page.click("#clear-picked")
    assert page.locator(".pick-one:checked").count() == 0
    assert page.locator("#export-csv").get_attribute("aria-disabled") == "true"
    context.close()


def test_search_in_the_scans_text_shows_the_passage_and_opens_the_page(
    browser, site: Site, uploaded
) -> None:
    context, page = _signed_in(browser, site, "reviewer", f"/?bureau={WUXI}")
    page.fill('input[name="text"]', "登记证书")
    with page.expect_navigation():
        page.press('input[name="text"]', "Enter")
    assert "text=" in page.url
    assert site.filing_id in _ids(page)
    hits = page.locator(f'tr.hit-row[data-hits-for="{site.filing_id}"]')
    assert "登记证书" in hits.locator("mark").first.text_content()
    link = hits.locator("a.hit").first
    assert "certificate.jpg 第1页" in link.text_content()
    href = link.get_attribute("href")
    assert f"/filings/{site.filing_id}#page-" in href
    key = href.split("#page-")[1]
    with page.expect_navigation():
        link.click()
    stage = page.locator(".stage:not([hidden])")
    assert stage.get_attribute("data-page-key") == key
    assert "certificate.jpg" in page.locator("#viewer-title").text_content()
    # words found on no page: no filing, and the page says so
    page.goto(f"{site.base}/?bureau={WUXI}&text=不存在的文字甲乙丙")
    assert _ids(page) == [] and "没有符合条件的申报" in page.content()
    context.close()


def test_narrow_window_and_print_layouts_and_signs_beside_colours(
    browser, site: Site, uploaded
) -> None:
    context, page = _signed_in(browser, site, "reviewer", f"/?bureau={WUXI}")
    page.set_viewport_size({"width": 760, "height": 900})
    width = page.evaluate("document.documentElement.scrollWidth")
    print(f"queue at 760 px: document {width} px wide")
    assert width <= 760, page.evaluate(WIDER_THAN_WINDOW)
    cell = page.locator(f'tr[data-filing-id="{site.filing_id}"] td[data-label="状态"]')
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"状态"'
    badge = cell.locator(".badge")
    assert badge.evaluate("b => getComputedStyle(b, '::before').content") == '"⚠ "'
    page.emulate_media(media="print")
    assert not page.locator(".filters").is_visible()
    assert not page.locator("#bulk-bar").is_visible()
    assert page.locator(f'tr[data-filing-id="{site.filing_id}"]').is_visible()
    page.emulate_media(media="screen")
    page.goto(f"{site.base}/filings/{site.filing_id}")
    width = page.evaluate("document.documentElement.scrollWidth")
    print(f"review page at 760 px: document {width} px wide")
    assert width <= 760, page.evaluate(WIDER_THAN_WINDOW)
    flagged = page.locator(".box.state-flagged").first
    assert flagged.evaluate("b => getComputedStyle(b, '::after').content") == '"✕"'
    page.emulate_media(media="print")
    assert not page.locator(".viewer").is_visible()
    assert page.locator("#compare").is_visible()
    context.close()
