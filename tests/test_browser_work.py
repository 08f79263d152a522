# ruff: noqa: F811 - the fixtures of tests/test_browser.py, imported, are parameters here
"""The work pages in a real browser (Debian's Chromium, Playwright): a clerk creates a filing and
imports a 征集信息表, an admin manages accounts, a wrong upload is removed or replaced. The
service and the browser are those of tests/test_browser.py (its fixtures, imported)."""

from __future__ import annotations

import re
import time

import pytest

from tests.api_support import credit_code, filing_data, page_png
from tests.test_browser import (  # noqa: F401 - fixtures
    CHROMIUM,
    PASSWORD,
    VIEWPORT,
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
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
"""Three Latin letters in a row: an English word or an internal name a clerk should not read."""


def _error_of(page, path: str) -> str:
    return page.locator(f'.field[data-path="{path}"] .field-error').text_content()


def test_a_clerk_creates_a_filing_in_the_browser(browser, site: Site) -> None:
    """The form's labels are the 征集信息表's; each schema error stands beside its field in
    Chinese; a saved filing opens on its page, ready for the scans."""
    context, page = _signed_in(browser, site, "clerk_wx", "/filings/new")
    for label in ("送征单位名称", "统一社会信用代码", "成立日期", "产品名称", "软件著作权登记号"):
        assert page.get_by_label(label).count() == 1, label
    assert page.locator("#f-bureau").is_disabled()  # a clerk files for their own bureau
    filing_id = f"JS2021-{WUXI}-W001"
    page.select_option("#f-campaign", "jiangsu-2021-first-edition")
    page.fill("#f-filing_id", filing_id)
    page.fill("#f-applicant-credit_code", credit_code(70, WUXI))
    page.fill("#f-product-name", "无锡智造平台")
    page.fill("#f-product-rd_investment_wan", "很多")
    page.fill("#f-submitted_at", "2021-03-01T10:00")
    page.click("#filing-form button[type=submit]")
    page.locator("#form-summary").wait_for()
    assert _error_of(page, "applicant/name") == "必填，不能缺少"
    assert _error_of(page, "product/rd_investment_wan") == "须为数值"
    summary = page.locator("#form-summary").text_content()
    assert "有 2 处需要修改" in summary and "送征单位名称：必填" in summary
    for text in (summary, _error_of(page, "applicant/name")):
        assert not LATIN_WORD.search(text), text
    assert (
        page.locator('.field[data-path="applicant/name"] input').get_attribute("aria-invalid")
        == "true"
    )
    assert page.url.endswith("/filings/new")  # nothing saved
    page.fill("#f-applicant-name", "无锡智造软件有限公司")
    page.fill("#f-product-rd_investment_wan", "320")
    page.fill("#f-product-copyright_holders", "无锡智造软件有限公司、无锡大学")
    page.select_option("#f-product-xinchuang_adapted", "true")
    page.click("#filing-form button[type=submit]")
    page.wait_for_url(f"**/filings/{filing_id}")
    assert page.locator("#filing-status").text_content() == "待上传"
    assert page.locator("#file-input").count() == 1  # the upload is right there
    with site.api("clerk_wx") as api:
        stored = api.get(f"/api/filings/{filing_id}").json()["filing"]
    assert stored["campaign"] == "jiangsu-2021-first-edition"
    assert stored["submitted_at"] == "2021-03-01T10:00:00+08:00"
    assert stored["product"]["rd_investment_wan"] == 320
    assert stored["product"]["copyright_holders"] == ["无锡智造软件有限公司", "无锡大学"]
    assert stored["product"]["xinchuang_adapted"] is True
    page.goto(site.base + "/filings/new")
    page.fill("#f-filing_id", filing_id)  # the same id again: refused beside the id
    page.fill("#f-applicant-name", "无锡智造软件有限公司")
    page.fill("#f-applicant-credit_code", credit_code(70, WUXI))
    page.fill("#f-product-name", "无锡智造平台")
    page.click("#filing-form button[type=submit]")
    page.locator('.field[data-path="filing_id"].has-error').wait_for()
    assert "已存在" in _error_of(page, "filing_id")
    context.close()


def _csv(rows: list[list[str]]) -> bytes:
    header = "申报编号,所属地区,送征单位名称,统一社会信用代码,产品名称,版本号,成立日期"
    return ("\n".join([header, *(",".join(r) for r in rows)]) + "\n").encode("utf-8")


def test_a_clerk_imports_a_table_and_reads_every_bad_row(browser, site: Site, tmp_path) -> None:
    table = tmp_path / "征集信息表.csv"
    table.write_bytes(
        _csv(
            [
                [
                    f"JS2021-{WUXI}-I001",
                    WUXI,
                    "无锡一号软件有限公司",
                    credit_code(61, WUXI),
                    "一号平台",
                    "V1.0",
                    "2015-03-02",
                ],
                [
                    f"JS2021-{WUXI}-I002",
                    WUXI,
                    "无锡二号软件有限公司",
                    credit_code(62, WUXI),
                    "二号平台",
                    "V1.0",
                    "2020年13月45日",
                ],
                [
                    f"JS2021-{WUXI}-I003",
                    WUXI,
                    "无锡三号软件有限公司",
                    credit_code(63, WUXI),
                    "",
                    "V1.0",
                    "2015-03-02",
                ],
                [
                    f"JS2021 {WUXI} 坏",
                    WUXI,
                    "无锡五号软件有限公司",
                    credit_code(65, WUXI),
                    "五号平台",
                    "V1.0",
                    "2015-03-02",
                ],
            ]
        )
    )
    context, page = _signed_in(browser, site, "clerk_wx", "/imports/new")
    page.set_input_files("#import-file", str(table))
    page.click("#import-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/imports/\d+$"))
    page.wait_for_selector('#import[data-state="done"]', timeout=60_000)
    assert page.locator("#import-state").text_content() == "导入完成"
    counts = {
        c.get_attribute("data-count"): c.locator("b").text_content()
        for c in page.locator(".import-counts .count").all()
    }
    assert counts == {"created": "1", "updated": "0", "unchanged": "0", "errors": "3"}
    assert page.locator('[data-list="created"] a').text_content() == f"JS2021-{WUXI}-I001"
    rows = page.locator("#row-errors tbody tr")
    assert rows.count() == 3
    assert rows.nth(0).text_content().startswith("第 3 行成立日期")
    assert "2020年13月45日" in rows.nth(0).text_content()
    assert "第 4 行产品名称必填项为空" == rows.nth(1).text_content()
    bad_id = rows.nth(2).text_content()  # the column's printed header, not the field's path
    assert bad_id.startswith("第 5 行申报编号只能由字母、数字") and "filing_id" not in bad_id
    import_id = page.url.rsplit("/", 1)[1]
    with site.api("clerk_wx") as api:  # the API's rows too: Chinese, the field by its name
        errors = api.get(f"/api/imports/{import_id}").json()["result"]["errors"]
    assert len(errors) == 3
    for error in errors:
        assert not LATIN_WORD.search(error["message"]), error
    assert errors[2]["message"].startswith("第 5 行 不符合填报表格式：「申报编号」只能由字母")
    # the same table again: the good row is unchanged, nothing created twice
    page.goto(site.base + "/imports/new")
    page.set_input_files("#import-file", str(table))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector('#import[data-state="done"]', timeout=60_000)
    assert page.locator('[data-count="unchanged"] b').text_content() == "1"
    assert page.locator('[data-count="created"] b').text_content() == "0"
    # not a table: the import fails as a whole, with the reason in Chinese
    bogus = tmp_path / "照片.xlsx"
    bogus.write_bytes(page_png((9, 9, 9)))
    page.goto(site.base + "/imports/new")
    page.set_input_files("#import-file", str(bogus))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector('#import[data-state="failed"]', timeout=60_000)
    assert page.locator("#import-state").text_content() == "导入失败"
    failure = page.locator("#import-failure").text_content()
    assert failure.startswith("照片.xlsx：") and "不是 Excel 工作簿" in failure, failure
    context.close()


