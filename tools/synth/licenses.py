"""Randomised 营业执照 layouts: a family, a shape, and every position, spelling and size drawn per page.

Families: company (法定代表人, 住所), branch (负责人, 营业场所), partnership (执行事务合伙人, 主要经营场所,
合伙期限) and 个体工商户 (经营者, 组成形式, 经营场所, 注册日期). Shapes: two columns on a landscape
sheet (right-hand rows aligned with the left-hand ones or not), one column on a portrait 副本, or a
ruled table with two label/value pairs on some rows. The truth of the page is what it prints.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from core.model import PageKind
from tools.synth.facts import LicenseFacts
from tools.synth.layout import (
    A4_LANDSCAPE,
    A4_PORTRAIT,
    Emblem,
    Frame,
    PageLayout,
    QrBlock,
    Rule,
    Seal,
    text_width,
)
from tools.synth.render import ANNUAL_NOTE, GSXT_NOTE, QR_NOTE
from tools.synth.styles import (
    Style,
    date_text,
    draw_style,
    label_width,
    put_label,
    watermark,
)

FAMILIES = ("company", "branch", "partnership", "individual")
SHAPES = ("two_column", "one_column", "table")
BORDERS = ((176, 132, 60), (150, 120, 70), (120, 130, 90), (190, 150, 90))


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    key: str
    """The field it prints (`scope` and `form` are printed but are no field of the contract)."""


def _pick(rng: random.Random, *choices: tuple[str, int]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _branch_type(company_type: str) -> str:
    head, _, tail = company_type.partition("（")
    return f"{head}分公司" + (f"（{tail}" if tail else "")


def license_rows(facts: LicenseFacts, family: str, date_form: str,
                 rng: random.Random) -> tuple[list[Row], dict]:  # fmt: skip
    """The rows a licence of `family` prints, in order, and the fields they carry."""
    fields = facts.fields()
    name = _pick(rng, ("名称", 6), ("企业名称", 1))
    kind = _pick(rng, ("类型", 6), ("主体类型", 1), ("企业类型", 1))
    company_type, rep, address, capital = facts.company_type, "法定代表人", "住所", "注册资本"
    term, founded = _pick(rng, ("营业期限", 5), ("经营期限", 1)), "成立日期"
    if family == "branch":
        company_type, rep = _branch_type(facts.company_type), "负责人"
        address, capital = _pick(rng, ("营业场所", 3), ("经营场所", 1)), ""
    elif family == "partnership":
        company_type = rng.choice(("有限合伙企业", "普通合伙企业"))
        rep, address, term = "执行事务合伙人", "主要经营场所", "合伙期限"
        capital = _pick(rng, ("出资额", 2), ("出资总额", 1), ("", 1))
    elif family == "individual":
        company_type, rep, address, capital, term = "个体工商户", "经营者", "经营场所", "", ""
        founded = _pick(rng, ("注册日期", 3), ("成立日期", 1))
    fields["company_type"] = company_type
    rows = [Row(name, facts.name, "name"), Row(kind, company_type, "company_type"),
            Row(rep, facts.legal_representative, "legal_representative")]  # fmt: skip
    if family == "individual":
        rows.append(Row("组成形式", rng.choice(("个人经营", "家庭经营")), "form"))
    if capital:
        rows.append(Row(capital, facts.registered_capital, "registered_capital"))
    else:
        del fields["registered_capital"]
    rows.append(Row(founded, date_text(facts.established_date, date_form), "established_date"))
    if term:
        rows.append(Row(term, facts.business_term, "business_term"))
    else:
        del fields["business_term"]
    rows.append(Row(address, facts.address, "address"))
    rows.append(Row("经营范围", facts.business_scope, "scope"))
    return rows, fields


@dataclass
class Geometry:
    """Every random number of one licence page, drawn before it is laid out."""

    border: tuple[int, int, int]
    outer: float
    title: str
    subtitle: str
    code_inline: bool
    code_xy: tuple[float, float]
    show_serial: bool
    qr_corner: str
    qr_size: float
    qr_seed: int
    x0: float
    x1: float
    gutter: float
    right_x0: float
    top: float
    aligned: bool
    right_drop: float
    right_gap: float
    arrangement: int
    authority_xy: tuple[float, float]
    date_dx: float
    date_form: str
    seal_dxy: tuple[float, float]
    seal_tilt: float
    seal_ink: float
    seal_seed: int
    watermark_seed: int | None
    notes: bool


def _geometry(rng: random.Random, shape: str, landscape: bool) -> Geometry:
    u = rng.uniform
    if landscape:
        x0, x1, top = u(200, 420), u(3150, 3300), u(1010, 1150)
        authority = (u(1950, 2400), u(1950, 2060))
    else:
        x0, x1, top = u(200, 400), u(2050, 2260), u(1170, 1400)
        authority = (u(1150, 1500), u(2930, 3080))
    gutter = u(0.45, 0.56) * (x1 - x0) + x0
    return Geometry(
        border=rng.choice(BORDERS), outer=u(50, 110),
        title=rng.choice(("营 业 执 照", "营业执照", "营  业  执  照")),
        subtitle=_pick(rng, ("（副　本）", 4), ("（正　本）", 1), ("", 2 if landscape else 0)),
        code_inline=rng.random() < 0.3, code_xy=(u(190, 360), u(340, 520)),
        show_serial=rng.random() < 0.6,
        qr_corner=rng.choice(("top_right", "top_right", "bottom_left") if not landscape else ("top_right",)),
        qr_size=u(220, 320), qr_seed=rng.randrange(10**6),
        x0=x0, x1=x1, gutter=gutter, right_x0=gutter + u(30, 180), top=top,
        aligned=rng.random() < 0.5, right_drop=u(-30, 90), right_gap=u(0.1, 1.2),
        arrangement=rng.randrange(3), authority_xy=authority, date_dx=u(60, 320),
        date_form=rng.choice(("padded", "gapped", "plain")),
        seal_dxy=(u(150, 450), u(-120, 40)), seal_tilt=u(-15, 15), seal_ink=u(0.6, 0.95),
        seal_seed=rng.randrange(10**9),
        watermark_seed=rng.randrange(10**9) if rng.random() < 0.35 else None,
        notes=rng.random() < 0.75,
    )  # fmt: skip


def random_license_page(facts: LicenseFacts, rng: random.Random, for_pdf: bool) -> PageLayout:
    """A licence page drawn at random; its `fields` are exactly what it prints."""
    family = rng.choices(FAMILIES, weights=(5, 2, 2, 2))[0]
    shape = rng.choices(SHAPES, weights=(5, 3, 2))[0]
    landscape = shape == "two_column"
    style = draw_style(rng, for_pdf, size=rng.uniform(44, 56))
    date_form = style.date_form if style.date_form != "numerals" else "padded"
    rows, fields = license_rows(facts, family, date_form, rng)
    geometry = _geometry(rng, shape, landscape)
    for _ in range(8):  # shrink until the body fits above the registration authority (and QR)
        page, bottom = _draw(facts, family, shape, rows, style, geometry)
        limit = geometry.authority_xy[1] - 1.2 * style.lsize
        if geometry.qr_corner == "bottom_left":
            limit = min(limit, page.height - geometry.outer - 300 - geometry.qr_size)
        if bottom <= limit:
            break
        style = style.scaled(0.9)
    page.fields = fields
    return page


def _draw(facts: LicenseFacts, family: str, shape: str, rows: list[Row], style: Style,
          g: Geometry) -> tuple[PageLayout, float]:  # fmt: skip
    size = A4_LANDSCAPE if shape == "two_column" else A4_PORTRAIT
    aligned = "_aligned" if shape == "two_column" and g.aligned else ""
    page = PageLayout(PageKind.BUSINESS_LICENSE, f"license_{family}_{shape}{aligned}", *size)
    if g.watermark_seed is not None:
        watermark(page, random.Random(g.watermark_seed), style.fonts.label)
    _header(page, facts, style, g)
    if shape == "two_column":
        bottom = _two_columns(page, rows, style, g)
    elif shape == "one_column":
        bottom = _column(page, rows, style, g.x0, g.x1, g.top)
    else:
        bottom = _table(page, rows, style, g)
    _footer(page, facts, style, g)
    return page, bottom


def _header(page: PageLayout, facts: LicenseFacts, style: Style, g: Geometry) -> None:
    w, h = page.width, page.height
    page.add(Frame(g.outer, g.outer, w - g.outer, h - g.outer, 14, g.border))
    page.add(Frame(g.outer + 35, g.outer + 35, w - g.outer - 35, h - g.outer - 35, 4, g.border))
    title_y = 720.0 if page.landscape else 860.0
    page.add(Emblem(w / 2, title_y - 400, 160))
    page.centered(title_y, g.title, style.fonts.title, 165)
    if g.subtitle:
        page.centered(title_y + 130, g.subtitle, style.fonts.label, 58)
    x, y = g.code_xy
    code_size = style.vsize * 1.1
    if g.code_inline:
        end = page.text(x, y, "统一社会信用代码", style.fonts.label, style.lsize * 0.9)
        page.text(end + 30, y, facts.credit_code, style.fonts.value, code_size)
    else:
        page.text(x, y, "统一社会信用代码", style.fonts.label, style.lsize * 0.9)
        page.text(x, y + code_size * 1.6, facts.credit_code, style.fonts.value, code_size)
    if g.show_serial:
        page.text(
            x, y + code_size * 3.0, f"证照编号：{facts.licence_serial}", style.fonts.label, 30
        )
    if g.qr_corner == "top_right":
        qx, qy = w - g.outer - 120 - g.qr_size, g.outer + 180
        page.add(QrBlock(qx, qy, g.qr_size, g.qr_seed))
        page.paragraph(qx - 40, qy + g.qr_size + 50, qx + g.qr_size + 60, QR_NOTE, style.fonts.label, 22)  # fmt: skip
    else:
        qx, qy = g.outer + 200, h - g.outer - 260 - g.qr_size
        page.add(QrBlock(qx, qy, g.qr_size, g.qr_seed))
        page.paragraph(qx - 40, qy + g.qr_size + 45, qx + g.qr_size + 180, QR_NOTE, style.fonts.label, 22)  # fmt: skip


def _footer(page: PageLayout, facts: LicenseFacts, style: Style, g: Geometry) -> None:
    x, y = g.authority_xy
    page.text(
        x, y, "登 记 机 关" if style.label_form != "plain" else "登记机关", style.fonts.label, 54
    )
    date_x, date_y = x + g.date_dx, y + 110
    page.text(date_x, date_y, date_text(facts.issue_date, g.date_form), style.fonts.value, 52)
    page.add(Seal(date_x + g.seal_dxy[0], y + g.seal_dxy[1], 225, facts.authority, tilt=g.seal_tilt,
                  ink=g.seal_ink, seed=g.seal_seed))  # fmt: skip
    if g.notes:
        bottom = page.height - g.outer - 70
        page.centered(bottom - 50, GSXT_NOTE, style.fonts.label, 28)
        page.centered(bottom, ANNUAL_NOTE, style.fonts.label, 24)


def _row(page: PageLayout, x: float, value_x: float | None, x1: float, y: float, row: Row,
         style: Style, row_gap: float) -> float:  # fmt: skip
    """One label and its value wrapped up to x1; returns the next row's baseline."""
    end = put_label(page, x, y, row.label, style)
    start = end + style.lsize * 0.4 if value_x is None else value_x
    size = style.vsize * (0.86 if row.key == "scope" else 1.0)
    after = page.paragraph(start, y, x1, row.value, style.fonts.value, size, style.leading)
    return max(after, y + style.lsize * 1.3) + row_gap * size


