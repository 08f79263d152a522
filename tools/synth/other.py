"""`other` pages of a bound application: cover, 目录, 征集信息表, product prose, 承诺书, blanks.

They deliberately repeat the words of the real documents (company, product, even 营业执照 in the
table of contents) so that a page's kind cannot be told by one keyword.
"""

from __future__ import annotations

import random
import zlib
from datetime import date

from core.model import PageKind
from tools.synth.facts import ApplicationFacts, TestReportFacts, cn_date
from tools.synth.layout import FontSet, Frame, PageLayout, Rule, Seal, text_width

JIANGSU = "jiangsu-2021-first-edition"
FEATURES = ("多源数据采集与融合", "可视化看板与报表", "流程引擎与表单配置", "权限与审计管理",
            "移动端应用", "开放接口与第三方系统集成", "智能预警与告警推送", "国产化软硬件环境适配",
            "微服务架构与弹性伸缩", "模型训练与在线推理")  # fmt: skip


def _blank_page(layout: str) -> PageLayout:
    return PageLayout(PageKind.OTHER, layout)


def _applicant_seal(app: ApplicationFacts, purpose: str, cx: float, cy: float) -> Seal:
    """The applicant's seal on a page of its bound report (notice 000 二（二）: 加盖单位公章).

    Drawn from its own generator, seeded by the company and the page, so that adding it left
    every other page of existing cases as it was.
    """
    rng = random.Random(zlib.crc32(f"{app.company}/{purpose}".encode()))
    return Seal(cx + rng.uniform(-60, 60), cy + rng.uniform(-30, 30), 230, app.company,
                tilt=rng.uniform(-10, 10), ink=rng.uniform(0.7, 0.95), seed=rng.randrange(10**9))  # fmt: skip


def application_cover(
    app: ApplicationFacts, campaign: str, fonts: FontSet, rng: random.Random
) -> PageLayout:
    page = _blank_page("other_cover")
    if campaign == JIANGSU:
        page.centered(900, "2021年江苏省重点领域首版次软件产品", fonts.title, 96)
        page.centered(1100, "征 集 报 告", fonts.title, 130)
        footer = "江苏省工业和信息化厅制"
    else:
        page.centered(900, "2021-2022年度优秀创新软件产品目录", fonts.title, 96)
        page.centered(1100, "申 报 材 料", fonts.title, 130)
        footer = "中国电子信息行业联合会"
    rows = [("送征单位（盖章）", app.company), ("产品名称", f"{app.product_name}{app.product_version}"),
            ("所在地区", app.city_name), ("联 系 人", app.contact), ("联系电话", app.phone),
            ("填报日期", "2021年3月" if campaign == JIANGSU else "2022年9月")]  # fmt: skip
    y = 1750.0
    for label, value in rows:
        page.text(420, y, f"{label}：", fonts.label, 56)
        x = 420 + text_width(f"{label}：", fonts.label, 56)
        end = page.paragraph(x, y, 2100, value, fonts.value, 56, 1.4)
        page.add(Rule(x - 10, end - 60, 2100, end - 60, 3))
        y = end + 60
    page.centered(3200, footer, fonts.label, 56)
    page.add(_applicant_seal(app, "cover", 1650, 1760))
    return page


def info_table(app: ApplicationFacts, campaign: str, fonts: FontSet) -> PageLayout:
    """The 征集信息表 printed from the platform: the filing's values, not the documents'."""
    page = _blank_page("other_info_table")
    page.centered(
        380, "征集信息表" if campaign == JIANGSU else "优秀软件产品登记表", fonts.title, 90
    )
    established = app.established_date.isoformat() if app.established_date else ""
    developed = app.development_completed_date.isoformat() if app.development_completed_date else ""
    sections = [
        ("一、送征单位信息", [("单位名称", app.company), ("统一社会信用代码", app.credit_code),
                       ("成立日期", established), ("法定代表人", app.legal_representative),
                       ("注册地址", app.address), ("联系人", app.contact), ("联系电话", app.phone)]),
        ("二、送征产品信息", [("产品名称", app.product_name), ("版本号", app.product_version),
                       ("产品类别", app.category), ("软件著作权登记号", app.registration_no),
                       ("开发完成日期", developed), ("检测报告编号", app.test_report_no),
                       ("检测机构", app.testing_institution),
                       ("研发投入（万元）", f"{app.rd_investment_wan:g}"),
                       ("是否与信创技术路线适配", "是" if app.xinchuang_adapted else "否"),
                       ("相关专利（项）", str(app.patents)), ("参与制定标准（项）", str(app.standards))]),
    ]  # fmt: skip
    x0, x1, divider, size = 220.0, 2260.0, 880.0, 44
    top = y = 520.0
    for heading, rows in sections:
        page.text(x0 + 30, y + 75, heading, fonts.title, size)
        y += 110
        page.add(Rule(x0, y, x1, y, 3))
        for label, value in rows:
            end = page.paragraph(divider + 30, y + 72, x1 - 30, value, fonts.value, size, 1.4)
            page.text(x0 + 30, y + 72, label, fonts.label, size)
            y = end + 5
            page.add(Rule(x0, y, x1, y, 3))
    page.text(x0 + 30, y + 90, "审核推荐意见", fonts.label, size)
    page.text(1500, y + 420, "（盖章）　　年　　月　　日", fonts.label, size)
    y += 480
    page.add(Frame(x0, top, x1, y, 5), Rule(divider, top + 110, divider, y, 3))
    page.add(_applicant_seal(app, "info_table", 1700, 720))
    return page


