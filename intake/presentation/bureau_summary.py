"""A bureau's 推荐产品汇总表: its filings with check state and recommendation, as XLSX and CSV."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.persistence.records import FilingRecord, FlagRecord
from intake.presentation.times import in_beijing
from validators.bureaus import Bureau
from validators.flags import load_flag_catalogue

STATUS_LABELS = {
    "awaiting_upload": "待上传材料",
    "processing": "核验中",
    "flagged": "有疑点",
    "clean": "无疑点",
    "recommended": "推荐",
    "not_recommended": "不推荐",
}
YES_NO = {True: "是", False: "否", None: "未填"}
"""信创适配 as filed; with 专利 and 标准制定 the priority conditions of notice 000 一（三）."""
RECOMMENDATION_LABELS = {"recommended": "推荐", "not_recommended": "不推荐", None: "未定"}
COLUMNS = (
    "序号",
    "申报编号",
    "申报单位",
    "统一社会信用代码",
    "产品名称",
    "版本号",
    "产品类别",
    "软件著作权登记号",
    "检测报告编号",
    "检测机构",
    "研发投入（万元）",
    "信创适配",
    "相关专利（项）",
    "参与制定标准（项）",
    "提交时间",
    "核验状态",
    "未处理疑点",
    "疑点类型",
    "推荐意见",
    "推荐理由",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class SummaryQuery:
    bureau: str | None
    """None with `filing_ids`: the chosen filings of any bureau (the caller checked scope)."""
    campaign: str | None = None
    status: str | None = None
    filing_ids: tuple[str, ...] | None = None
    """Only these filings (the queue's selection)."""


@dataclass(frozen=True)
class SummaryRow:
    filing_id: str
    applicant: str
    credit_code: str
    product: str
    version: str | None
    category: str | None
    registration_no: str | None
    test_report_no: str | None
    testing_institution: str | None
    rd_investment_wan: float | None
    xinchuang_adapted: bool | None
    patents: int | None
    standards: int | None
    submitted_at: str | None
    status: str
    open_flags: int
    flag_codes: tuple[str, ...]
    recommendation: str | None
    recommendation_reason: str | None

    def cells(self, number: int) -> list[Any]:
        return [
            number,
            self.filing_id,
            self.applicant,
            self.credit_code,
            self.product,
            self.version,
            self.category,
            self.registration_no,
            self.test_report_no,
            self.testing_institution,
            self.rd_investment_wan,
            YES_NO.get(self.xinchuang_adapted, "未填"),
            self.patents,
            self.standards,
            self.submitted_at,
            STATUS_LABELS.get(self.status, self.status),
            self.open_flags,
            "、".join(load_flag_catalogue().title(code) for code in self.flag_codes),
            RECOMMENDATION_LABELS.get(self.recommendation, self.recommendation),
            self.recommendation_reason,
        ]


def summary_rows(session: Session, query: SummaryQuery) -> list[SummaryRow]:
    """The bureau's filings (or the chosen ones) in id order, each with the codes of its
    standing flags."""
    conditions = []
    if query.bureau is not None:
        conditions.append(FilingRecord.bureau == query.bureau)
    if query.filing_ids is not None:
        conditions.append(FilingRecord.id.in_(query.filing_ids))
    if query.campaign:
        conditions.append(FilingRecord.campaign == query.campaign)
    if query.status:
        conditions.append(FilingRecord.status == query.status)
    records = list(
        session.scalars(select(FilingRecord).where(*conditions).order_by(FilingRecord.id))
    )
    codes: dict[str, set[str]] = defaultdict(set)
    flag_conditions = [FlagRecord.status.in_(("open", "confirmed"))]
    if query.bureau is not None:
        flag_conditions.append(FlagRecord.bureau == query.bureau)
    if query.filing_ids is not None:
        flag_conditions.append(FlagRecord.filing_id.in_(query.filing_ids))
    flag_rows = session.execute(
        select(FlagRecord.filing_id, FlagRecord.code).where(*flag_conditions)
    )
    for filing_id, code in flag_rows:
        codes[filing_id].add(code)
    return [_row(r, tuple(sorted(codes.get(r.id, ())))) for r in records]


def _row(record: FilingRecord, flag_codes: tuple[str, ...]) -> SummaryRow:
    product: dict[str, Any] = record.data.get("product", {})
    submitted = in_beijing(record.submitted_at)
    return SummaryRow(
        filing_id=record.id,
        applicant=record.applicant_name,
        credit_code=record.credit_code,
        product=record.product_name,
        version=record.product_version,
        category=product.get("category"),
        registration_no=product.get("copyright_registration_no"),
        test_report_no=product.get("test_report_no"),
        testing_institution=product.get("testing_institution"),
        rd_investment_wan=product.get("rd_investment_wan"),
        xinchuang_adapted=product.get("xinchuang_adapted"),
        patents=product.get("patents"),
        standards=product.get("standards"),
        submitted_at=submitted.isoformat(timespec="minutes") if submitted else None,
        status=record.status,
        open_flags=record.open_flags,
        flag_codes=flag_codes,
        recommendation=record.recommendation,
        recommendation_reason=record.recommendation_reason,
    )


def _safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def summary_title(bureau: Bureau | None, campaign: str | None, chosen: int | None = None) -> str:
    """The sheet's title: the bureau's, or 「所选 N 项申报」 for a selection from the queue."""
    who = bureau.name if bureau is not None else f"所选 {chosen or 0} 项申报"
    return f"{who} 推荐产品汇总表" + (f"（{campaign}）" if campaign else "")


def summary_xlsx(
    bureau: Bureau | None, rows: list[SummaryRow], campaign: str | None = None
) -> bytes:
    """The table as XLSX; `bureau` None for a selection of filings (titled by their count)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("推荐产品汇总表")
    widths = (6, 18, 30, 22, 28, 10, 14, 18, 20, 26, 12, 10, 12, 14, 18, 10, 10, 30, 10, 30)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[_column_letter(index)].width = width
    title = WriteOnlyCell(sheet, value=summary_title(bureau, campaign, len(rows)))
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    header = []
    for name in COLUMNS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
        header.append(cell)
    sheet.append(header)
    for number, row in enumerate(rows, start=1):
        sheet.append([_safe(v) for v in row.cells(number)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def summary_csv(rows: list[SummaryRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for number, row in enumerate(rows, start=1):
        writer.writerow(["" if v is None else _safe(v) for v in row.cells(number)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