def _value_x(rows: list[Row], x: float, style: Style) -> float | None:
    if style.inline:
        return None
    return x + max(label_width(r.label, style) for r in rows) + style.label_gap * style.lsize


def _column(page: PageLayout, rows: list[Row], style: Style, x0: float, x1: float,
            y: float, row_gap: float | None = None) -> float:  # fmt: skip
    value_x = _value_x(rows, x0, style)
    for row in rows:
        y = _row(
            page, x0, value_x, x1, y, row, style, style.row_gap if row_gap is None else row_gap
        )
    return y


def _arrange(rows: list[Row], arrangement: int) -> tuple[list[Row], list[Row]]:
    """Which rows stand in the left column and which in the right (three real arrangements)."""
    by = {r.key: r for r in rows}
    right_keys = ["registered_capital", "established_date", "business_term"]
    if arrangement == 0:
        right_keys.append("address")
    else:
        right_keys.append("scope")
    right = [by[k] for k in right_keys if k in by]
    left = [r for r in rows if r not in right]
    if arrangement == 2:  # address before the representative on the left
        left.sort(key=lambda r: {"address": 2.5}.get(r.key, rows.index(r)))
    return left, right


def _two_columns(page: PageLayout, rows: list[Row], style: Style, g: Geometry) -> float:
    left, right = _arrange(rows, g.arrangement)
    x1_left = g.gutter - style.lsize * 0.8
    if not g.aligned:
        a = _column(page, left, style, g.x0, x1_left, g.top)
        b = _column(page, right, style, g.right_x0, g.x1, g.top + g.right_drop, g.right_gap)
        return max(a, b)
    lx, rx = _value_x(left, g.x0, style), _value_x(right, g.right_x0, style)
    y = g.top
    for i in range(max(len(left), len(right))):
        ends = [y]
        if i < len(left):
            ends.append(_row(page, g.x0, lx, x1_left, y, left[i], style, style.row_gap))
        if i < len(right):
            ends.append(_row(page, g.right_x0, rx, g.x1, y, right[i], style, style.row_gap))
        y = max(ends)
    return y