def contents(entries: list[tuple[str, int]], fonts: FontSet) -> PageLayout:
    page = _blank_page("other_contents")
    page.centered(520, "目　　录", fonts.title, 100)
    y = 850.0
    for title, number in entries:
        page.text(330, y, title, fonts.value, 56)
        start = 330 + text_width(title, fonts.value, 56) + 30
        dots = "." * max(3, int((1980 - start) / text_width(".", fonts.value, 56)))
        page.text(start, y, dots, fonts.value, 56)
        page.right(2150, y, str(number), fonts.value, 56)
        y += 130
    return page


def description(app: ApplicationFacts, part: int, fonts: FontSet, rng: random.Random) -> PageLayout:
    page = _blank_page("other_description")
    headings = (
        "一、产品概述",
        "二、主要功能",
        "三、技术创新点",
        "四、应用推广情况",
        "五、研发团队",
    )
    page.text(250, 400, headings[part % len(headings)] if part else "产品介绍", fonts.title, 72)
    y = 560.0
    product = f"{app.product_name}{app.product_version}"
    paragraphs = [
        f"《{product}》是{app.company}面向{app.category}领域自主研发的软件产品，"
        f"产品采用B/S架构，支持私有化部署与云端部署两种模式，已在多家用户单位落地应用。",
        f"产品主要功能包括：{'、'.join(rng.sample(FEATURES, 4))}等。系统通过统一的数据模型"
        "打通业务环节，实现从数据采集、处理到分析决策的全流程闭环管理。",
        f"{app.company}成立以来专注于软件研发，截至目前该产品累计研发投入{app.rd_investment_wan:g}万元，"
        f"取得相关专利{app.patents}项，参与制定标准{app.standards}项。"
        "产品已通过第三方检测机构的软件产品检测，各项指标满足相关标准要求。",
        "下一步，公司将持续加大研发投入，完善产品功能，推动产品在省内重点行业的规模化应用。",
        f"在技术创新方面，产品采用{rng.choice(('自研规则引擎', '分布式微服务架构', '边缘计算与云端协同', '深度学习算法'))}，"
        f"在{rng.choice(('高并发数据处理', '多源异构数据融合', '实时分析与预警', '国产化环境适配'))}方面形成了技术优势，"
        "关键性能指标达到国内同类产品先进水平。",
        f"研发团队由{rng.randint(15, 80)}名工程师组成，其中硕士及以上学历占比{rng.randint(20, 60)}%，"
        f"核心成员具有{rng.randint(8, 20)}年以上行业软件研发经验。",
        f"截至{rng.choice(('2020年12月', '2021年2月', '2022年6月'))}，产品已在"
        f"{rng.randint(5, 60)}家用户单位部署使用，覆盖{rng.choice(('制造', '政务', '医疗', '能源', '交通'))}等行业。",
    ]
    for text in rng.sample(paragraphs, len(paragraphs)):
        y = page.paragraph(250, y, 2230, text, fonts.value, 52, 1.75, indent=2) + 60
        if y > 3000:
            break
    page.centered(3360, f"— {part + 3} —", fonts.label, 40)
    return page


