"""Import the platform's 征集信息表 export (CSV or XLSX) into filings, reporting bad rows by number."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from extractors.normalize import (
    date_matches,
    is_valid_credit_code,
    normalize_credit_code,
    normalize_software_name,
    normalize_version,
    parse_wan,
    split_holders,
    split_name_version,
    strip_spaces,
    to_halfwidth,
)
from intake.errors import FilingInvalid, IntakeError
from intake.filing import Filing, parse_filing
from validators.bureaus import Bureau, load_bureaus
from validators.yamlfile import invalid_file, read_yaml

COLUMNS_PATH = Path(__file__).with_name("platform_columns.yaml")
MAX_ROWS = 5000
"""Data rows one import may hold; a larger export is refused as a whole."""
HEADER_SEARCH_ROWS = 5
"""The header row is looked for in rows 1–5 (a title row may stand above it)."""
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024
CHINA_TIME = timezone(timedelta(hours=8))

FieldKind = Literal[
    "text", "id", "credit_code", "bureau", "date", "datetime", "bool", "wan", "count", "holders"
]


class ImportInvalid(IntakeError):
    """The uploaded table cannot be imported at all: not CSV/XLSX, no header, too many rows."""

    code = "import_invalid"


@dataclass(frozen=True)
class RowError:
    """One problem in one row; `row` as Excel numbers it (header = row 1 when it is the first)."""

    row: int
    column: str | None
    message: str


@dataclass
class ImportResult:
    filings: list[tuple[int, Filing]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- the column mapping

_EDGE_MARKS = "*:"
_TRAILING_BRACKET = re.compile(r"[(\[【〔]([^()\[\]【】〔〕]*)[)\]】〕]$")


def header_key(text: str) -> tuple[str, str | None]:
    """A header's comparison key and its bracketed unit: `研发投入（万元）` → (`研发投入`, `万元`)."""
    work = strip_spaces(to_halfwidth(text)).strip(_EDGE_MARKS)
    unit = None
    match = _TRAILING_BRACKET.search(work)
    if match and match.start() > 0:
        unit = match.group(1) or None
        work = work[: match.start()].strip(_EDGE_MARKS)
    return work.lower(), unit


@lru_cache(maxsize=1)
def _schema_properties() -> dict[str, Any]:
    text = resources.files("intake").joinpath("contract/filing.schema.json").read_text("utf-8")
    return json.loads(text)["properties"]


def _in_schema(path: str) -> bool:
    properties = _schema_properties()
    *parents, leaf = path.split(".")
    for part in parents:
        properties = properties.get(part, {}).get("properties", {})
    return leaf in properties


