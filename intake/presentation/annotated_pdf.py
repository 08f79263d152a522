"""The annotated PDF of a filing for the paper file: key pages with their boxes, and the flag table."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from PIL import Image
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy.orm import Session

from intake.persistence.records import FilingRecord, utcnow
from intake.persistence.storage import Storage
from intake.persistence.stored import filing_of, filing_report, page_image_keys
from intake.pipeline.check import campaign_for
from intake.presentation.review_marks import (
    BOX_STATE_LABELS,
    FILING_STATUS_LABELS,
    BoxState,
    FlagMark,
    PageMarks,
    ReviewMarks,
    page_key,
    review_marks,
)
from intake.presentation.times import beijing_text
from validators.bureaus import load_bureaus
from validators.flags import display_value, load_flag_catalogue

CJK_FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
CJK_FONT_NAME = "WenQuanYiZenHei"
FALLBACK_CJK_FONT = "STSong-Light"
"""ReportLab's built-in CID font (the reader supplies the glyphs) when the TTC is missing."""
LOCAL_TIME = ZoneInfo("Asia/Shanghai")

BOX_COLOURS = {
    BoxState.AGREES: colors.HexColor("#1e8e3e"),
    BoxState.FLAGGED: colors.HexColor("#d93025"),
    BoxState.DISMISSED: colors.HexColor("#7b6cb0"),
    BoxState.LOW_CONFIDENCE: colors.HexColor("#e37400"),
    BoxState.UNCHECKED: colors.HexColor("#5f6b7a"),
}
FLAG_COLOUR = colors.HexColor("#d93025")
SETTLED_FLAG_COLOUR = colors.HexColor("#9aa5b1")
"""A dismissed (or no longer raised) flag: outlined grey, never red."""


def flag_colour(flag: FlagMark) -> colors.Color:
    return FLAG_COLOUR if flag.standing else SETTLED_FLAG_COLOUR


@lru_cache(maxsize=4)
def cjk_font(font_file: Path = CJK_FONT_FILE) -> str:
    """Register a font with Chinese glyphs once; its name (the TTC if present, else STSong)."""
    if font_file.is_file():
        try:
            pdfmetrics.registerFont(TTFont(CJK_FONT_NAME, str(font_file), subfontIndex=0))
            return CJK_FONT_NAME
        except Exception:  # a damaged font file: fall back rather than fail the download
            pass
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CJK_FONT))
    return FALLBACK_CJK_FONT


@dataclass(frozen=True)
class FilingSummary:
    """The header of the paper file: which filing, whose, and who printed it when."""

    filing_id: str
    applicant_name: str
    product: str
    bureau_name: str
    campaign_title: str
    status_label: str
    open_flags: int
    prepared_by: str
    prepared_at: datetime


@dataclass(frozen=True)
class AnnotatedFiling:
    summary: FilingSummary
    marks: ReviewMarks
    images: dict[str, bytes]
    """Page key → the stored upright page image (JPEG) the boxes refer to."""
    corrections: list[dict[str, Any]] = field(default_factory=list)
    """The report's `corrections`: every corrected value with who, why and its review."""


def collect(
    session: Session,
    storage: Storage,
    record: FilingRecord,
    campaign_dirs: list[Path],
    prepared_by: str,
) -> AnnotatedFiling:
    """What the PDF shows of a stored filing (the caller has checked the scope)."""
    filing = filing_of(record)
    campaign = campaign_for(record.campaign, campaign_dirs)
    report = filing_report(session, record)
    marks = review_marks(report, filing, campaign)
    keys = page_image_keys(session, [d.document_id for d in marks.documents])
    images = {}
    for page in marks.key_pages:
        key = keys.get((page.document_id, page.index))
        if key is not None:
            with storage.open(key) as stored:
                images[page.key] = stored.read()
    bureau = load_bureaus().get(record.bureau)
    version = f" {record.product_version}" if record.product_version else ""
    summary = FilingSummary(
        filing_id=record.id,
        applicant_name=record.applicant_name,
        product=f"{record.product_name}{version}",
        bureau_name=bureau.name if bureau else record.bureau,
        campaign_title=campaign.title,
        status_label=FILING_STATUS_LABELS.get(record.status, record.status),
        open_flags=record.open_flags,
        prepared_by=prepared_by,
        prepared_at=utcnow(),
    )
    return AnnotatedFiling(
        summary=summary, marks=marks, images=images, corrections=report.get("corrections", [])
    )


@dataclass(frozen=True)
class _Styles:
    title: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    head: ParagraphStyle
    page_title: ParagraphStyle
    code: ParagraphStyle


def _styles(font: str) -> _Styles:
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14, wordWrap="CJK")
    return _Styles(
        title=ParagraphStyle(
            "title", parent=body, fontSize=16, leading=22, alignment=TA_CENTER, spaceAfter=4 * mm
        ),
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=8, leading=11),
        cell=ParagraphStyle("cell", parent=body, fontSize=8.5, leading=12),
        head=ParagraphStyle("head", parent=body, fontSize=9, leading=12, textColor=colors.white),
        page_title=ParagraphStyle("page_title", parent=body, fontSize=11, leading=15),
        code=ParagraphStyle(
            "code",
            fontName="Courier",
            fontSize=6.5,
            leading=9,
            textColor=colors.HexColor("#5f6b7a"),
        ),
    )


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


