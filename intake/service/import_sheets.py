"""Reading an uploaded 征集信息表 file (XLSX or CSV) into sheets of raw cells, within size bounds."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import ImportInvalid

MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024
HEADER_SEARCH_ROWS = 5
"""The header row is looked for in rows 1–5 (a title row may stand above it)."""

Cells = Sequence[object]


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: Callable[[], Iterator[Cells]]
    """A fresh iterator over the sheet's rows, starting at row 1 (empty rows included)."""


_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def read_sheets(data: bytes, filename: str) -> list[Sheet]:
    if not data.strip():
        raise ImportInvalid(f"{filename}：文件是空的")
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_sheets(data, filename)
    if data.startswith(_OLE2_MAGIC):
        raise ImportInvalid(
            f"{filename}：这是旧版 Excel（.xls）或加密的工作簿，无法读取；请在 Excel 中"
            f"另存为 .xlsx 或 CSV 后再导入"
        )
    return [_csv_sheet(_decode_text(data, filename), filename)]


def _xlsx_sheets(data: bytes, filename: str) -> list[Sheet]:
    from openpyxl import load_workbook

    not_xlsx = ImportInvalid(f"{filename}：不是可读取的 Excel 工作簿（.xlsx），文件可能已损坏")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise ImportInvalid(
                f"{filename}：工作簿解压后超过 {MAX_XLSX_UNPACKED_BYTES // 2**20} MB，拒绝读取"
            )
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportInvalid:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged or foreign ZIP
        raise not_xlsx from None

    def reader(worksheet: Any) -> Callable[[], Iterator[Cells]]:
        def rows() -> Iterator[Cells]:
            try:
                yield from worksheet.iter_rows(values_only=True)
            except Exception:  # the sheet XML is parsed lazily, row by row
                raise not_xlsx from None

        return rows

    sheets = []
    for worksheet in workbook.worksheets:
        if hasattr(worksheet, "reset_dimensions"):  # chart sheets have no cells
            worksheet.reset_dimensions()  # some exporters write a wrong <dimension>
            sheets.append(Sheet(worksheet.title, reader(worksheet)))
    return sheets


def _decode_text(data: bytes, filename: str) -> str:
    """The text of a CSV: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030 (GBK) — or refused."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "gb18030"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        text = text.rstrip("\x1a")  # a DOS end-of-file mark
        if not _CONTROL_CHARS.search(text):
            return text
    raise ImportInvalid(
        f"{filename}：既不是 Excel 工作簿（.xlsx），也不是 UTF-8 或 GBK 编码的 CSV 文本"
    )


def _csv_sheet(text: str, filename: str) -> Sheet:
    lines = [line for line in text.splitlines() if line.strip()][:HEADER_SEARCH_ROWS]
    delimiter = max(",\t;", key=lambda d: max((line.count(d) for line in lines), default=0))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportInvalid(f"{filename}：CSV 文件格式错误：{exc}") from None
    return Sheet(filename, lambda: iter(records))
