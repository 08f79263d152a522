"""A 征集信息表 that is small packed and huge unpacked (the issue's 499 KB / 180 MiB workbook), and
the list routes' latency measured while the service imports it (part of `intake bench-service`)."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator

MiB = 1024 * 1024

HEADERS = ["申报编号", "送征单位名称", "统一社会信用代码", "产品名称", "版本号", "所属地区"]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="征集信息表" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="1" borderId="0" xfId="0" applyFill="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _text_row(number: int, values: list[str]) -> str:
    cells = "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
    return f'<row r="{number}">{cells}</row>'


def _sheet_xml(valid_rows: list[list[str]], unpacked_bytes: int, columns: int) -> Iterator[bytes]:
    """The sheet: the header, the given rows, then formatted but empty cells up to the size."""
    yield (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    written = 0
    yield (head := _text_row(1, HEADERS).encode())
    written += len(head)
    number = 1
    for values in valid_rows:
        number += 1
        yield (row := _text_row(number, values).encode())
        written += len(row)
    empty = '<c s="1"/>' * columns
    tail = b"</sheetData></worksheet>"
    while written < unpacked_bytes - len(tail):
        number += 1
        row = f"<row>{empty}</row>".encode()
        written += len(row)
        yield row
    yield tail


def bomb_xlsx(
    unpacked_bytes: int = 180 * MiB, valid_rows: list[list[str]] | None = None, columns: int = 20
) -> bytes:
    """An XLSX whose one sheet holds the header, `valid_rows`, and then formatted empty cells
    until it unpacks to about `unpacked_bytes` (every cell `<c s="1"/>`: a format, no value)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            pending: list[bytes] = []
            size = 0
            for piece in _sheet_xml(valid_rows or [], unpacked_bytes, columns):
                pending.append(piece)
                size += len(piece)
                if size > MiB:
                    sheet.write(b"".join(pending))
                    pending, size = [], 0
            sheet.write(b"".join(pending))
    return buffer.getvalue()


def unpacked_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


if __name__ == "__main__":
    started = time.perf_counter()
    data = bomb_xlsx()
    print(
        f"{len(data) / 1024:.0f} KB packed, {unpacked_size(data) / MiB:.0f} MiB unpacked, "
        f"built in {time.perf_counter() - started:.1f} s"
    )
