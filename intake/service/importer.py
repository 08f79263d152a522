"""Import the platform's 征集信息表 export (CSV or XLSX) into filings, reporting bad rows by number."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from core.errors import FilingInvalid, ImportInvalid
from core.filing import Filing, parse_filing
from core.yamlfile import invalid_file, read_yaml
from extractors.normalize import (
    is_valid_credit_code,
    normalize_credit_code,
    normalize_software_name,
    normalize_version,
    split_name_version,
    strip_spaces,
    to_halfwidth,
)
from intake.presentation.comparison import row_specs
from intake.service.import_cells import (
    CellInvalid,
    FieldKind,
    bureau_index,
    is_blank,
    read_cell,
)
from intake.service.import_sheets import HEADER_SEARCH_ROWS, Cells, Sheet, read_sheets
from validators.bureaus import load_bureaus

COLUMNS_PATH = Path(__file__).with_name("platform_columns.yaml")
MAX_ROWS = 5000
"""Data rows one import may hold; a larger export is refused as a whole."""


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
    text = resources.files("core").joinpath("contract/filing.schema.json").read_text("utf-8")
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


def _header_text(value: object) -> str:
    return " ".join(str(value).split())


def _match_header(number: int, cells: Cells, mapping: ColumnMapping) -> HeaderRow:
    index = mapping.header_index()
    ignored = {header_key(h)[0] for h in mapping.ignored_headers}
    columns: dict[str, Column] = {}
    unknown, repeated, keys = [], [], []
    for position, value in enumerate(cells):
        key, unit = header_key(str(value)) if not is_blank(value) else ("", None)
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
    sheets: list[Sheet], mapping: ColumnMapping, filename: str
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
            "请导入平台导出的原始表格"
        )
    missing = _missing(best, mapping)
    names = "、".join(mapping.display_name(path) for path in missing)
    raise ImportInvalid(f"{filename}：第 {best.number} 行的表头缺少必需的列：{names}")


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
FIELD_NAMES = {
    "filing_id": "申报编号",
    "campaign": "征集活动",
    "bureau": "受理单位",
    "applicant": "送征单位",
    "product": "送征产品",
    "(根)": "申报",
}
"""The printed names of the filing's parts the comparison (comparison.yaml) has no row for."""


def _schema_path(message: str) -> str | None:
    """The dotted field a FilingInvalid message names (`字段 applicant/name：…`), if any."""
    match = _SCHEMA_FIELD.search(message)
    if not match:
        return None
    return ".".join(part for part in match.group(1).split("/") if not part.isdigit())


def _column_named_in(message: str, header: HeaderRow) -> str | None:
    """The column of the field a FilingInvalid message names, if any."""
    path = _schema_path(message)
    column = header.column_for(path) if path else None
    return column.header if column else None


@lru_cache(maxsize=1)
def _printed_names() -> dict[str, str]:
    return {spec.path: spec.label for spec in row_specs().rows}


def field_name(path: str) -> str:
    """The field's name as the 征集信息表 prints it (`applicant.credit_code` → 统一社会信用代码)."""
    return (
        _printed_names().get(path)
        or FIELD_NAMES.get(path)
        or FIELD_NAMES.get(path.split(".")[0], "申报")
    )


def in_words(message: str) -> str:
    """A FilingInvalid message with the field's internal path replaced by its printed name:
    `第 3 行 不符合填报表格式：字段 applicant/credit_code：不能为空` →
    `第 3 行 不符合填报表格式：「统一社会信用代码」不能为空`."""
    path = _schema_path(message)
    if path is None:
        return message
    return _SCHEMA_FIELD.sub(lambda _: f"「{field_name(path)}」", message, count=1)


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
                value = read_cell(kind, raw, column.unit, self.bureaus)
            except CellInvalid as exc:
                errors.append(RowError(number, column.header, exc.message))
                continue
            if value is not None:
                values[column.path] = value
        failed = {error.column for error in errors}
        for path in self.mapping.required:
            column = self.header.column_for(path)
            if path not in values and column is not None and column.header not in failed:
                errors.append(RowError(number, column.header, "必填项为空"))
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
            column = _column_named_in(exc.message, self.header)
            return [RowError(number, column, in_words(exc.message))]


def _repeats_header(cells: Cells, header: HeaderRow) -> bool:
    return all(
        column.index < len(cells)
        and not is_blank(cells[column.index])
        and header_key(str(cells[column.index]))[0] == header.keys[column.index]
        for column in header.columns
    )


def _data_rows(sheet: Sheet, header: HeaderRow, filename: str) -> list[tuple[int, Cells]]:
    rows = []
    for number, cells in enumerate(sheet.rows(), start=1):
        if number <= header.number or all(is_blank(value) for value in cells):
            continue
        if _repeats_header(cells, header):
            continue  # the header again (pages of a printed export pasted together)
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise ImportInvalid(f"{filename}：数据超过 {MAX_ROWS} 行，请分批导入")
    return rows


def _header_warnings(header: HeaderRow, sheet: Sheet, first_sheet: bool) -> list[str]:
    warnings = []
    if not first_sheet:
        warnings.append(f"使用工作表“{sheet.name}”（前面的工作表没有征集信息表表头）")
    if header.unknown:
        names = "、".join(header.unknown)
        warnings.append(f"以下列未识别，已忽略：{names}")
    for unused, used in header.repeated:
        warnings.append(f"列“{unused}”与“{used}”填的是同一项，已采用“{used}”")
    return warnings


def import_table(data: bytes, filename: str, campaign: str) -> ImportResult:
    """Filings from a 征集信息表 export (CSV or XLSX) of `campaign`; bad rows become RowErrors.

    Raises ImportInvalid when the file as a whole cannot be imported (not CSV/XLSX, no header
    row with the required columns, more than MAX_ROWS rows).
    """
    if not campaign.strip():
        raise ImportInvalid("导入时必须指定征集活动")
    mapping = load_column_mapping()
    sheets = read_sheets(data, filename)
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
                    f"与第 {earlier} 行是同一份申报（编号 {outcome.filing_id}），本行未导入",
                )
            )
            continue
        if not is_valid_credit_code(outcome.applicant.credit_code):
            bad_codes.append(number)
        result.filings.append((number, outcome))
    if bad_codes:
        rows = "、".join(str(n) for n in bad_codes)
        result.warnings.append(f"第 {rows} 行的统一社会信用代码校验不通过，已导入，请核对")
    return result
