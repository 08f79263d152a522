# ruff: noqa: F811 - the fixtures of tests/test_browser.py, imported, are parameters here
"""The review page in a real browser (Debian's Chromium, Playwright): every panel's content is
reachable inside the fixed frame at common window sizes; a page turned by hand. The service and
the browser are those of tests/test_browser.py (its fixtures, imported)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from intake.persistence.database import Database
from intake.persistence.records import FlagRecord
from tests.api_support import filing_data, page_png
from tests.test_browser import (  # noqa: F401 - fixtures
    CHROMIUM,
    WUXI,
    Site,
    _signed_in,
    browser,
    site,
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
)
SIZES = [
    {"width": 1280, "height": 720},
    {"width": 1400, "height": 900},
    {"width": 1920, "height": 1080},
]
PANELS = ["#flags-panel", "#side-rest", ".thumbs", "#viewer-scroll"]


def _read_upload(site: Site, filing_id: str, serial: int, pages: list[bytes]) -> int:
    """A filing with `pages` uploaded as PNG files and read; the last document's id."""
    with site.api("clerk_wx") as api:
        filing = filing_data(filing_id, bureau=WUXI, serial=serial)
        assert api.post("/api/filings", json=filing).status_code == 201
        files = [("files", (f"附页{n}.png", png, "image/png")) for n, png in enumerate(pages, 1)]
        data = api.post(f"/api/filings/{filing_id}/documents", files=files).json()["data"]
        deadline = time.monotonic() + 180
        for item in data:
            job_id = item["job"]["id"]
            while (job := api.get(f"/api/jobs/{job_id}").json())["state"] != "done":
                assert time.monotonic() < deadline and job["state"] != "failed", job
                time.sleep(0.2)
        return data[-1]["document"]["id"]


@pytest.fixture(scope="module")
def many_flags(site: Site) -> str:
    """A filing whose scans are blank pages: several open flags, several thumbnails."""
    filing_id = f"JS2021-{WUXI}-B500"
    shades = [(250, 250, 250), (245, 245, 245), (240, 240, 240), (235, 235, 235)]
    _read_upload(site, filing_id, 71, [page_png(s, size=(600, 800)) for s in shades])
    db = Database(site.database_url)
    try:  # more open flags than fit in any window: copies of those the check raised
        with db.session(write=True) as session:
            raised = session.scalars(select(FlagRecord).where(FlagRecord.filing_id == filing_id))
            for n, flag in enumerate(list(raised) * 4):
                copy = {c.key: getattr(flag, c.key) for c in FlagRecord.__table__.columns}
                del copy["id"]
                copy.update(fingerprint=f"layout-{n}", position=100 + n)
                session.add(FlagRecord(**copy))
    finally:
        db.dispose()
    return filing_id


REACH = """sel => {
    const el = document.querySelector(sel);
    el.scrollTop = el.scrollHeight;
    const box = el.getBoundingClientRect();
    const last = el.lastElementChild.getBoundingClientRect();
    return {top: box.top, bottom: box.bottom, scrollable: el.scrollHeight > el.clientHeight,
            overflow: getComputedStyle(el).overflowY, lastBottom: last.bottom,
            window: window.innerHeight, docHeight: document.documentElement.scrollHeight};
}"""


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_every_panel_scrolls_to_its_end_inside_the_window(
    browser, site: Site, many_flags: str, size
) -> None:
    """No panel reaches past the window: each ends inside it, and scrolled to its end inside
    itself its last content is in view (at 1400×900 the side panel used to end at ~1296 px)."""
    context, page = _signed_in(browser, site, "reviewer", f"/filings/{many_flags}")
    page.set_viewport_size(size)
    assert page.locator("li.flag.status-open").count() >= 12
    side = page.locator("#side").bounding_box()
    print(f"{size}: side {side}")
    assert side["y"] + side["height"] <= size["height"] + 0.5
    for selector in PANELS:
        got = page.evaluate(REACH, selector)
        assert got["bottom"] <= size["height"] + 0.5, (selector, got)
        assert got["lastBottom"] <= got["bottom"] + 1, (selector, got)  # the end is in view
    assert page.evaluate("() => document.documentElement.scrollHeight") == size["height"]
    assert page.evaluate("() => [window.scrollX, window.scrollY]") == [0, 0]
    context.close()


def test_a_reviewer_turns_a_page_by_hand(browser, site: Site) -> None:
    """A page lying on its side turned a quarter turn from the viewer, with a reason: read
    again upright (its image now taller than wide), the history saying who and why."""
    filing_id = f"JS2021-{WUXI}-B501"
    document_id = _read_upload(site, filing_id, 72, [page_png((248, 248, 248), size=(800, 600))])
    context, page = _signed_in(browser, site, "reviewer", f"/filings/{filing_id}")
    page.locator(".thumb").first.click()
    stage = page.locator(f'.stage[data-page-key="{document_id}-0"]')
    assert (stage.get_attribute("data-width"), stage.get_attribute("data-height")) == (
        "800",
        "600",
    )
    page.locator("#viewer-scroll").focus()
    page.keyboard.press("r")  # the shortcut (the toolbar's button does the same)
    dialog = page.locator("#turn-dialog")
    assert dialog.is_visible()
    page.click("#turn-cancel")
    assert not dialog.is_visible()
    page.click("#turn-open")
    assert dialog.is_visible() and "附页1.png 第1页" in page.locator("#turn-page").text_content()
    page.check('#turn-form input[name="turn"][value="270"]')
    assert "rotate(270deg)" in page.locator("#turn-preview").get_attribute("style")
    page.click("#turn-go")
    assert "理由" in dialog.locator(".form-error").text_content()  # a reason first
    page.fill("#turn-reason", "扫描时横放了")
    page.click("#turn-go")
    page.wait_for_load_state()
    deadline = time.monotonic() + 120
    while True:  # the page follows the new job, then redraws itself
        page.wait_for_timeout(500)
        turned = page.locator(f'.stage[data-page-key="{document_id}-0"]')
        size = turned.get_attribute("data-width"), turned.get_attribute("data-height")
        if turned.count() and int(size[1]) > int(size[0]):  # upright: taller than wide
            break
        assert time.monotonic() < deadline, "the turned page was not read again"
        if page.locator("#upload-done").is_visible():
            page.click('#upload-done [data-action="reload"]')
    print(f"turned page: {size[0]}×{size[1]}")
    page.goto(site.base + f"/filings/{filing_id}/history")
    line = page.locator('tr[data-action="page_turned"]')
    assert line.locator("td").nth(2).text_content() == "旋转页面"
    assert "附页1.png 第1页" in line.text_content() and "reviewer" in line.text_content()
    assert "向左转 90°（理由：扫描时横放了）" in line.text_content()
    context.close()