def _table(page: PageLayout, rows: list[Row], style: Style, g: Geometry) -> float:
    """A ruled table: a label cell and a value cell, two pairs on rows whose values are short."""
    pad = style.lsize * 0.5
    label_w = max(label_width(r.label, style) for r in rows) + 2 * pad
    mid = (g.x0 + g.x1) / 2
    room = mid - g.x0 - label_w - 2 * pad
    by = {r.key: r for r in rows}
    pairs = [("registered_capital", "established_date"), ("legal_representative", "form"),
             ("company_type", "legal_representative")]  # fmt: skip
    lines: list[list[Row]] = []
    used: set[str] = set()
    for row in rows:
        if row.key in used:
            continue
        mate = next((by[b] for a, b in pairs if a == row.key and b in by and b not in used), None)
        fits = mate is not None and all(
            text_width(r.value, style.fonts.value, style.vsize) <= room for r in (row, mate)
        )
        lines.append([row, mate] if fits and mate else [row])
        used.update(r.key for r in lines[-1])
    top = y = g.top - style.lsize
    for line in lines:
        cells = [(g.x0, g.x1)] if len(line) == 1 else [(g.x0, mid), (mid, g.x1)]
        ends = []
        for row, (cx0, cx1) in zip(line, cells, strict=True):
            base = y + style.lsize * 1.35
            put_label(page, cx0 + pad, base, row.label, style)
            size = style.vsize * (0.86 if row.key == "scope" else 1.0)
            after = page.paragraph(cx0 + label_w + pad, base, cx1 - pad, row.value,
                                   style.fonts.value, size, style.leading)  # fmt: skip
            ends.append(after - size * style.leading + style.lsize * 0.6)
        row_top, y = y, max(ends)
        for cx0, _ in cells:
            page.add(Rule(cx0 + label_w, row_top, cx0 + label_w, y, 3))
        if len(line) == 2:
            page.add(Rule(mid, row_top, mid, y, 3))
        page.add(Rule(g.x0, y, g.x1, y, 3))
    page.add(Frame(g.x0, top, g.x1, y, 5))
    return y
