"""Layouts of the 软件产品检测报告 (cover, 检测结论 page) and the 用户使用报告."""

from __future__ import annotations

import random

from core.model import PageKind
from tools.synth.facts import TestReportFacts, UsageReportFacts, cn_date
from tools.synth.layout import FontSet, Frame, PageLayout, Rule, Seal, text_width

REPORT_TITLES = ("检 测 报 告", "软件产品检测报告", "测 试 报 告")
USAGE_TITLES = ("用户使用报告", "软件产品使用报告")


def _seal_for(name: str, cx: float, cy: float, rng: random.Random, bottom: str = "") -> Seal:
    return Seal(cx, cy, rng.uniform(215, 245), name, bottom=bottom, tilt=rng.uniform(-15, 15),
                ink=rng.uniform(0.65, 0.95), seed=rng.randrange(10**9))  # fmt: skip


def report_cover(facts: TestReportFacts, variant: str, padded: bool, fonts: FontSet,
                 rng: random.Random) -> PageLayout:  # fmt: skip
    """variant: `plain` (underlined form rows) or `boxed` (institution header, framed table)."""
    page = PageLayout(PageKind.TEST_REPORT, f"report_cover_{variant}")
    page.fields = facts.cover_fields()
    rows = [("产品名称", facts.product_name), ("版 本 号", facts.product_version),
            ("委托单位", facts.client), ("检测类别", facts.test_category)]  # fmt: skip
    if variant == "plain":
        page.text(300, 420, f"报告编号：{facts.report_no}", fonts.label, 50)
        page.centered(1150, rng.choice(REPORT_TITLES), fonts.title, 150)
        y = 1750.0
        for label, value in rows:
            page.text(480, y, f"{label}：", fonts.label, 58)
            end = page.paragraph(830, y, 2060, value, fonts.value, 58, 1.5)
            page.add(Rule(820, end - 70, 2060, end - 70, 3))
            y = end + 70
        institution_y = 2960.0
        page.centered(institution_y, facts.testing_institution, fonts.title, 66)
        page.centered(
            institution_y + 130, f"签发日期：{cn_date(facts.issue_date, padded)}", fonts.label, 54
        )
    else:
        page.text(300, 330, facts.testing_institution, fonts.label, 52)
        page.add(Rule(280, 375, 2200, 375, 6))
        page.right(2200, 480, f"报告编号：{facts.report_no}", fonts.label, 46)
        page.centered(1020, "软件产品检测报告", fonts.title, 130)
        top, label_x1 = 1480.0, 820.0
        y = top
        for label, value in rows:
            end = page.paragraph(860, y + 95, 2040, value, fonts.value, 54, 1.45)
            page.text(440, y + 95, label, fonts.label, 54)
            y = end + 10
            page.add(Rule(400, y, 2080, y, 3))
        page.add(Frame(400, top, 2080, y, 5), Rule(label_x1, top, label_x1, y, 3))
        institution_y = 2900.0
        page.centered(institution_y, f"检测单位：{facts.testing_institution}", fonts.label, 58)
        page.centered(
            institution_y + 130, f"报告日期：{cn_date(facts.issue_date, padded)}", fonts.label, 54
        )
    page.add(_seal_for(facts.testing_institution, page.width / 2 + rng.uniform(0, 380),
                       institution_y + rng.uniform(-40, 80), rng, "检验检测专用章"))  # fmt: skip
    page.centered(3360, f"共 {facts.page_total} 页", fonts.label, 36)
    return page


def report_conclusion(facts: TestReportFacts, padded: bool, shows_institution: bool,
                      fonts: FontSet, rng: random.Random) -> PageLayout:  # fmt: skip
    """The page that states 检测依据 and 检测结论, as a ruled table."""
    page = PageLayout(PageKind.TEST_REPORT, "report_conclusion")
    page.fields = facts.conclusion_fields(shows_institution)
    page.text(250, 260, facts.testing_institution, fonts.label, 40)
    page.right(2230, 260, f"报告编号：{facts.report_no}", fonts.label, 40)
    page.add(Rule(250, 300, 2230, 300, 4))
    page.centered(
        480, rng.choice(("检 测 报 告", "检 测 结 论", "软件产品检测报告")), fonts.title, 90
    )
    x0, x1, divider, size = 250.0, 2230.0, 650.0, 48
    rows = [("产品名称", facts.product_name), ("版 本 号", facts.product_version),
            ("委托单位", facts.client)]  # fmt: skip
    if shows_institution:
        rows.append(("检测单位", facts.testing_institution))
    rows += [("检测类别", facts.test_category),
             ("检测依据", f"{facts.standard_printed}{facts.standard_title}")]  # fmt: skip
    top = y = 620.0
    for label, value in rows:
        end = page.paragraph(divider + 40, y + 85, x1 - 40, value, fonts.value, size, 1.5)
        page.text(x0 + 60, y + 85, label, fonts.label, size)
        y = end + 10
        page.add(Rule(x0, y, x1, y, 3))
    conclusion_top = y
    end = page.paragraph(
        divider + 40, y + 110, x1 - 40, facts.conclusion, fonts.value, size, 1.6, indent=2
    )
    page.right(x1 - 80, end + 300, "（检验检测专用章）", fonts.label, size)
    date_y = end + 420
    page.right(x1 - 80, date_y, f"签发日期：{cn_date(facts.issue_date, padded)}", fonts.label, size)
    y = date_y + 90
    page.text(x0 + 60, (conclusion_top + y) / 2 + 20, "检测结论", fonts.label, size)
    page.add(Rule(x0, y, x1, y, 3))
    page.add(_seal_for(facts.testing_institution, x1 - 450 + rng.uniform(-80, 80),
                       date_y - 150 + rng.uniform(-60, 40), rng, "检验检测专用章"))  # fmt: skip
    end = page.paragraph(divider + 40, y + 85, x1 - 40, "无", fonts.value, size, 1.5)
    page.text(x0 + 60, y + 85, "备　　注", fonts.label, size)
    y = end + 10
    page.add(Frame(x0, top, x1, y, 5), Rule(divider, top, divider, y, 3))
    approver, reviewer, tester = facts.signatories
    page.text(
        x0 + 60,
        y + 130,
        f"批准：{approver}　　　审核：{reviewer}　　　主检：{tester}",
        fonts.label,
        46,
    )
    page.centered(3360, f"第 2 页 共 {facts.page_total} 页", fonts.label, 36)
    return page


