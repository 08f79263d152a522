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
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
"""The workbook's table of texts is read whole before any row: bounded on its own."""
MAX_CELLS = 300_000
"""Cells a table may hold, blank ones included (5,000 rows of 60 columns): counted in the
packed workbook before it is parsed, and again while rows are read (a CSV's, an XLSX's)."""
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
            _check_parts(archive, filename)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportInvalid:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged or foreign ZIP
        raise not_xlsx from None

    def reader(worksheet: Any) -> Callable[[], Iterator[Cells]]:
        def rows() -> Iterator[Cells]:
            try:
                yield from _bounded(worksheet.iter_rows(values_only=True), filename)
            except ImportInvalid:
                raise
            except Exception:  # the sheet XML is parsed lazily, row by row
                raise not_xlsx from None

        return rows

    sheets = []
    for worksheet in workbook.worksheets:
        if hasattr(worksheet, "reset_dimensions"):  # chart sheets have no cells
            worksheet.reset_dimensions()  # some exporters write a wrong <dimension>
            sheets.append(Sheet(worksheet.title, reader(worksheet)))
    return sheets


def check_bounds(data: bytes, filename: str) -> None:
    """The bounds a workbook can be held to before openpyxl (or anything heavy) is loaded:
    ImportInvalid for one too large to read; nothing for other files (read_sheets judges)."""
    if not data.startswith(b"PK\x03\x04"):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_parts(archive, filename)
    except ImportInvalid:
        raise
    except Exception:  # noqa: BLE001 - a damaged ZIP: read_sheets says so
        return


def _check_parts(archive: zipfile.ZipFile, filename: str) -> None:
    """Refuse a workbook too large to read before openpyxl parses any of it (a file that packs
    small and unpacks huge): its unpacked size, its table of texts, its cells."""
    entries = archive.infolist()
    if sum(info.file_size for info in entries) > MAX_XLSX_UNPACKED_BYTES:
        raise ImportInvalid(
            f"{filename}：工作簿解压后超过 {MAX_XLSX_UNPACKED_BYTES // 2**20} MB，拒绝读取"
        )
    texts = sum(i.file_size for i in entries if i.filename.lower().endswith("sharedstrings.xml"))
    if texts > MAX_SHARED_STRINGS_BYTES:
        raise ImportInvalid(
            f"{filename}：工作簿中的文字表解压后超过 {MAX_SHARED_STRINGS_BYTES // 2**20} MB，"
            "拒绝读取；请只保留征集信息表的内容后再导入"
        )
    cells = 0
    for info in entries:
        if info.filename.lower().endswith(".xml") and info.file_size:
            cells += _count_cells(archive, info, MAX_CELLS - cells)
            if cells > MAX_CELLS:
                raise _too_many_cells(filename)


_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,31}:)?c[\s/>]")
_TAG_REACH = 40
"""A cell tag is shorter than this: a chunk's last bytes are counted with the next chunk."""


def _count_cells(archive: zipfile.ZipFile, info: zipfile.ZipInfo, enough: int) -> int:
    """Cell elements (`<c …>`) in one part, streamed; stops counting past `enough`."""
    count, carry = 0, b""
    with archive.open(info) as part:
        while True:
            chunk = part.read(1 << 20)
            block = carry + chunk
            edge = len(block) if not chunk else max(0, len(block) - _TAG_REACH)
            for match in _CELL_TAG.finditer(block, 0, len(block)):
                if match.start() >= edge:
                    break
                count += 1
                if count > enough:
                    return count
            if not chunk:
                return count
            carry = block[edge:]


def _too_many_cells(filename: str) -> ImportInvalid:
    return ImportInvalid(
        f"{filename}：表格超过 {MAX_CELLS:,} 个单元格（空白但设置了格式的单元格也计算在内），"
        "拒绝读取；请删除表格下方和右侧多余的行列，或分批导入"
    )


def _bounded(rows: Iterator[Cells], filename: str) -> Iterator[Cells]:
    """The rows, refused once they hold more than MAX_CELLS cells (a blank row counts one)."""
    cells = 0
    for row in rows:
        cells += max(1, len(row))
        if cells > MAX_CELLS:
            raise _too_many_cells(filename)
        yield row


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
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        records = list(_bounded(reader, filename))
    except csv.Error as exc:
        raise ImportInvalid(f"{filename}：CSV 文件格式错误：{exc}") from None
    return Sheet(filename, lambda: iter(records))