def _sign_in(browser, site: Site, name: str, password: str):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.goto(site.base + "/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_an_admin_manages_accounts_and_a_clerk_may_not(browser, site: Site) -> None:
    context, page = _signed_in(browser, site, "admin", "/users")
    assert page.locator("tr[data-user]").count() >= 5
    page.fill("#u-name", "wx_new")
    page.select_option("#u-role", "clerk")
    page.select_option("#u-bureau", WUXI)
    page.fill("#u-password", "first-password")
    page.click("#add-user button[type=submit]")
    page.locator("#work-notice", has_text="已新增账户「wx_new」").wait_for()
    row = page.locator('tr[data-user="wx_new"]')
    assert "经办人" in row.text_content() and "无锡" in row.text_content()

    clerk, clerk_page = _sign_in(browser, site, "wx_new", "first-password")
    assert clerk_page.url == site.base + "/" and "wx_new" in clerk_page.content()
    assert clerk_page.locator('.topnav a[href="/users"]').count() == 0
    clerk_page.goto(site.base + "/users")
    assert clerk_page.locator(".status-code").text_content() == "403"
    assert "只有管理员可以管理用户" in clerk_page.content()
    clerk.close()

    row.locator('[data-user-action="password"]').click()
    row.locator("input[type=password]").fill("second-password")
    row.locator(".password-form button[type=submit]").click()
    page.locator("#work-notice", has_text="已重设「wx_new」的密码").wait_for()
    old, old_page = _sign_in(browser, site, "wx_new", "first-password")
    assert "/login" in old_page.url  # the old password no longer works
    old.close()

    page.locator('tr[data-user="wx_new"] [data-user-action="deactivate"]').click()
    page.locator('tr[data-user="wx_new"][data-active="false"]').wait_for()
    off, off_page = _sign_in(browser, site, "wx_new", "second-password")
    assert "/login" in off_page.url
    off.close()
    page.locator('tr[data-user="wx_new"] [data-user-action="activate"]').click()
    page.locator('tr[data-user="wx_new"][data-active="true"]').wait_for()
    on, on_page = _sign_in(browser, site, "wx_new", "second-password")
    assert on_page.url == site.base + "/"
    on.close()
    assert page.locator('tr[data-user="admin"] [data-user-action="deactivate"]').count() == 0
    context.close()


def _failed_upload(site: Site, filing_id: str, name: str, salt: int) -> int:
    """A file the worker cannot read (a cut-off PNG): it fails fast, with its own flag."""
    with site.api("clerk_wx") as api:
        cut = page_png((salt, salt, salt), size=(240 + salt, 320))[:40]  # its own header
        response = api.post(
            f"/api/filings/{filing_id}/documents", files=[("files", (name, cut, "image/png"))]
        )
        job_id = response.json()["data"][0]["job"]["id"]
        deadline = time.monotonic() + 60
        while (job := api.get(f"/api/jobs/{job_id}").json())["state"] != "failed":
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
        return job["document_id"]


def test_a_wrong_upload_is_removed_or_replaced_on_the_filing_page(browser, site: Site) -> None:
    filing_id = f"JS2021-{WUXI}-B300"
    with site.api("clerk_wx") as api:
        assert (
            api.post(
                "/api/filings", json=filing_data(filing_id, bureau=WUXI, serial=60)
            ).status_code
            == 201
        )
    plain = _failed_upload(site, filing_id, "误传.png", 1)
    decided = _failed_upload(site, filing_id, "已核实.png", 2)
    swapped = _failed_upload(site, filing_id, "模糊.png", 3)
    with site.api("reviewer") as api:
        flags = api.get("/api/flags", params={"filing_id": filing_id}).json()["data"]
        flag = next(f for f in flags if f["document_id"] == decided)
        answer = api.post(
            f"/api/flags/{flag['id']}/decision",
            json={"decision": "dismiss", "reason": "纸质件已当面核对"},
        )
        assert answer.status_code == 200, answer.text
    context, page = _signed_in(browser, site, "clerk_wx", f"/filings/{filing_id}")
    # The flags of three unreadable files: at 1400×900 the side panel runs past the window's
    # bottom (the review page's frame, not these controls); a taller window shows it whole.
    page.set_viewport_size({"width": 1400, "height": 1600})
    assert not page.locator('[data-doc-action="delete"]').first.is_visible()  # until asked for
    page.click("#doc-fix-toggle")

    page.locator(f'.doc[data-document-id="{plain}"] [data-doc-action="delete"]').click()
    page.fill("#doc-fix-reason", "传错了文件")
    page.click("#doc-fix-go")
    page.locator(f'.doc[data-document-id="{plain}"]').wait_for(state="detached")
    assert "已删除「误传.png」" in page.locator("#work-notice").text_content()

    page.click("#doc-fix-toggle")
    page.locator(f'.doc[data-document-id="{decided}"] [data-doc-action="delete"]').click()
    page.click("#doc-fix-go")
    warning = page.locator("#doc-fix-warning")
    warning.wait_for()
    assert "1 项人工决定" in warning.text_content() and "纸质件已当面核对" in warning.text_content()
    assert page.locator("#doc-fix-go").text_content() == "仍然删除"
    assert page.locator(f'.doc[data-document-id="{decided}"]').count() == 1  # not yet
    page.click("#doc-fix-go")
    page.locator(f'.doc[data-document-id="{decided}"]').wait_for(state="detached")

    page.click("#doc-fix-toggle")
    with page.expect_file_chooser() as chooser:
        page.locator(f'.doc[data-document-id="{swapped}"] [data-doc-action="replace"]').click()
    clear = page_png((250, 250, 250))
    chooser.value.set_files(files=[{"name": "清晰.png", "mimeType": "image/png", "buffer": clear}])
    assert "用「清晰.png」替换「模糊.png」" in page.locator("#doc-fix-title").text_content()
    page.click("#doc-fix-go")
    page.locator('.doc[data-file="清晰.png"]').wait_for()
    assert page.locator('.doc[data-file="模糊.png"]').count() == 0

    page.goto(site.base + f"/filings/{filing_id}/history")
    removed = page.locator('tr[data-action="document_removed"]')
    assert removed.count() == 2
    text = page.locator(".history-table").text_content()
    assert "删除材料" in text and "传错了文件" in text
    assert "纸质件已当面核对" in text and "已确认不再生效" in text
    assert "替换材料" in text and "替换为 清晰.png" in text
    context.close()


def test_a_reviewer_changes_a_pages_kind_by_hand(browser, site: Site) -> None:
    """A blank page read as 其他材料 set to 营业执照 with a reason: read again as a licence,
    its thumbnail says so, and the history records who changed it from what to what."""
    filing_id = f"JS2021-{WUXI}-B400"
    with site.api("clerk_wx") as api:
        filing = filing_data(filing_id, bureau=WUXI, serial=61)
        assert api.post("/api/filings", json=filing).status_code == 201
        blank = [("files", ("附页.png", page_png((250, 250, 250), size=(600, 800)), "image/png"))]
        job_id = api.post(f"/api/filings/{filing_id}/documents", files=blank).json()["data"][0][
            "job"
        ]["id"]
        deadline = time.monotonic() + 120
        while (job := api.get(f"/api/jobs/{job_id}").json())["state"] != "done":
            assert time.monotonic() < deadline and job["state"] != "failed", job
            time.sleep(0.2)
    context, page = _signed_in(browser, site, "reviewer", f"/filings/{filing_id}")
    thumb = page.locator(".thumb").first
    assert "kind-other" in thumb.get_attribute("class")
    thumb.click()
    page.click("#doc-fix-toggle")
    assert "附页.png 第1页" in page.locator("#kind-page").text_content()
    page.select_option("#kind-select", "business_license")
    page.click("#kind-go")
    assert "理由" in page.locator("#kind-form .form-error").text_content()  # a reason first
    page.fill("#kind-reason", "这是营业执照的副本")
    page.click("#kind-go")
    page.locator(".thumb.kind-business_license").wait_for(timeout=120_000)
    assert page.locator(".thumb .thumb-kind").first.text_content() == "营业执照"
    page.goto(site.base + f"/filings/{filing_id}/history")
    line = page.locator('tr[data-action="page_kind_changed"]')
    assert line.locator("td").nth(2).text_content() == "更改页面类型"
    assert "附页.png 第1页" in line.text_content() and "其他材料" in line.text_content()
    assert "营业执照（理由：这是营业执照的副本）" in line.text_content()
    context.close()