class AnnotatedImage(Flowable):
    """A page image scaled into the frame, with every field's box and each flag's number."""

    def __init__(self, page: PageMarks, image: bytes | None, font: str):
        super().__init__()
        self.page = page
        self.image = image
        self.font = font
        if image is not None:
            with Image.open(io.BytesIO(image)) as shown:
                self.pixels = shown.size
        else:
            self.pixels = (page.width or 1000, page.height or 1400)
        self.scale = 1.0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        width, height = self.pixels
        self.scale = min(available_width / width, available_height / height)
        self.width, self.height = width * self.scale, height * self.scale
        return self.width, self.height

    def _rect(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = (v * self.scale for v in box)
        return x0, self.height - y1, x1 - x0, y1 - y0

    def draw(self) -> None:
        canvas = self.canv
        if self.image is None:
            canvas.setStrokeColor(colors.grey)
            canvas.rect(0, 0, self.width, self.height)
            canvas.setFont(self.font, 12)
            canvas.drawCentredString(self.width / 2, self.height / 2, "（该页没有保存的图像）")
            return
        canvas.drawImage(ImageReader(io.BytesIO(self.image)), 0, 0, self.width, self.height)
        for mark in self.page.fields:
            if mark.box is None:
                continue
            x, y, w, h = self._rect(mark.box)
            colour = BOX_COLOURS[mark.state]
            canvas.setStrokeColor(colour)
            canvas.setLineWidth(1.2)
            canvas.rect(x, y, w, h, stroke=1, fill=0)
            canvas.setFillColor(colour)
            canvas.setFont(self.font, 6)
            canvas.drawString(x, y + h + 1.5, mark.label)
        for flag in self.page.flags:
            if flag.box is None:
                continue
            x, y, w, h = self._rect(flag.box)
            colour = flag_colour(flag)
            canvas.setStrokeColor(colour)
            canvas.setLineWidth(2.2 if flag.standing else 1)
            canvas.rect(x - 2, y - 2, w + 4, h + 4, stroke=1, fill=0)
            canvas.setFillColor(colour)
            canvas.circle(x + w + 9, y + h / 2, 6.5, stroke=0, fill=1)
            canvas.setFillColor(colors.white)
            canvas.setFont(self.font, 7.5)
            canvas.drawCentredString(x + w + 9, y + h / 2 - 2.6, str(flag.number))


def _summary_table(summary: FilingSummary, styles: _Styles) -> Table:
    local = summary.prepared_at.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")
    rows = [
        ("申报编号", summary.filing_id, "受理单位", summary.bureau_name),
        ("申报单位", summary.applicant_name, "核验状态", summary.status_label),
        ("申报产品", summary.product, "待处理疑点", str(summary.open_flags)),
        ("征集活动", summary.campaign_title, "打印", f"{summary.prepared_by} · {local}"),
    ]
    table = Table(
        [[_p(c, styles.cell) for c in row] for row in rows],
        colWidths=[22 * mm, 68 * mm, 22 * mm, 68 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#b8c0cc")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f5")),
                ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#eef1f5")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def _legend(styles: _Styles) -> Table:
    cells = []
    for state in BoxState:
        colour = BOX_COLOURS[state].hexval().replace("0x", "#")
        cells.append(
            Paragraph(f'<font color="{colour}">■</font> {BOX_STATE_LABELS[state]}', styles.small)
        )
    cells.append(
        Paragraph(
            f'<font color="{FLAG_COLOUR.hexval().replace("0x", "#")}">●</font> 疑点编号',
            styles.small,
        )
    )
    return Table([cells], colWidths=[30 * mm] * len(cells), hAlign="LEFT")


def _where(flag: FlagMark) -> str:
    if flag.source is None:
        return "—"
    page = f" 第{flag.page + 1}页" if flag.page is not None else ""
    return f"{flag.source}{page}"


def _decision(flag: FlagMark) -> str:
    parts = [flag.status_label]
    if flag.decided_by:
        parts.append(f"（{flag.decided_by}）")
    if flag.reason:
        parts.append(f"\n{flag.reason}")
    return "".join(parts)


def _flag_table(flags: list[FlagMark], styles: _Styles) -> Table:
    head = ["序号", "疑点", "说明", "位置", "处理"]
    rows = [[_p(h, styles.head) for h in head]]
    for flag in flags:
        severity = flag.severity_label
        rows.append(
            [
                _p(str(flag.number), styles.cell),
                [_p(f"{flag.title}［{severity}］", styles.cell), _p(flag.code, styles.code)],
                _p(flag.message, styles.cell),
                _p(_where(flag), styles.cell),
                _p(_decision(flag), styles.cell),
            ]
        )
    # A row taller than a page (a duplicate_application naming hundreds of filings) goes on
    # over the next page instead of failing the whole PDF.
    table = Table(
        rows,
        colWidths=[10 * mm, 46 * mm, 68 * mm, 26 * mm, 30 * mm],
        repeatRows=1,
        splitInRow=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#36465d")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#b8c0cc")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f8fa")]),
            ]
        )
    )
    return table


CORRECTION_STATES = {
    "applied": "已生效",
    "pending": "待复核",
    "approved": "已批准",
    "rejected": "已驳回",
}


def _correction_table(
    corrections: list[dict[str, Any]], marks: ReviewMarks, styles: _Styles
) -> Table:
    """Every correction (applied, pending, approved, rejected): where, what OCR read, what it
    is now, who, when (Beijing time) and why, and its review."""
    head = ["页面", "字段", "原识别 → 更正为", "更正人、时间与理由", "复核"]
    rows = [[_p(h, styles.head) for h in head]]
    catalogue = load_flag_catalogue()
    kinds = {page.key: page.kind_label for page in marks.pages}
    for c in corrections:
        review = CORRECTION_STATES.get(c["state"], c["state"])
        if c.get("reviewed_by"):
            review += f"（{c['reviewed_by']}）"
        if c.get("review_reason"):
            review += f"\n{c['review_reason']}"
        kind = kinds.get(page_key(c["document_id"], c["page"]))
        where = f"{c['source']} 第{c['page'] + 1}页"
        when = beijing_text(c.get("corrected_at"))
        who = f"{c['corrected_by']}（{when}）" if when else str(c["corrected_by"])
        rows.append(
            [
                _p(f"{kind} · {where}" if kind else where, styles.cell),
                _p(catalogue.field_label(None, c["field"]), styles.cell),
                _p(f"{display_value(c['ocr_value'])} → {display_value(c['value'])}", styles.cell),
                _p(f"{who}：{c.get('reason') or '—'}", styles.cell),
                _p(review, styles.cell),
            ]
        )
    table = Table(
        rows,
        colWidths=[44 * mm, 24 * mm, 40 * mm, 48 * mm, 24 * mm],
        repeatRows=1,
        splitInRow=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#36465d")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#b8c0cc")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _page_heading(page: PageMarks, styles: _Styles) -> Paragraph:
    numbers = "、".join(str(f.number) for f in page.flags)
    flags = f"　疑点 {numbers}" if numbers else ""
    return _p(f"{page.kind_label} · {page.source} 第{page.index + 1}页{flags}", styles.page_title)


MARGIN = 15 * mm


def _page_template(name: str, size: tuple[float, float], footer) -> PageTemplate:
    frame = Frame(
        MARGIN,
        16 * mm,
        size[0] - 2 * MARGIN,
        size[1] - 30 * mm,
        id=name,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    return PageTemplate(id=name, frames=[frame], pagesize=size, onPage=footer)


def render_pdf(filing: AnnotatedFiling) -> bytes:
    """The PDF: a cover with the filing, the flag table and the legend; then each key page
    (on a landscape sheet when the page is wider than tall)."""
    font = cjk_font()
    styles = _styles(font)
    summary = filing.summary
    buffer = io.BytesIO()

    def footer(canvas, doc) -> None:
        width = canvas._pagesize[0]
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#5f6b7a"))
        canvas.drawString(MARGIN, 9 * mm, f"{summary.filing_id} · {summary.applicant_name}")
        canvas.drawRightString(width - MARGIN, 9 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{summary.filing_id} 批注件",
        author=summary.prepared_by,
        subject=summary.campaign_title,
        pageTemplates=[
            _page_template("portrait", A4, footer),
            _page_template("landscape", landscape(A4), footer),
        ],
    )
    story: list[Flowable] = [
        _p("首版次软件产品征集材料核验 · 批注件", styles.title),
        _summary_table(summary, styles),
        Spacer(0, 5 * mm),
        _p(f"疑点（{len(filing.marks.flags)}）", styles.page_title),
        Spacer(0, 2 * mm),
    ]
    if filing.marks.flags:
        story.append(_flag_table(filing.marks.flags, styles))
    else:
        story.append(_p("未发现疑点。", styles.body))
    if filing.corrections:
        story += [
            Spacer(0, 5 * mm),
            _p(f"识别值更正（{len(filing.corrections)}）", styles.page_title),
            Spacer(0, 2 * mm),
            _correction_table(filing.corrections, filing.marks, styles),
        ]
    story += [Spacer(0, 4 * mm), _p("框线颜色：", styles.small), _legend(styles)]
    for page in filing.marks.key_pages:
        image = AnnotatedImage(page, filing.images.get(page.key), font)
        wide = image.pixels[0] > image.pixels[1]
        story += [
            NextPageTemplate("landscape" if wide else "portrait"),
            PageBreak(),
            KeepTogether([_page_heading(page, styles), Spacer(0, 2 * mm)]),
            image,
        ]
    document.build(story)
    return buffer.getvalue()


def annotated_pdf(
    session: Session,
    storage: Storage,
    record: FilingRecord,
    campaign_dirs: list[Path],
    prepared_by: str,
) -> bytes:
    """The annotated PDF of a stored filing (its key pages, boxes and flag table)."""
    return render_pdf(collect(session, storage, record, campaign_dirs, prepared_by))
