"""Imports and images off the request path (part of `intake bench-service`): a 征集信息表 that is
small packed and huge unpacked (the issue's 499 KB / 180 MiB workbook), the list routes' latency
while the service imports it again and again, beside the same measure without it; the service's
memory for a pixel bomb and for a page at the pixel bound."""

from __future__ import annotations

import csv
import io
import statistics
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

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


# --------------------------------------------------------------------------- the measures

CAMPAIGN = "jiangsu-2021-first-edition"


def _status_kb(pid: int) -> dict[str, int]:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return values


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


@dataclass
class ImportRuns:
    """Imports sent one after another while the lists are measured."""

    seconds: list[float] = field(default_factory=list)
    """From the POST to the import's end (done or failed), per import."""
    answered_ms: list[float] = field(default_factory=list)
    """How long the POST itself took."""
    outcomes: dict[str, int] = field(default_factory=dict)
    child_peak_kb: int = 0
    """The largest VmHWM seen of the service's child processes (the table readers)."""
    example: str = ""

    def merge(self, other: ImportRuns) -> None:
        self.seconds += other.seconds
        self.answered_ms += other.answered_ms
        for outcome, count in other.outcomes.items():
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + count
        self.child_peak_kb = max(self.child_peak_kb, other.child_peak_kb)
        self.example = other.example or self.example


Table = bytes | Callable[[], bytes]
"""A table's bytes, or what makes a new one for each import (new rows each time)."""


def import_loop(
    url: str, token: str, table: Table, name: str, server_pid: int, stop: threading.Event
) -> ImportRuns:
    runs = ImportRuns()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=300) as http:
        while not stop.is_set():
            data = table() if callable(table) else table
            started = time.perf_counter()
            response = http.post(
                "/api/filings/import",
                files={"file": (name, data, "application/octet-stream")},
                data={"campaign": CAMPAIGN},
            )
            runs.answered_ms.append((time.perf_counter() - started) * 1000)
            if response.status_code != 202:
                raise RuntimeError(f"import answered {response.status_code}: {response.text[:300]}")
            location = response.headers["location"]
            while True:
                for child in _children(server_pid):
                    runs.child_peak_kb = max(runs.child_peak_kb, _status_kb(child).get("VmHWM", 0))
                body = http.get(location).json()
                if body["state"] in ("done", "failed"):
                    break
                time.sleep(0.05)
            runs.seconds.append(time.perf_counter() - started)
            outcome = body["state"] + (f" ({body['error_code']})" if body["error_code"] else "")
            runs.outcomes[outcome] = runs.outcomes.get(outcome, 0) + 1
            runs.example = (body["error"] or str(body["result"]))[:160]
    return runs


def during_imports(
    measure: Callable[[], dict[str, list[float]]],
    url: str,
    token: str,
    table: Table,
    name: str,
    server_pid: int,
) -> tuple[dict[str, list[float]], ImportRuns]:
    """`measure()` run while `data` is imported again and again (the first import starts
    before the measure, the last ends after it)."""
    stop = threading.Event()
    result: dict[str, Any] = {}

    def loop() -> None:
        try:
            result["runs"] = import_loop(url, token, table, name, server_pid, stop)
        except Exception as exc:  # noqa: BLE001 - reported below
            result["error"] = exc

    thread = threading.Thread(target=loop)
    thread.start()
    time.sleep(0.3)
    try:
        timings = measure()
    finally:
        stop.set()
        thread.join()
    if "error" in result:
        raise result["error"]
    return timings, result["runs"]


def valid_tables(rows: int, bureau: str = "320500") -> Callable[[], bytes]:
    """Tables of `rows` valid filings of one bureau, as the platform exports them: each call
    a table of new filings (so that every import writes its rows)."""
    made = [0]

    def table() -> bytes:
        made[0] += 1
        return valid_table(rows, bureau, first=made[0] * rows)

    return table


def valid_table(rows: int, bureau: str = "320500", first: int = 0) -> bytes:
    """A CSV of `rows` valid filings of one bureau, numbered from `first`."""
    from extractors.normalize import credit_code_check_char

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "申报编号",
            "送征单位名称",
            "统一社会信用代码",
            "产品名称",
            "版本号",
            "所属地区",
            "提交时间",
        ]
    )
    for n in range(first, first + rows):
        first17 = f"91{bureau}MA7{n:06d}"
        writer.writerow(
            [
                f"JS2021-{bureau}-IMP{n:05d}",
                f"江苏导入{n}号软件有限公司",
                first17 + credit_code_check_char(first17),
                f"导入产品{n}",
                "V1.0",
                "苏州市",
                "2021-03-01 10:00",
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def summary(runs: ImportRuns) -> str:
    return (
        f"{len(runs.seconds)} imports, each {statistics.median(runs.seconds):.1f} s "
        f"(median; {min(runs.seconds):.1f}–{max(runs.seconds):.1f}) from POST to its end, "
        f"POST answered in {statistics.median(runs.answered_ms):.0f} ms (median), "
        f"outcomes {runs.outcomes}; table reader peak {runs.child_peak_kb / 1024:.0f} MB"
    )


def png_bytes(side: int) -> bytes:
    """A white RGB page of `side`×`side` with some black lines, as PNG (compresses to little)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(image)
    for y in range(200, side, 400):
        draw.rectangle((200, y, side - 200, y + 12), fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def image_memory(
    url: str, token: str, filing_id: str, server_pid: int, wait: Callable[[int], str]
) -> list[str]:
    """The service's memory around three uploads: the issue's 9990×9990 PNG (refused from its
    header); the page below at 300 DPI (3507×3507: what the pipeline reads of it), then a page
    just under the pixel bound, 7000×7000, decoded by the worker in the same process. VmHWM is
    a high-water mark: the third peak above the second is what decoding the large one adds."""
    from intake.pipeline.sources import MAX_PIXELS

    lines = []
    headers = {"Authorization": f"Bearer {token}"}
    bound_side = int(MAX_PIXELS**0.5) - 71
    for side, what in (
        (9990, "the issue's pixel bomb"),
        (round(bound_side * 300 / (bound_side / 11.69)), "the next page at 300 DPI"),
        (bound_side, "a page at the bound"),
    ):
        data = png_bytes(side)
        before = _status_kb(server_pid)
        started = time.perf_counter()
        response = httpx.post(
            f"{url}/api/filings/{filing_id}/documents",
            files=[("files", (f"p{side}.png", data, "image/png"))],
            headers=headers,
            timeout=300,
        )
        answered = (time.perf_counter() - started) * 1000
        after = _status_kb(server_pid)
        state = f"answered {response.status_code} in {answered:.0f} ms"
        if response.status_code == 202:
            job = response.json()["data"][0]["job"]["id"]
            state += f", its job {wait(job)}"
        settled = _status_kb(server_pid)
        lines.append(
            f"{side}×{side} PNG ({len(data) / 1024:.0f} KB, {what}): {state}; service VmRSS "
            f"{before['VmRSS'] / 1024:.0f} → {after['VmRSS'] / 1024:.0f} MB, peak VmHWM "
            f"{before['VmHWM'] / 1024:.0f} → {settled['VmHWM'] / 1024:.0f} MB"
        )
    return lines


if __name__ == "__main__":
    started = time.perf_counter()
    data = bomb_xlsx()
    print(
        f"{len(data) / 1024:.0f} KB packed, {unpacked_size(data) / MiB:.0f} MiB unpacked, "
        f"built in {time.perf_counter() - started:.1f} s"
    )