def pledge(app: ApplicationFacts, signed: date, fonts: FontSet, rng: random.Random) -> PageLayout:
    """承诺书: a stamped page that is not a usage report."""
    page = _blank_page("other_pledge")
    page.centered(600, "承 诺 书", fonts.title, 110)
    text = (
        f"本单位郑重承诺：所提交的营业执照、计算机软件著作权登记证书、软件产品检测报告、"
        f"用户使用报告等征集材料真实、准确、有效，《{app.product_name}》为本单位自主研发的产品。"
        "如有弄虚作假，本单位愿意承担相应责任。"
    )
    page.paragraph(300, 950, 2180, text, fonts.value, 56, 1.8, indent=2)
    page.right(2180, 2500, f"单位（盖章）：{app.company}", fonts.label, 52)
    page.right(2180, 2640, cn_date(signed, False), fonts.value, 52)
    page.add(Seal(1800 + rng.uniform(-80, 80), 2520, 230, app.company, tilt=rng.uniform(-10, 10),
                  ink=rng.uniform(0.7, 0.95), seed=rng.randrange(10**9)))  # fmt: skip
    return page


def blank(rng: random.Random, fonts: FontSet) -> PageLayout:
    page = _blank_page("other_blank")
    if rng.random() < 0.4:
        page.centered(1750, "（此页无正文）", fonts.label, 50)
    return page


def divider(title: str, fonts: FontSet) -> PageLayout:
    """A section separator, e.g. 三、营业执照（副本）复印件 — its kind is still `other`."""
    page = _blank_page("other_divider")
    page.centered(1700, title, fonts.title, 100)
    return page


def report_inner(
    report: TestReportFacts, number: int, fonts: FontSet, rng: random.Random
) -> PageLayout:
    """A results page from inside a test report: not a cover, no 检测依据/结论 → `other`."""
    page = _blank_page("other_report_results")
    page.text(250, 260, report.testing_institution, fonts.label, 40)
    page.right(2230, 260, f"报告编号：{report.report_no}", fonts.label, 40)
    page.add(Rule(250, 300, 2230, 300, 4))
    page.text(
        250,
        480,
        f"{number - 2}．{rng.choice(('功能性', '性能效率', '易用性', '可靠性'))}测试结果",
        fonts.title,
        64,
    )
    x0, x1, cols = 250.0, 2230.0, (250.0, 450.0, 1350.0, 1900.0)
    y = 600.0
    header = ("序号", "测试项", "测试结果", "结论")
    for col, text in zip(cols, header, strict=True):
        page.text(col + 30, y + 80, text, fonts.label, 46)
    y += 120
    page.add(Rule(x0, y, x1, y, 3))
    for i in range(rng.randint(10, 16)):
        item = rng.choice(FEATURES)
        result = rng.choice(("功能实现正确", "满足要求", "响应时间≤2s", "未发现缺陷"))
        for col, text in zip(cols, (str(i + 1), item[:12], result, "通过"), strict=True):
            page.text(col + 30, y + 80, text, fonts.value, 44)
        y += 120
        page.add(Rule(x0, y, x1, y, 2))
    page.add(Frame(x0, 600, x1, y, 4))
    for col in cols[1:]:
        page.add(Rule(col, 600, col, y, 2))
    page.centered(3360, f"第 {number} 页 共 {report.page_total} 页", fonts.label, 36)
    return page


def rd_table(app: ApplicationFacts, fonts: FontSet, rng: random.Random) -> PageLayout:
    page = _blank_page("other_rd_table")
    page.centered(420, "送征软件产品研发投入情况表", fonts.title, 80)
    page.text(250, 600, f"单位名称：{app.company}", fonts.label, 48)
    years = ("2018年", "2019年", "2020年", "合计")
    shares = [rng.uniform(0.2, 0.4) for _ in range(3)]
    values = [app.rd_investment_wan * s / sum(shares) for s in shares]
    rows = [
        ("人员人工费用", 0.62),
        ("直接投入费用", 0.21),
        ("设计与试验费用", 0.1),
        ("其他相关费用", 0.07),
    ]
    y, x0, x1 = 700.0, 250.0, 2230.0
    cols = (250.0, 850.0, 1200.0, 1550.0, 1900.0)
    for col, text in zip(cols, ("项目（万元）", *years), strict=True):
        page.text(col + 25, y + 80, text, fonts.label, 44)
    y += 120
    for label, share in rows:
        page.add(Rule(x0, y, x1, y, 3))
        cells = [f"{v * share:.1f}" for v in values] + [f"{sum(values) * share:.1f}"]
        for col, text in zip(cols, (label, *cells), strict=True):
            page.text(col + 25, y + 80, text, fonts.value, 44)
        y += 120
    page.add(Frame(x0, 700, x1, y, 4))
    for col in cols[1:]:
        page.add(Rule(col, 700, col, y, 2))
    return page


