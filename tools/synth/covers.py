"""Randomised 软件著作权登记证书 and 检测报告 covers: spellings, order, geometry, fonts, date forms.

The cover families include the 江苏省软件产品检测中心 kind: `计算机软件检测报告`, `测试类型` and
`送检单位` rows, the institution printed without a label at the foot under its seal, and the date
in Chinese numerals with no label. The truth of each page is what it prints.
"""

from __future__ import annotations

import random

from core.model import PageKind
from tools.synth.facts import CertificateFacts, TestReportFacts
from tools.synth.layout import Frame, PageLayout, Rule, Seal
from tools.synth.render import CERT_BORDER, CERT_TEXT, NCAC
from tools.synth.styles import Style, date_text, draw_style, label_width, put_label

REPORT_TITLES = ("计算机软件检测报告", "软件产品检测报告", "检 测 报 告", "测 试 报 告", "软件测试报告",
                 "软件产品测试报告", "检验检测报告")  # fmt: skip


def _pick(rng: random.Random, *choices: tuple[str, int]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _rows(page: PageLayout, rows: list[tuple[str, str]], style: Style, x0: float, x1: float,
          y: float, ruled: bool = False) -> float:  # fmt: skip
    """Label/value rows from baseline y; values wrap up to x1; returns the baseline after."""
    value_x = None
    if not style.inline:
        value_x = x0 + max(label_width(label, style) for label, _ in rows)
        value_x += style.label_gap * style.lsize
    for label, value in rows:
        end = put_label(page, x0, y, label, style)
        start = end + style.lsize * 0.3 if value_x is None else value_x
        after = page.paragraph(start, y, x1, value, style.fonts.value, style.vsize, style.leading)
        y = max(after, y + style.lsize * 1.3) + style.row_gap * style.vsize
        if ruled:
            page.add(Rule(start - 10, y - style.vsize * 1.1, x1, y - style.vsize * 1.1, 3))
    return y


def _fit(draw, style: Style, limit: float) -> PageLayout:
    """Draw with `draw(style)` and shrink the style until the body ends above `limit`."""
    for _ in range(8):
        page, bottom = draw(style)
        if bottom <= limit:
            break
        style = style.scaled(0.9)
    return page


def random_certificate_page(facts: CertificateFacts, rng: random.Random, for_pdf: bool) -> PageLayout:  # fmt: skip
    u = rng.uniform
    style = draw_style(rng, for_pdf, size=u(46, 58))
    form = rng.choice(("padded", "padded", "plain"))
    in_name = rng.random() < 0.5
    name = facts.software_name + (facts.software_version if in_name else "")
    published = (
        date_text(facts.first_published_date, form) if facts.first_published_date else "未发表"
    )
    rows = [(_pick(rng, ("软件名称", 5), ("软件全称", 1)), name)]
    if not in_name:
        rows.append(
            (_pick(rng, ("版本号", 2), ("版 本 号", 2), ("版本", 1)), facts.software_version)
        )
    rows += [(_pick(rng, ("著作权人", 5), ("权利人", 1)), "；".join(facts.copyright_holders)),
             ("开发完成日期", date_text(facts.development_completed_date, form)),
             ("首次发表日期", published), ("权利取得方式", "原始取得"), ("权利范围", "全部权利")]  # fmt: skip
    registration = ("登记号" if rng.random() < 0.6 else "登 记 号", facts.registration_no)
    rows.insert(0, registration) if rng.random() < 0.3 else rows.append(registration)
    title_y, no_side = u(560, 760), rng.choice(("center", "right", "left"))
    x0, x1, top = u(250, 430), u(2030, 2220), u(title_y + 340, 1300)
    ruled, ncac_text = rng.random() < 0.35, rng.random() < 0.5
    date_xy = (u(1250, 1650), u(2900, 3120))
    seal = (u(250, 420), u(-170, -60), u(-10, 10), u(0.65, 0.95), rng.randrange(10**9))
    serial_y = u(3200, 3300)

    def draw(style: Style) -> tuple[PageLayout, float]:
        page = PageLayout(PageKind.COPYRIGHT_CERTIFICATE, "certificate_random")
        page.add(Frame(110, 110, page.width - 110, page.height - 110, 14, CERT_BORDER))
        page.add(Frame(145, 145, page.width - 145, page.height - 145, 4, CERT_BORDER))
        page.centered(title_y, "计算机软件著作权登记证书", style.fonts.title, 112, tracking=4)
        number = f"证书号：软著登字第{facts.certificate_no}号"
        if no_side == "center":
            page.centered(title_y + 190, number, style.fonts.label, 50)
        elif no_side == "right":
            page.right(x1, title_y + 190, number, style.fonts.label, 46)
        else:
            page.text(x0, title_y + 190, number, style.fonts.label, 46)
        y = _rows(page, rows, style, x0, x1, top, ruled)
        y = page.paragraph(x0, y + 60, x1, CERT_TEXT, style.fonts.value, 50, leading=1.7, indent=2)
        dx, dy = date_xy
        if ncac_text:
            page.text(dx - 160, dy - 120, NCAC, style.fonts.label, 52)
        page.text(dx, dy, date_text(facts.issue_date, form), style.fonts.value, 54)
        page.add(
            Seal(dx + seal[0], dy + seal[1], 260, NCAC, tilt=seal[2], ink=seal[3], seed=seal[4])
        )
        page.text(x0, serial_y, f"No. {facts.serial}", style.fonts.label, 40, color=(150, 40, 40))
        return page, y

    page = _fit(draw, style, date_xy[1] - 220)
    page.fields = facts.fields()
    return page


def random_report_cover(facts: TestReportFacts, rng: random.Random, for_pdf: bool) -> PageLayout:
    """A 检测报告 cover; the `unlabelled` family prints institution and date with no label."""
    u = rng.uniform
    style = draw_style(rng, for_pdf, size=u(50, 62))
    family = rng.choices(("unlabelled", "labelled", "boxed"), weights=(2, 2, 1))[0]
    form = "numerals" if family == "unlabelled" and rng.random() < 0.7 else style.date_form
    category = (_pick(rng, ("测试类型", 2), ("检测类别", 2), ("测试类别", 1)), facts.test_category)
    rows = [(_pick(rng, ("产品名称", 4), ("软件名称", 2), ("样品名称", 1), ("被测软件名称", 1)), facts.product_name),
            (_pick(rng, ("版本号", 2), ("版 本 号", 2), ("版本", 1), ("规格型号", 1)), facts.product_version),
            (_pick(rng, ("委托单位", 3), ("送检单位", 3), ("委托方", 1), ("申请单位", 1)), facts.client)]  # fmt: skip
    rows.insert(0, category) if rng.random() < 0.5 else rows.append(category)
    title = (
        "计算机软件检测报告"
        if family == "unlabelled" and rng.random() < 0.5
        else rng.choice(REPORT_TITLES)
    )
    number = f"{_pick(rng, ('报告编号', 5), ('编号', 1))}：{facts.report_no}"
    number_side = rng.choice(("right", "left"))
    logo = rng.random() < 0.5
    x0, x1, top = u(280, 620), u(1950, 2200), u(1450, 1900)
    title_y, foot_y = u(950, 1250), u(2850, 3100)
    institution_label = _pick(
        rng, ("检测单位", 4), ("测试单位", 1), ("承检单位", 1), ("检验单位", 1)
    )
    date_label = _pick(rng, ("签发日期", 3), ("报告日期", 2), ("批准日期", 1), ("", 1))
    seal = (u(-200, 300), u(-60, 80), rng.uniform(215, 245), u(-15, 15), u(0.6, 0.95), rng.randrange(10**9))  # fmt: skip
    date_text_ = date_text(facts.issue_date, form)

    def draw(style: Style) -> tuple[PageLayout, float]:
        page = PageLayout(PageKind.TEST_REPORT, f"report_cover_{family}")
        if logo:
            page.add(Frame(1900, 200, 2230, 330, 6, (60, 90, 150)))
            page.add(Rule(1930, 265, 2200, 265, 10, (60, 90, 150)))
        number_y = 420 if logo else 330
        if number_side == "right":
            page.right(2230, number_y, number, style.fonts.label, 44)
        else:
            page.text(300, number_y, number, style.fonts.label, 44)
        if family == "boxed":
            page.text(300, 240, facts.testing_institution, style.fonts.label, 46)
        page.centered(title_y, title, style.fonts.title, 130 if len(title) > 6 else 150)
        y = _rows(page, rows, style, x0, x1, top, family == "boxed")
        if family == "boxed":
            page.add(Frame(x0 - 50, top - style.lsize * 1.4, x1 + 40, y - style.vsize * 0.6, 5))
        if family == "unlabelled":
            page.centered(foot_y, facts.testing_institution, style.fonts.title, 62)
            page.centered(foot_y + 120, date_text_, style.fonts.value, 54)
        else:
            page.centered(foot_y, f"{institution_label}：{facts.testing_institution}", style.fonts.label, 56)  # fmt: skip
            dated = f"{date_label}：{date_text_}" if date_label else date_text_
            page.centered(foot_y + 130, dated, style.fonts.label, 52)
        page.add(Seal(page.width / 2 + seal[0], foot_y + seal[1], seal[2], facts.testing_institution,
                      bottom="检验检测专用章", tilt=seal[3], ink=seal[4], seed=seal[5]))  # fmt: skip
        return page, y

    page = _fit(draw, style, foot_y - 200)
    page.fields = facts.cover_fields()
    return page