def usage_prose(facts: UsageReportFacts, rng: random.Random) -> str:
    benefit = rng.choice(("数据采集及时准确", "业务流程实现线上闭环", "系统响应迅速、界面友好",
                          "各模块运行稳定可靠", "与现有系统对接顺畅"))  # fmt: skip
    effect = rng.choice(("工作效率提升约30%", "人工成本明显降低", "管理精细化水平显著提高",
                         "故障响应时间缩短一半以上"))  # fmt: skip
    return (
        f"我单位自{cn_date(facts.since, False)}起使用由{facts.developer}自主研发的"
        f"《{facts.product_name}》{facts.product_version}。该软件部署以来运行稳定，功能完善，"
        f"{benefit}，{effect}，较好地满足了我单位的业务需求，达到了预期的应用效果。"
        "该产品操作简便，售后服务响应及时，我单位对该软件的使用情况表示满意。"
    )


def usage_report(facts: UsageReportFacts, variant: str, padded: bool, fonts: FontSet,
                 rng: random.Random) -> PageLayout:  # fmt: skip
    """variant: `letter` (rows and prose) or `form` (a framed form)."""
    page = PageLayout(PageKind.USAGE_REPORT, f"usage_{variant}")
    page.fields = facts.fields()
    prose = usage_prose(facts, rng)
    size = 54
    if variant == "letter":
        page.centered(560, rng.choice(USAGE_TITLES), fonts.title, 110)
        y = 900.0
        product = facts.product_name
        rows = [("使用单位：", facts.user_organization)]
        if rng.random() < 0.5:
            rows += [("产品名称：", f"{product}{facts.product_version}")]
        else:
            rows += [("产品名称：", product), ("版 本 号：", facts.product_version)]
        rows += [
            ("开发单位：", facts.developer),
            ("使用时间：", f"{cn_date(facts.since, padded)}至今"),
        ]
        for label, value in rows:
            page.text(300, y, label, fonts.label, size)
            y = page.paragraph(300 + text_width(label, fonts.label, size), y, 2180, value, fonts.value,
                               size, 1.5) + 30  # fmt: skip
        page.text(300, y + 60, "使用情况：", fonts.label, size)
        y = page.paragraph(300, y + 170, 2180, prose, fonts.value, size, 1.7, indent=2)
        page.text(300 + 2 * size, y + 40, "特此证明。", fonts.value, size)
        page.text(300, 2700, f"联系人：{facts.contact}　　联系电话：{facts.phone}", fonts.label, 46)
        sign_y = 2900.0
    else:
        page.centered(520, rng.choice(USAGE_TITLES), fonts.title, 100)
        x0, x1, divider = 250.0, 2230.0, 700.0
        rows = [("使用单位", facts.user_organization), ("产品名称", facts.product_name),
                ("版 本 号", facts.product_version), ("开发单位", facts.developer),
                ("使用时间", f"{cn_date(facts.since, padded)}至今"),
                ("联 系 人", f"{facts.contact}（{facts.phone}）")]  # fmt: skip
        top = y = 700.0
        for label, value in rows:
            end = page.paragraph(divider + 40, y + 90, x1 - 40, value, fonts.value, 50, 1.5)
            page.text(x0 + 60, y + 90, label, fonts.label, 50)
            y = end + 10
            page.add(Rule(x0, y, x1, y, 3))
        prose_top = y
        y = page.paragraph(divider + 40, y + 100, x1 - 40, prose, fonts.value, 50, 1.65, indent=2)
        page.text(x0 + 60, (prose_top + y) / 2, "使用情况", fonts.label, 50)
        y += 40
        page.add(Rule(x0, y, x1, y, 3))
        page.text(x0 + 60, y + 200, "用户意见", fonts.label, 50)
        page.text(divider + 40, y + 110, "情况属实，特此证明。", fonts.value, 50)
        sign_y = y + 330
        page.add(Frame(x0, top, x1, sign_y + 260, 5), Rule(divider, top, divider, sign_y + 260, 3))
    page.right(2180, sign_y, f"使用单位（盖章）：{facts.user_organization}", fonts.label, 50)
    page.right(2180, sign_y + 130, cn_date(facts.issue_date, padded), fonts.value, 50)
    if facts.has_seal:
        page.add(_seal_for(facts.user_organization, 1850 + rng.uniform(-120, 60),
                           sign_y + rng.uniform(-20, 90), rng))  # fmt: skip
    elif rng.random() < 0.5:
        page.text(800, sign_y + 130, f"负责人：{facts.contact}", fonts.label, 50)
    return page