class ColumnField(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: FieldKind
    headers: tuple[str, ...] = Field(min_length=1)


class ColumnMapping(BaseModel):
    """platform_columns.yaml: filing field (dotted path) → how its cell is read, which headers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    required: tuple[str, ...] = Field(min_length=1)
    ignored_headers: tuple[str, ...] = ()
    fields: dict[str, ColumnField]

    @model_validator(mode="after")
    def _consistent(self) -> ColumnMapping:
        outside = [path for path in self.fields if not _in_schema(path)]
        if outside:
            raise ValueError(f"fields not in filing.schema.json: {outside}")
        unmapped = [path for path in self.required if path not in self.fields]
        if unmapped:
            raise ValueError(f"required fields without headers: {unmapped}")
        owners: dict[str, str] = {}
        for path, spec in self.fields.items():
            for header in spec.headers:
                key = header_key(header)[0]
                if owners.setdefault(key, path) != path:
                    raise ValueError(f"header {header!r} listed for {owners[key]} and {path}")
        clash = [h for h in self.ignored_headers if header_key(h)[0] in owners]
        if clash:
            raise ValueError(f"ignored headers that are also mapped: {clash}")
        return self

    def header_index(self) -> dict[str, str]:
        """Header key → dotted path of the field it fills."""
        return {
            header_key(header)[0]: path
            for path, spec in self.fields.items()
            for header in spec.headers
        }

    def display_name(self, path: str) -> str:
        return self.fields[path].headers[0]


def load_column_mapping(path: Path = COLUMNS_PATH) -> ColumnMapping:
    """The column mapping of `path`; CampaignInvalid naming the file and key when it is broken."""
    try:
        return ColumnMapping.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise invalid_file(path, exc) from None


# --------------------------------------------------------------------------- reading the file

Cells = Sequence[object]


@dataclass(frozen=True)
class _Sheet:
    name: str
    rows: Callable[[], Iterator[Cells]]
    """A fresh iterator over the sheet's rows, starting at row 1 (empty rows included)."""


_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _read_sheets(data: bytes, filename: str) -> list[_Sheet]:
    if not data.strip():
        raise ImportInvalid(f"{filename}：文件是空的（the file is empty）")
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_sheets(data, filename)
    if data.startswith(_OLE2_MAGIC):
        raise ImportInvalid(
            f"{filename}：这是旧版 Excel（.xls）或加密的工作簿，无法读取；请在 Excel 中"
            f"另存为 .xlsx 或 CSV 后再导入（legacy .xls or encrypted workbook: save as .xlsx or CSV）"
        )
    return [_csv_sheet(_decode_text(data, filename), filename)]


def _xlsx_sheets(data: bytes, filename: str) -> list[_Sheet]:
    from openpyxl import load_workbook

    not_xlsx = ImportInvalid(
        f"{filename}：不是可读取的 Excel 工作簿（.xlsx），文件可能已损坏"
        f"（not a readable .xlsx workbook）"
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise ImportInvalid(
                f"{filename}：工作簿解压后超过 {MAX_XLSX_UNPACKED_BYTES // 2**20} MB，拒绝读取"
                f"（workbook too large when unpacked）"
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
            sheets.append(_Sheet(worksheet.title, reader(worksheet)))
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
        f"（neither an .xlsx workbook nor a UTF-8/GBK CSV file）"
    )


def _csv_sheet(text: str, filename: str) -> _Sheet:
    lines = [line for line in text.splitlines() if line.strip()][:HEADER_SEARCH_ROWS]
    delimiter = max(",\t;", key=lambda d: max((line.count(d) for line in lines), default=0))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportInvalid(
            f"{filename}：CSV 文件格式错误：{exc}（malformed CSV: {exc}）"
        ) from None
    return _Sheet(filename, lambda: iter(records))


# --------------------------------------------------------------------------- the header row


@dataclass(frozen=True)
class Column:
    """A column of the table that fills a filing field."""

    index: int
    header: str
    """As written in the file (line breaks collapsed), for messages to the clerk."""
    path: str
    unit: str | None


@dataclass(frozen=True)
class HeaderRow:
    number: int
    columns: tuple[Column, ...]
    unknown: tuple[str, ...]
    repeated: tuple[tuple[str, str], ...]
    """(header not used, header used instead) for two columns that fill the same field."""
    keys: tuple[str, ...]

    def column_for(self, path: str) -> Column | None:
        return next((c for c in self.columns if c.path == path), None)


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_text(value: object) -> str:
    return " ".join(str(value).split())


def _match_header(number: int, cells: Cells, mapping: ColumnMapping) -> HeaderRow:
    index = mapping.header_index()
    ignored = {header_key(h)[0] for h in mapping.ignored_headers}
    columns: dict[str, Column] = {}
    unknown, repeated, keys = [], [], []
    for position, value in enumerate(cells):
        key, unit = header_key(str(value)) if not _is_blank(value) else ("", None)
        keys.append(key)
        if not key or key in ignored:
            continue
        text, path = _header_text(value), index.get(key)
        if path is None:
            unknown.append(text)
        elif path in columns:
            repeated.append((text, columns[path].header))
        else:
            columns[path] = Column(position, text, path, unit)
    return HeaderRow(number, tuple(columns.values()), tuple(unknown), tuple(repeated), tuple(keys))


def _missing(header: HeaderRow, mapping: ColumnMapping) -> list[str]:
    return [path for path in mapping.required if header.column_for(path) is None]


def _find_header(
    sheets: list[_Sheet], mapping: ColumnMapping, filename: str
) -> tuple[int, HeaderRow]:
    """The first sheet and row (within rows 1–5) whose headers include every required column."""
    best: HeaderRow | None = None
    for sheet_number, sheet in enumerate(sheets):
        for number, cells in enumerate(islice(sheet.rows(), HEADER_SEARCH_ROWS), start=1):
            header = _match_header(number, cells, mapping)
            if not _missing(header, mapping):
                return sheet_number, header
            if best is None or len(header.columns) > len(best.columns):
                best = header
    if best is None or not best.columns:
        raise ImportInvalid(
            f"{filename}：前 {HEADER_SEARCH_ROWS} 行中找不到征集信息表的表头（列名），"
            f"请导入平台导出的原始表格（no 征集信息表 header row in the first "
            f"{HEADER_SEARCH_ROWS} rows）"
        )
    missing = _missing(best, mapping)
    names = "、".join(mapping.display_name(path) for path in missing)
    raise ImportInvalid(
        f"{filename}：第 {best.number} 行的表头缺少必需的列：{names}"
        f"（missing required columns: {', '.join(missing)}）"
    )


# --------------------------------------------------------------------------- cell values


class _CellInvalid(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_NONE_TOKENS = frozenset({"无", "暂无", "-", "--", "—", "/", "未发表", "未公开发表"})
_YES = frozenset({"是", "y", "yes", "true", "✓", "✔", "√", "1", "有", "已适配"})
_NO = frozenset({"否", "n", "no", "false", "✗", "✘", "×", "x", "0", "无", "未适配"})
_EXCEL_EPOCH = datetime(1899, 12, 30)
_SERIAL_RANGE = (18264, 73051)
"""Excel serial numbers read as dates: 1950-01-01 up to 2100-01-01 (a bare year is refused)."""
_TIME = re.compile(
    r"(?:T|\s)*(?:(?P<h>\d{1,2})[:：](?P<m>\d{2})(?:[:：](?P<s>\d{2})(?:\.\d+)?)?)?\s*"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?\s*"
)
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")
_PLAIN_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_COUNT = re.compile(r"(\d+)(?:\.0+)?(?:项|个|件|篇)?")


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _from_serial(number: float) -> datetime:
    if not _SERIAL_RANGE[0] <= number < _SERIAL_RANGE[1]:
        raise _CellInvalid(f"“{_text(number)}”不是日期（not a date）")
    return _EXCEL_EPOCH + timedelta(seconds=round(number * 86400))


def _split_date_time(text: str) -> tuple[date, re.Match[str]]:
    """The date at the start of `text` and the match of what follows it (a time, a zone, nothing)."""
    work = to_halfwidth(text).strip()
    if re.fullmatch(r"\d{8}", work):
        work = f"{work[:4]}-{work[4:6]}-{work[6:]}"
    matches = date_matches(work)
    rest = _TIME.fullmatch(work[matches[0].end :]) if matches and matches[0].start == 0 else None
    if rest is None:
        raise _CellInvalid(f"无法识别的日期“{text}”，请写作 2021-03-01（unreadable date）")
    if matches[0].value is None:
        raise _CellInvalid(f"日期“{text}”不存在（no such day）")
    return matches[0].value, rest


def _read_date(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(value).date().isoformat()
    text = _text(value)
    if _SERIAL_TEXT.fullmatch(text):
        return _from_serial(float(text)).date().isoformat()
    return _split_date_time(text)[0].isoformat()


def _read_datetime(value: object) -> str:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = _from_serial(value)
    elif isinstance(value, date):
        raise _CellInvalid(f"提交时间“{value}”缺少时刻，请写作 2021-03-10 15:20（no time of day）")
    elif _SERIAL_TEXT.fullmatch(text := _text(value)):
        moment = _from_serial(float(text))
    else:
        day, rest = _split_date_time(text)
        if rest["h"] is None:
            raise _CellInvalid(
                f"提交时间“{text}”缺少时刻，请写作 2021-03-10 15:20（no time of day）"
            )
        try:
            clock = time(int(rest["h"]), int(rest["m"]), int(rest["s"] or 0))
        except ValueError:
            raise _CellInvalid(f"时刻“{text}”不存在（no such time）") from None
        zone = rest["zone"]
        if zone == "Z":
            tzinfo = UTC
        elif zone:
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            tzinfo = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        else:
            tzinfo = None
        moment = datetime.combine(day, clock, tzinfo)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TIME)
    return moment.isoformat()


def _read_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = strip_spaces(to_halfwidth(_text(value))).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _CellInvalid(f"“{_text(value)}”应填 是 或 否（expected 是/否）")


def _read_wan(value: object, unit: str | None) -> float:
    """万元; a plain number takes the header's unit (（元） divides by 10 000), a written one its own."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = strip_spaces(to_halfwidth(_text(value)))
        if not _PLAIN_NUMBER.fullmatch(text):
            amount = parse_wan(text)
            if amount is None:
                raise _CellInvalid(
                    f"金额“{_text(value)}”无法识别，请填万元数，如 350（unreadable amount）"
                )
            return amount
        number = float(text.replace(",", ""))
    if number < 0:
        raise _CellInvalid(f"金额“{_text(value)}”不能为负（negative amount）")
    scale = {"元": 1e-4, "亿元": 1e4, "亿": 1e4}.get(strip_spaces(unit or ""), 1.0)
    return number * scale


def _read_count(value: object) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and value >= 0:
            return int(value)
    else:
        text = strip_spaces(to_halfwidth(_text(value)))
        if text in {"无", "没有"}:
            return 0
        match = _COUNT.fullmatch(text)
        if match:
            return int(match.group(1))
    raise _CellInvalid(f"“{_text(value)}”应填项数，如 3（expected a whole number）")


_BUREAU_SUFFIXES = ("工业和信息化局", "工信局")


def _bureau_key(text: str) -> str:
    key = strip_spaces(to_halfwidth(text)).removeprefix("江苏省")
    for suffix in _BUREAU_SUFFIXES:
        key = key.removesuffix(suffix)
    if len(key) > 2 and key[-1] in "市县":
        key = key[:-1]
    return key


def bureau_index(bureaus: Mapping[str, Bureau]) -> dict[str, str]:
    """Every way a bureau may be written (320500, 苏州市工业和信息化局, 苏州市, 苏州) → its code."""
    index: dict[str, str] = {}
    for bureau in bureaus.values():
        for alias in (bureau.code, bureau.name, bureau.area):
            index[_bureau_key(alias)] = bureau.code
    return index


def _read_bureau(value: object, bureaus: Mapping[str, str]) -> str:
    text = _text(value)
    code = bureaus.get(_bureau_key(text))
    if code is None:
        raise _CellInvalid(
            f"“{text}”不是受理单位：应填设区市或昆山市、泰兴市、沭阳县的名称或 6 位代码，"
            f"如 苏州市 或 320500（unknown bureau）"
        )
    return code


def _read_cell(kind: FieldKind, value: object, unit: str | None, bureaus: Mapping[str, str]) -> Any:
    """The JSON value of one cell for the filing, or None when the cell is blank."""
    if _is_blank(value):
        return None
    if kind == "bool":
        return _read_bool(value)
    if kind == "count":
        return _read_count(value)
    if isinstance(value, str) and strip_spaces(to_halfwidth(value)) in _NONE_TOKENS:
        return None
    match kind:
        case "text" | "id":
            return _text(value)
        case "credit_code":
            return normalize_credit_code(_text(value))
        case "bureau":
            return _read_bureau(value, bureaus)
        case "date":
            return _read_date(value)
        case "datetime":
            return _read_datetime(value)
        case "wan":
            return _read_wan(value, unit)
        case "holders":
            return split_holders(_text(value)) or None
    raise AssertionError(f"unhandled column kind {kind}")


# --------------------------------------------------------------------------- rows to filings


def derive_filing_id(
    campaign: str, bureau: str, credit_code: str, product_name: str, version: str | None
) -> str:
    """`JS-<bureau>-<10 hex>`: the same campaign, applicant, product and version give the same id.

    The product name is compared in normal form with any trailing version split off, so
    `云帆系统V2.0` with no version and `云帆系统` with version `v2.0` give the same id.
    """
    name, version_in_name = split_name_version(product_name)
    written = (version or "").strip()
    product_version = (
        (normalize_version(written) or normalize_software_name(written).upper())
        if written
        else version_in_name
    )
    key = "\x1f".join(
        [
            campaign.strip(),
            normalize_credit_code(credit_code),
            normalize_software_name(name),
            product_version or "",
        ]
    )
    return f"JS-{bureau}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"


def _nest(values: Mapping[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for path, value in values.items():
        *parents, leaf = path.split(".")
        target = document
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return document


_SCHEMA_FIELD = re.compile(r"字段 ([^：]+)：")


def _column_named_in(message: str, header: HeaderRow) -> str | None:
    """The column of the field a FilingInvalid message names (`字段 applicant/name：…`), if any."""
    match = _SCHEMA_FIELD.search(message)
    if not match:
        return None
    path = ".".join(part for part in match.group(1).split("/") if not part.isdigit())
    column = header.column_for(path)
    return column.header if column else None


@dataclass(frozen=True)
class _RowReader:
    mapping: ColumnMapping
    header: HeaderRow
    bureaus: Mapping[str, str]
    campaign: str

    def read(self, number: int, cells: Cells) -> Filing | list[RowError]:
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        for column in self.header.columns:
            raw = cells[column.index] if column.index < len(cells) else None
            kind = self.mapping.fields[column.path].kind
            try:
                value = _read_cell(kind, raw, column.unit, self.bureaus)
            except _CellInvalid as exc:
                errors.append(RowError(number, column.header, exc.message))
                continue
            if value is not None:
                values[column.path] = value
        failed = {error.column for error in errors}
        for path in self.mapping.required:
            column = self.header.column_for(path)
            if path not in values and column is not None and column.header not in failed:
                errors.append(
                    RowError(number, column.header, "必填项为空（required cell is empty）")
                )
        if errors:
            return errors
        filing_id = values.pop("filing_id", None) or derive_filing_id(
            self.campaign,
            values["bureau"],
            values["applicant.credit_code"],
            values["product.name"],
            values.get("product.version"),
        )
        document = _nest({"filing_id": filing_id, "campaign": self.campaign, **values})
        try:
            return parse_filing(document, origin=f"第 {number} 行")
        except FilingInvalid as exc:
            return [RowError(number, _column_named_in(exc.message, self.header), exc.message)]


def _repeats_header(cells: Cells, header: HeaderRow) -> bool:
    return all(
        column.index < len(cells)
        and not _is_blank(cells[column.index])
        and header_key(str(cells[column.index]))[0] == header.keys[column.index]
        for column in header.columns
    )


def _data_rows(sheet: _Sheet, header: HeaderRow, filename: str) -> list[tuple[int, Cells]]:
    rows = []
    for number, cells in enumerate(sheet.rows(), start=1):
        if number <= header.number or all(_is_blank(value) for value in cells):
            continue
        if _repeats_header(cells, header):
            continue  # the header again (pages of a printed export pasted together)
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise ImportInvalid(
                f"{filename}：数据超过 {MAX_ROWS} 行，请分批导入（more than {MAX_ROWS} rows）"
            )
    return rows


def _header_warnings(header: HeaderRow, sheet: _Sheet, first_sheet: bool) -> list[str]:
    warnings = []
    if not first_sheet:
        warnings.append(f"使用工作表“{sheet.name}”（前面的工作表没有征集信息表表头）")
    if header.unknown:
        names = "、".join(header.unknown)
        warnings.append(f"以下列未识别，已忽略：{names}（unknown columns ignored: {names}）")
    for unused, used in header.repeated:
        warnings.append(
            f"列“{unused}”与“{used}”填的是同一项，已采用“{used}”（duplicate column ignored）"
        )
    return warnings


def import_table(data: bytes, filename: str, campaign: str) -> ImportResult:
    """Filings from a 征集信息表 export (CSV or XLSX) of `campaign`; bad rows become RowErrors.

    Raises ImportInvalid when the file as a whole cannot be imported (not CSV/XLSX, no header
    row with the required columns, more than MAX_ROWS rows).
    """
    if not campaign.strip():
        raise ImportInvalid("导入时必须指定征集活动（campaign is required）")
    mapping = load_column_mapping()
    sheets = _read_sheets(data, filename)
    sheet_number, header = _find_header(sheets, mapping, filename)
    sheet = sheets[sheet_number]
    result = ImportResult(warnings=_header_warnings(header, sheet, sheet_number == 0))
    reader = _RowReader(mapping, header, bureau_index(load_bureaus()), campaign.strip())
    first_row_of: dict[str, int] = {}
    bad_codes: list[int] = []
    for number, cells in _data_rows(sheet, header, filename):
        outcome = reader.read(number, cells)
        if isinstance(outcome, list):
            result.errors.extend(outcome)
            continue
        earlier = first_row_of.setdefault(outcome.filing_id, number)
        if earlier != number:
            column = header.column_for("filing_id")
            result.errors.append(
                RowError(
                    number,
                    column.header if column else None,
                    f"与第 {earlier} 行是同一份申报（编号 {outcome.filing_id}），本行未导入"
                    f"（same filing as row {earlier}）",
                )
            )
            continue
        if not is_valid_credit_code(outcome.applicant.credit_code):
            bad_codes.append(number)
        result.filings.append((number, outcome))
    if bad_codes:
        rows = "、".join(str(n) for n in bad_codes)
        result.warnings.append(
            f"第 {rows} 行的统一社会信用代码校验不通过，已导入，请核对"
            f"（credit code check character fails in rows {rows}）"
        )
    return result
