"""Layouts of the 营业执照 (正本 landscape, 副本 portrait) and the 软件著作权登记证书 (two styles)."""

from __future__ import annotations

import random

from core.model import PageKind
from tools.synth.facts import CertificateFacts, LicenseFacts, cn_date
from tools.synth.layout import (
    A4_LANDSCAPE,
    Emblem,
    FontSet,
    Frame,
    PageLayout,
    QrBlock,
    Rule,
    Seal,
    text_width,
)

LICENSE_BORDER = (176, 132, 60)
CERT_BORDER = (52, 104, 128)
GSXT_NOTE = "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn"
ANNUAL_NOTE = "市场主体应当于每年1月1日至6月30日通过国家企业信用信息公示系统报送公示年度报告。"
QR_NOTE = "扫描二维码登录“国家企业信用信息公示系统”了解更多登记、备案、许可、监管信息。"
CERT_TEXT = "根据《计算机软件保护条例》和《计算机软件著作权登记办法》的规定，经中国版权保护中心审核，对以上事项予以登记。"
NCAC = "中华人民共和国国家版权局"


def _double_border(page: PageLayout, outer: float, inner: float, color: tuple) -> None:
    w, h = page.width, page.height
    page.add(Frame(outer, outer, w - outer, h - outer, 14, color))
    page.add(Frame(inner, inner, w - inner, h - inner, 4, color))


def _row(page: PageLayout, x: float, value_x: float, x1: float, y: float, label: str, value: str,
         fonts: FontSet, size: float, leading: float = 1.5) -> float:  # fmt: skip
    """A label at x and its value wrapped between value_x and x1; returns the next row's baseline."""
    page.text(x, y, label, fonts.label, size)
    return page.paragraph(value_x, y, x1, value, fonts.value, size, leading) + size * 0.35


def license_page(
    facts: LicenseFacts, variant: str, fonts: FontSet, rng: random.Random
) -> PageLayout:
    """variant: `zhengben` (landscape original) or `fuben` / `fuben_branch` (portrait copy)."""
    if variant == "zhengben":
        return _license_zhengben(facts, fonts, rng)
    return _license_fuben(facts, fonts, rng, branch_labels=variant == "fuben_branch")


def _license_zhengben(facts: LicenseFacts, fonts: FontSet, rng: random.Random) -> PageLayout:
    page = PageLayout(PageKind.BUSINESS_LICENSE, "license_zhengben", *A4_LANDSCAPE)
    page.fields = facts.fields()
    _double_border(page, 70, 105, LICENSE_BORDER)
    page.add(Emblem(page.width / 2, 330, 165))
    page.centered(730, "营 业 执 照", fonts.title, 175)
    page.text(230, 430, "统一社会信用代码", fonts.label, 46)
    page.text(230, 520, facts.credit_code, fonts.value, 58)
    page.right(3280, 430, f"证照编号：{facts.licence_serial}", fonts.label, 36)
    size = 50
    left = [("名　　称", facts.name), ("类　　型", facts.company_type),
            ("法定代表人", facts.legal_representative)]  # fmt: skip
    y = 960.0
    for label, value in left:
        y = _row(page, 300, 650, 1700, y, label, value, fonts, size)
    _row(page, 300, 650, 1700, y, "经营范围", facts.business_scope, fonts, 42, leading=1.45)
    right = [("注册资本", facts.registered_capital), ("成立日期", cn_date(facts.established_date)),
             ("营业期限", facts.business_term), ("住　　所", facts.address)]  # fmt: skip
    y = 960.0
    for label, value in right:
        y = _row(page, 1880, 2230, 3250, y, label, value, fonts, size)
    page.add(QrBlock(2920, 1330, 300, rng.randrange(10**6)))
    page.paragraph(2800, 1700, 3300, QR_NOTE, fonts.label, 26)
    page.text(2150, 2090, "登记机关", fonts.label, 52)
    date_text = cn_date(facts.issue_date)
    page.text(2350, 2210, date_text, fonts.value, 52)
    page.add(_authority_seal(facts, 2650 + rng.uniform(-60, 60), 2110 + rng.uniform(-40, 40), rng))
    page.centered(2285, GSXT_NOTE, fonts.label, 30)
    page.centered(2335, ANNUAL_NOTE, fonts.label, 26)
    page.right(3370, 2350, "国家市场监督管理总局监制", fonts.label, 24)
    return page