def honour_certificate(
    app: ApplicationFacts, issued: date, fonts: FontSet, rng: random.Random
) -> PageLayout:
    """A 高新技术企业证书 or ISO 9001 certificate: bordered, sealed, names the company — still `other`."""
    page = _blank_page("other_honour_certificate")
    page.add(Frame(120, 120, page.width - 120, page.height - 120, 12, (150, 110, 50)),
             Frame(160, 160, page.width - 160, page.height - 160, 3, (150, 110, 50)))  # fmt: skip
    if rng.random() < 0.5:
        page.centered(800, "高新技术企业证书", fonts.title, 130)
        body = (f"企业名称：{app.company}", f"证书编号：GR{issued.year}32{rng.randint(0, 999999):06d}",
                f"发证时间：{cn_date(issued)}", "有 效 期：三年")  # fmt: skip
        issuer = "江苏省科学技术厅"
    else:
        page.centered(800, "质量管理体系认证证书", fonts.title, 120)
        body = (f"注册号：{rng.randint(10000, 99999)}Q{rng.randint(10000, 99999)}R0M", f"兹证明：{app.company}",
                "质量管理体系符合 GB/T 19001-2016/ISO 9001:2015 标准", "认证范围：计算机软件的开发和技术服务",
                f"颁证日期：{cn_date(issued)}")  # fmt: skip
        issuer = f"{rng.choice(('中质协', '华夏', '中联', '方圆'))}质量认证有限公司"
    y = 1300.0
    for line in body:
        y = page.paragraph(400, y, 2080, line, fonts.value, 60, 1.5) + 80
    page.right(2080, 2900, issuer, fonts.label, 58)
    page.add(Seal(1750, 2850, 230, issuer, tilt=rng.uniform(-10, 10), ink=rng.uniform(0.7, 0.95),
                  seed=rng.randrange(10**9)))  # fmt: skip
    return page


def customer_table(
    app: ApplicationFacts, customers: list[str], fonts: FontSet, rng: random.Random
) -> PageLayout:
    """主要用户名单: the product's users in a ruled table."""
    page = _blank_page("other_customers")
    page.centered(420, "主要用户名单", fonts.title, 80)
    page.text(250, 580, f"产品名称：{app.product_name}{app.product_version}", fonts.label, 46)
    cols = (250.0, 420.0, 1450.0, 1850.0)
    x1, y = 2230.0, 660.0
    for col, text in zip(cols, ("序号", "用户单位", "应用时间", "合同金额（万元）"), strict=True):
        page.text(col + 25, y + 80, text, fonts.label, 42)
    y += 120
    for i, name in enumerate(customers):
        page.add(Rule(cols[0], y, x1, y, 2))
        row = (
            str(i + 1),
            name,
            f"{rng.randint(2020, 2021)}年{rng.randint(1, 12)}月",
            f"{rng.randint(8, 260)}",
        )
        for col, text in zip(cols, row, strict=True):
            page.text(col + 25, y + 80, text, fonts.value, 40)
        y += 120
    page.add(Frame(cols[0], 660, x1, y, 4))
    for col in cols[1:]:
        page.add(Rule(col, 660, col, y, 2))
    return page


def screenshot(app: ApplicationFacts, fonts: FontSet, rng: random.Random) -> PageLayout:
    """产品界面截图: a drawn application window with menus and panels."""
    page = _blank_page("other_screenshot")
    page.text(250, 400, f"图{rng.randint(1, 9)}　{app.product_name}主界面", fonts.title, 60)
    x0, y0, x1, y1 = 250.0, 520.0, 2230.0, 1900.0
    grey = (120, 120, 130)
    page.add(Frame(x0, y0, x1, y1, 5, grey), Rule(x0, y0 + 110, x1, y0 + 110, 4, grey))
    page.text(x0 + 40, y0 + 75, app.product_name, fonts.label, 44)
    page.add(Rule(x0 + 420, y0 + 110, x0 + 420, y1, 3, grey))
    for i, item in enumerate(rng.sample(FEATURES, 6)):
        page.text(x0 + 40, y0 + 220 + i * 120, item[:8], fonts.value, 38, color=grey)
    for i in range(4):
        bx = x0 + 480 + (i % 2) * 760
        by = y0 + 170 + (i // 2) * 600
        page.add(Frame(bx, by, bx + 700, by + 540, 3, grey))
        page.text(
            bx + 30,
            by + 70,
            rng.choice(("运行概况", "告警统计", "设备状态", "任务进度", "数据趋势")),
            fonts.label,
            38,
        )
    page.paragraph(250, 2100, 2230, f"如图所示，{app.product_name}主界面由导航菜单和数据看板组成，"
                   "用户可按权限查看各业务模块的运行情况。", fonts.value, 50, 1.7, indent=2)  # fmt: skip
    return page