def _license_fuben(facts: LicenseFacts, fonts: FontSet, rng: random.Random,
                   branch_labels: bool) -> PageLayout:  # fmt: skip
    page = PageLayout(
        PageKind.BUSINESS_LICENSE, "license_fuben_branch" if branch_labels else "license_fuben"
    )
    page.fields = facts.fields()
    _double_border(page, 80, 115, LICENSE_BORDER)
    page.add(Emblem(page.width / 2, 440, 185))
    page.centered(880, "营 业 执 照", fonts.title, 160)
    page.centered(1000, "（副　本）", fonts.label, 60)
    page.text(1880, 1000, f"（1-{rng.randint(1, 3)}）", fonts.label, 44)
    page.text(230, 330, "统一社会信用代码", fonts.label, 44)
    page.text(230, 410, facts.credit_code, fonts.value, 54)
    page.right(2250, 330, f"证照编号：{facts.licence_serial}", fonts.label, 32)
    size = 54
    rep_label = "负 责 人" if branch_labels else "法定代表人"
    address_label = "经营场所" if branch_labels else "住　　所"
    rows = [("名　　称", facts.name), ("类　　型", facts.company_type),
            (rep_label, facts.legal_representative), ("注册资本", facts.registered_capital),
            ("成立日期", cn_date(facts.established_date)), ("营业期限", facts.business_term),
            (address_label, facts.address)]  # fmt: skip
    y = 1230.0
    for label, value in rows:
        y = _row(page, 330, 790, 2150, y, label, value, fonts, size) + 18
    _row(page, 330, 790, 2150, y, "经营范围", facts.business_scope, fonts, 48, leading=1.45)
    page.add(QrBlock(330, 2900, 280, rng.randrange(10**6)))
    page.paragraph(300, 3260, 800, QR_NOTE, fonts.label, 24)
    page.text(1350, 3080, "登记机关", fonts.label, 54)
    page.text(1560, 3200, cn_date(facts.issue_date), fonts.value, 54)
    page.add(_authority_seal(facts, 1850 + rng.uniform(-60, 60), 3110 + rng.uniform(-40, 40), rng))
    page.centered(3370, GSXT_NOTE, fonts.label, 28)
    page.centered(3410, ANNUAL_NOTE, fonts.label, 24)
    return page


def _authority_seal(facts: LicenseFacts, cx: float, cy: float, rng: random.Random) -> Seal:
    return Seal(cx, cy, 225, facts.authority, tilt=rng.uniform(-12, 12), ink=rng.uniform(0.7, 0.95),
                seed=rng.randrange(10**9))  # fmt: skip


def certificate_page(facts: CertificateFacts, variant: str, version_in_name: bool, padded: bool,
                     fonts: FontSet, rng: random.Random) -> PageLayout:  # fmt: skip
    """variant: `classic` (label：value lines) or `ruled` (label column, ruled rows)."""
    page = PageLayout(PageKind.COPYRIGHT_CERTIFICATE, f"certificate_{variant}")
    page.fields = facts.fields()
    _double_border(page, 110, 145, CERT_BORDER)
    name_text = facts.software_name + (facts.software_version if version_in_name else "")
    published = (
        cn_date(facts.first_published_date, padded) if facts.first_published_date else "未发表"
    )
    rows: list[tuple[str, str]] = [("软件名称", name_text)]
    if not version_in_name:
        rows.append(("版 本 号", facts.software_version))
    rows += [("著作权人", "；".join(facts.copyright_holders)),
             ("开发完成日期", cn_date(facts.development_completed_date, padded)),
             ("首次发表日期", published), ("权利取得方式", "原始取得"), ("权利范围", "全部权利"),
             ("登 记 号", facts.registration_no)]  # fmt: skip
    size = 54
    if variant == "classic":
        page.centered(620, "计算机软件著作权登记证书", fonts.title, 118, tracking=6)
        page.centered(820, f"证书号：软著登字第{facts.certificate_no}号", fonts.label, 54)
        y = 1080.0
        for label, value in rows:
            label_text = f"{label}："
            value_x = 330 + text_width(label_text, fonts.label, size)
            y = _row(page, 330, value_x, 2150, y, label_text, value, fonts, size, 1.55) + 40
        y = max(y + 80, 2250)
    else:
        page.centered(460, NCAC, fonts.label, 48, tracking=10)
        page.centered(680, "计算机软件著作权登记证书", fonts.title, 108)
        page.right(2160, 860, f"证书号：软著登字第{facts.certificate_no}号", fonts.label, 46)
        y = 1060.0
        page.add(Rule(360, y - 10, 2160, y - 10, 3, CERT_BORDER))
        for label, value in rows:
            y = _row(page, 390, 900, 2120, y + 70, label, value, fonts, size - 4, 1.5)
            page.add(Rule(360, y - 10, 2160, y - 10, 3, CERT_BORDER))
        y = max(y + 120, 2300)
    page.paragraph(330, y, 2150, CERT_TEXT, fonts.value, 52, leading=1.7, indent=2)
    date_y = 3020 + rng.uniform(-30, 30)
    date_x = 1500 + rng.uniform(-80, 40)
    page.text(date_x, date_y, cn_date(facts.issue_date, padded), fonts.value, 54)
    page.add(Seal(date_x + 340 + rng.uniform(-40, 40), date_y - 130 + rng.uniform(-40, 40), 260, NCAC,
                  tilt=rng.uniform(-8, 8), ink=rng.uniform(0.7, 0.95), seed=rng.randrange(10**9)))  # fmt: skip
    page.text(330, 3250, f"No. {facts.serial}", fonts.label, 40, color=(150, 40, 40))
    return page
