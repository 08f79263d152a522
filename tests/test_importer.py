"""Tests of the 征集信息表 import: CSV encodings, XLSX layouts, values, bad rows, idempotent ids."""

from __future__ import annotations

import csv
import io
import random
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from openpyxl import Workbook

from core.errors import CampaignInvalid
from extractors.normalize import credit_code_check_char
from intake.service.import_sheets import MAX_CELLS, _count_cells
from intake.service.importer import (
    MAX_ROWS,
    ImportInvalid,
    RowError,
    derive_filing_id,
    header_key,
    import_table,
    in_words,
    load_column_mapping,
)
from tools.import_load import bomb_xlsx, unpacked_size

CAMPAIGN = "jiangsu-2021-first-edition"
CHINA = timezone(timedelta(hours=8))


def credit_code(serial: int, region: str = "320500") -> str:
    """A valid 18-character credit code registered in `region`."""
    first17 = f"91{region}MA1{serial:06d}"
    return first17 + credit_code_check_char(first17)


HEADERS = [
    "序号", "统一社会信用代码", "送征单位名称", "成立日期", "单位地址", "法定代表人", "产品名称",
    "版本号", "产品类别", "软件著作权登记号", "软件著作权证书号", "开发完成日期", "首次发表日期",
    "著作权人", "检测报告编号", "检测机构", "检测依据", "研发投入（万元）", "是否信创适配",
    "相关专利（项）", "参与标准制定（项）", "所属地区", "提交时间", "联系人", "联系电话",
]  # fmt: skip


def platform_row(serial: int, **changes: str) -> dict[str, str]:
    row = {
        "序号": str(serial),
        "统一社会信用代码": credit_code(serial),
        "送征单位名称": f"苏州云帆{serial}号科技有限公司",
        "成立日期": "2015-06-18",
        "单位地址": "苏州工业园区星湖街328号",
        "法定代表人": "王立",
        "产品名称": f"云帆工业互联网平台{serial}",
        "版本号": "V2.0",
        "产品类别": "工业软件",
        "软件著作权登记号": "2021SR0123456",
        "软件著作权证书号": "软著登字第7012345号",
        "开发完成日期": "2020-08-01",
        "首次发表日期": "未发表",
        "著作权人": f"苏州云帆{serial}号科技有限公司；东南大学",
        "检测报告编号": "JSSC-2021-0312",
        "检测机构": "江苏省软件产品检测中心",
        "检测依据": "GB/T 25000.51-2016",
        "研发投入（万元）": "1,200.5",
        "是否信创适配": "是",
        "相关专利（项）": "3",
        "参与标准制定（项）": "无",
        "所属地区": "苏州市",
        "提交时间": "2021-03-10 15:20",
        "联系人": "李敏",
        "联系电话": "0512-66668888",
    }
    row.update(changes)
    return row


def csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8-sig", headers=HEADERS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(header, "") for header in headers])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(build) -> bytes:
    workbook = Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------- CSV


def test_utf8_bom_csv_reads_every_column_in_normal_form():
    data = csv_bytes([platform_row(1), platform_row(2, 所属地区="320583", 是否信创适配="否")])
    assert data.startswith(b"\xef\xbb\xbf")

    result = import_table(data, "征集信息表.csv", CAMPAIGN)

    assert result.errors == []
    assert [number for number, _ in result.filings] == [2, 3]
    first = result.filings[0][1]
    assert first.campaign == CAMPAIGN
    assert first.bureau == "320500"
    assert first.filing_id.startswith("JS-320500-")
    assert first.submitted_at == datetime(2021, 3, 10, 15, 20, tzinfo=CHINA)
    assert first.applicant.name == "苏州云帆1号科技有限公司"
    assert first.applicant.credit_code == credit_code(1)
    assert first.applicant.established_date == date(2015, 6, 18)
    assert first.applicant.legal_representative == "王立"
    assert first.product.name == "云帆工业互联网平台1"
    assert first.product.version == "V2.0"
    assert first.product.development_completed_date == date(2020, 8, 1)
    assert first.product.first_published_date is None
    assert first.product.copyright_holders == ["苏州云帆1号科技有限公司", "东南大学"]
    assert first.product.test_standard == "GB/T 25000.51-2016"
    assert first.product.rd_investment_wan == pytest.approx(1200.5)
    assert first.product.xinchuang_adapted is True
    assert (first.product.patents, first.product.standards) == (3, 0)
    second = result.filings[1][1]
    assert (second.bureau, second.product.xinchuang_adapted) == ("320583", False)
    # 序号 is a known column and not used as the id; 联系人/联系电话 are reported, once.
    assert result.warnings == ["以下列未识别，已忽略：联系人、联系电话"]


def test_gb18030_csv_gives_the_same_filings_as_utf8():
    rows = [platform_row(1), platform_row(2)]
    gbk = csv_bytes(rows, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")

    from_gbk = import_table(gbk, "征集信息表.csv", CAMPAIGN)
    from_utf8 = import_table(csv_bytes(rows, encoding="utf-8"), "征集信息表.csv", CAMPAIGN)

    assert from_gbk.errors == []
    assert [(n, f.model_dump()) for n, f in from_gbk.filings] == [
        (n, f.model_dump()) for n, f in from_utf8.filings
    ]
    assert from_gbk.filings[0][1].applicant.name == "苏州云帆1号科技有限公司"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2021-03-01", date(2021, 3, 1)),
        ("2021/3/1", date(2021, 3, 1)),
        ("2021年3月1日", date(2021, 3, 1)),
        ("2021.03.01", date(2021, 3, 1)),
        ("20210301", date(2021, 3, 1)),
        ("44256", date(2021, 3, 1)),
        ("2021-03-01 00:00:00", date(2021, 3, 1)),
        ("２０２１年３月１日", date(2021, 3, 1)),
    ],
)
def test_date_forms(written, expected):
    result = import_table(csv_bytes([platform_row(1, 开发完成日期=written)]), "a.csv", CAMPAIGN)
    assert result.errors == []
    assert result.filings[0][1].product.development_completed_date == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [("是", True), ("否", False), ("Y", True), ("n", False), ("✓", True), ("×", False), ("", None)],
)
def test_boolean_forms(written, expected):
    result = import_table(csv_bytes([platform_row(1, 是否信创适配=written)]), "a.csv", CAMPAIGN)
    assert result.errors == []
    assert result.filings[0][1].product.xinchuang_adapted is expected


@pytest.mark.parametrize(
    ("header", "written", "expected"),
    [
        ("研发投入（万元）", "350", 350.0),
        ("研发投入（万元）", "1,234.5", 1234.5),
        ("研发投入", "500万元", 500.0),
        ("研发投入", "伍佰万元", 500.0),
        ("研发投入(元)", "3,500,000", 350.0),
        ("研发投入（元）", "280万元", 280.0),
    ],
)
def test_amount_forms_and_header_units(header, written, expected):
    headers = [header if h == "研发投入（万元）" else h for h in HEADERS]
    row = platform_row(1) | {header: written}
    result = import_table(csv_bytes([row], headers=headers), "a.csv", CAMPAIGN)
    assert result.errors == []
    assert result.filings[0][1].product.rd_investment_wan == pytest.approx(expected)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2021-03-10 15:20", datetime(2021, 3, 10, 15, 20, tzinfo=CHINA)),
        ("2021/3/10 9:05:30", datetime(2021, 3, 10, 9, 5, 30, tzinfo=CHINA)),
        ("2021年3月10日 15:20", datetime(2021, 3, 10, 15, 20, tzinfo=CHINA)),
        ("2021-03-10T07:20:00Z", datetime(2021, 3, 10, 7, 20, tzinfo=UTC)),
        ("2021-03-10T15:20+08:00", datetime(2021, 3, 10, 15, 20, tzinfo=CHINA)),
    ],
)
def test_submitted_at_forms(written, expected):
    result = import_table(csv_bytes([platform_row(1, 提交时间=written)]), "a.csv", CAMPAIGN)
    assert result.errors == []
    assert result.filings[0][1].submitted_at == expected


def test_headers_match_across_spaces_widths_units_and_marks():
    assert header_key(" 研发投入 （万元） ") == ("研发投入", "万元")
    assert header_key("*统一社会信用代码：") == ("统一社会信用代码", None)
    assert header_key("ＡＢＣ（是/否）") == ("abc", "是/否")
    assert header_key("与信创技术路线相适配(是/否)")[0] == header_key("与信创技术路线相适配")[0]
    headers = [f" {h.replace('（', '(').replace('）', ')')} " for h in HEADERS]
    headers = [h if "信用代码" not in h else "*统一社会\n信用代码" for h in headers]
    rows = [{h2: platform_row(1)[h1] for h1, h2 in zip(HEADERS, headers)}]
    result = import_table(csv_bytes(rows, headers=headers), "a.csv", CAMPAIGN)
    assert result.errors == []
    assert result.filings[0][1].product.patents == 3


def test_synonym_headers_and_a_repeated_column():
    headers = ["企业名称", "单位名称", "统一社会信用代码", "软件产品名称", "版本号", "受理单位"]
    rows = [{"企业名称": "甲公司", "单位名称": "乙公司", "统一社会信用代码": credit_code(1),
             "软件产品名称": "甲系统", "版本号": "V1.0", "受理单位": "南京"}]  # fmt: skip
    result = import_table(csv_bytes(rows, headers=headers), "a.csv", CAMPAIGN)
    assert result.errors == []
    assert result.filings[0][1].applicant.name == "甲公司"
    assert result.filings[0][1].bureau == "320100"
    assert any("单位名称" in w and "企业名称" in w for w in result.warnings)


# --------------------------------------------------------------------------- XLSX


def test_xlsx_with_notes_sheet_title_row_date_cells_and_bureau_names():
    def build(workbook):
        notes = workbook.active
        notes.title = "填表说明"
        notes.append(["请按平台导出格式填写；日期格式为 yyyy-mm-dd。"])
        sheet = workbook.create_sheet("征集信息表")
        sheet.append(["2021年江苏省重点领域首版次软件产品征集信息表"])
        sheet.merge_cells("A1:H1")
        sheet.append(["申报编号", "送征单位名称", "统一社会信用代码", "成立日期", "软件产品名称",
                      "版本号", "开发完成日期", "推荐单位", "研发投入(万元)", "提交时间"])  # fmt: skip
        sheet.append(["SB-2021-0007", "苏州云帆科技有限公司", credit_code(7), datetime(2016, 5, 4),
                      "云帆平台", "V2.0", datetime(2020, 9, 1), "苏州市工业和信息化局", 520,
                      datetime(2021, 3, 11, 16, 59)])  # fmt: skip
        sheet.append([None] * 10)
        sheet.append([None, "昆山明道软件有限公司", credit_code(8, "320583"), date(2018, 1, 2),
                      "明道MES", "V1.1", 44075, "昆山", 300.0, 44266.75])  # fmt: skip
        sheet.append([None, "宿迁智联科技有限公司", credit_code(9, "321300"), "2017/3/9",
                      "智联OA", "3.0", "2020年10月8日", 321300, "210", "2021/3/12 9:00"])  # fmt: skip
        sheet["D3"].number_format = "yyyy-mm-dd"

    result = import_table(xlsx_bytes(build), "征集信息表.xlsx", CAMPAIGN)

    assert result.errors == []
    assert [n for n, _ in result.filings] == [3, 5, 6]
    first, second, third = (f for _, f in result.filings)
    assert first.filing_id == "SB-2021-0007"
    assert (first.bureau, second.bureau, third.bureau) == ("320500", "320583", "321300")
    assert first.applicant.established_date == date(2016, 5, 4)
    assert first.product.development_completed_date == date(2020, 9, 1)
    assert first.submitted_at == datetime(2021, 3, 11, 16, 59, tzinfo=CHINA)
    assert second.product.development_completed_date == date(2020, 9, 1)  # serial 44075
    assert second.submitted_at == datetime(2021, 3, 11, 18, 0, tzinfo=CHINA)  # serial 44266.75
    assert third.applicant.established_date == date(2017, 3, 9)
    assert third.product.rd_investment_wan == 210
    assert second.filing_id.startswith("JS-320583-")
    assert any("征集信息表" in w for w in result.warnings)  # the sheet used is named


def test_xlsx_without_the_required_columns_names_them():
    def build(workbook):
        workbook.active.append(["单位名称", "产品名称", "版本号"])
        workbook.active.append(["甲公司", "甲系统", "V1.0"])

    with pytest.raises(ImportInvalid) as caught:
        import_table(xlsx_bytes(build), "表.xlsx", CAMPAIGN)
    assert "统一社会信用代码" in caught.value.message
    assert "所属地区" in caught.value.message
    assert "单位名称" not in caught.value.message.split("缺少")[1]


# --------------------------------------------------------------------------- bad rows


def test_bad_rows_are_reported_by_row_and_column_and_the_rest_kept():
    rows = [
        platform_row(1),
        platform_row(2, 统一社会信用代码=""),
        platform_row(3, 开发完成日期="2021-02-30"),
        platform_row(4),
        platform_row(5, 成立日期="去年春天", 所属地区="上海市", **{"相关专利（项）": "若干"}),
        platform_row(6),
    ]
    result = import_table(csv_bytes(rows), "a.csv", CAMPAIGN)

    assert [n for n, _ in result.filings] == [2, 5, 7]
    assert result.errors[:2] == [
        RowError(3, "统一社会信用代码", "必填项为空"),
        RowError(4, "开发完成日期", "日期“2021-02-30”不存在"),
    ]
    assert {(e.row, e.column) for e in result.errors[2:]} == {
        (6, "成立日期"),
        (6, "相关专利（项）"),
        (6, "所属地区"),
    }
    bad_rows = {e.row for e in result.errors}
    assert len(result.filings) == len(rows) - len(bad_rows)


def test_schema_failure_names_the_column():
    row = platform_row(1) | {"申报编号": "X" * 65}
    result = import_table(csv_bytes([row], headers=["申报编号", *HEADERS]), "a.csv", CAMPAIGN)
    assert result.filings == []
    assert [(e.row, e.column) for e in result.errors] == [(2, "申报编号")]
    message = result.errors[0].message
    assert (
        message.startswith("第 2 行 不符合填报表格式：「申报编号」") and "filing_id" not in message
    )


def test_a_rows_schema_failure_names_the_field_in_words():
    """The message names the field as the 征集信息表 prints it, never its internal path."""
    assert in_words("第 3 行 不符合填报表格式：字段 applicant/credit_code：不能为空") == (
        "第 3 行 不符合填报表格式：「统一社会信用代码」不能为空"
    )
    assert in_words("第 4 行 不符合填报表格式：字段 product/copyright_holders/1：不能为空") == (
        "第 4 行 不符合填报表格式：「著作权人」不能为空"
    )
    assert in_words("第 5 行 不符合填报表格式：字段 bureau：须为 6 位数字") == (
        "第 5 行 不符合填报表格式：「受理单位」须为 6 位数字"
    )
    assert in_words("日期“2021-02-30”不存在") == "日期“2021-02-30”不存在"


def test_submitted_at_without_time_is_a_row_error():
    result = import_table(csv_bytes([platform_row(1, 提交时间="2021-03-10")]), "a.csv", CAMPAIGN)
    assert [(e.row, e.column) for e in result.errors] == [(2, "提交时间")]


def test_the_same_application_twice_in_one_file_is_reported():
    result = import_table(csv_bytes([platform_row(1), platform_row(1)]), "a.csv", CAMPAIGN)
    assert [n for n, _ in result.filings] == [2]
    assert [e.row for e in result.errors] == [3]
    assert "第 2 行" in result.errors[0].message


def test_empty_rows_and_a_repeated_header_are_skipped():
    data = csv_bytes([platform_row(1), {}, dict(zip(HEADERS, HEADERS)), platform_row(2)])
    result = import_table(data, "a.csv", CAMPAIGN)
    assert result.errors == []
    assert [n for n, _ in result.filings] == [2, 5]


def test_a_failing_check_character_is_kept_with_a_warning():
    bad = credit_code(1)[:-1] + ("0" if credit_code(1)[-1] != "0" else "1")
    result = import_table(csv_bytes([platform_row(1, 统一社会信用代码=bad)]), "a.csv", CAMPAIGN)
    assert result.filings[0][1].applicant.credit_code == bad
    assert any("第 2 行" in w and "校验" in w for w in result.warnings)


# --------------------------------------------------------------------------- idempotent ids


def test_reimport_gives_the_same_ids_whatever_the_row_order():
    rows = [platform_row(n) for n in range(1, 6)]
    first = import_table(csv_bytes(rows), "a.csv", CAMPAIGN)
    again = import_table(csv_bytes(rows), "a.csv", CAMPAIGN)
    shuffled = [dict(row, 序号=str(i)) for i, row in enumerate(reversed(rows), start=1)]
    reordered = import_table(csv_bytes(shuffled), "b.csv", CAMPAIGN)

    def ids(result):
        return {f.applicant.credit_code: f.filing_id for _, f in result.filings}

    assert len(ids(first)) == 5
    assert ids(first) == ids(again) == ids(reordered)
    other_campaign = import_table(csv_bytes(rows), "a.csv", "citif-2021-2022-excellent")
    assert set(ids(other_campaign).values()).isdisjoint(ids(first).values())


def test_derived_id_ignores_spelling_noise_but_not_the_version():
    base = derive_filing_id(CAMPAIGN, "320500", credit_code(1), "云帆平台", "V2.0")
    assert base.startswith("JS-320500-") and len(base) == len("JS-320500-") + 10
    assert derive_filing_id(CAMPAIGN, "320500", credit_code(1).lower(), "云帆 平台", "v2.0") == base
    assert derive_filing_id(CAMPAIGN, "320500", credit_code(1), "云帆平台V2.0", None) == base
    assert derive_filing_id(CAMPAIGN, "320500", credit_code(1), "云帆平台", "V2.1") != base
    assert derive_filing_id(CAMPAIGN, "320500", credit_code(2), "云帆平台", "V2.0") != base


# --------------------------------------------------------------------------- refused files


def test_missing_required_column_fails_the_import_naming_it():
    headers = [h for h in HEADERS if h != "统一社会信用代码"]
    with pytest.raises(ImportInvalid) as caught:
        import_table(csv_bytes([platform_row(1)], headers=headers), "a.csv", CAMPAIGN)
    assert caught.value.code == "import_invalid"
    assert caught.value.http_status == 422 and caught.value.exit_status == 2
    assert "统一社会信用代码" in caught.value.message
    assert "applicant.credit_code" not in caught.value.message  # the printed header only


@pytest.mark.parametrize(
    "data",
    [
        random.Random(7).randbytes(4096),
        b"PK\x03\x04" + random.Random(8).randbytes(4096),
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512),
        b"",
        "一段没有表头的文字\n第二行".encode(),
    ],
    ids=["random", "broken-zip", "legacy-xls", "empty", "text-without-header"],
)
def test_files_that_are_not_an_export_are_refused(data):
    with pytest.raises(ImportInvalid) as caught:
        import_table(data, "upload.bin", CAMPAIGN)
    assert caught.value.code == "import_invalid"
    assert "upload.bin" in caught.value.message


def test_more_than_the_row_limit_is_refused():
    rows = [platform_row(n) for n in range(1, MAX_ROWS + 2)]
    with pytest.raises(ImportInvalid, match=str(MAX_ROWS)):
        import_table(csv_bytes(rows), "big.csv", CAMPAIGN)


def test_a_workbook_that_packs_small_and_unpacks_huge_is_refused_before_it_is_parsed():
    """The issue's workbook in small: formatted empty cells far past the cell bound, no
    <dimension>; openpyxl alone would parse all of it (the 180 MiB one took 80 s)."""
    valid = [[f"JS-320500-B{n}", f"苏州{n}号公司", credit_code(n), f"产品{n}", "V1.0", "苏州市"]
             for n in range(3)]  # fmt: skip
    data = bomb_xlsx(unpacked_bytes=8 * 1024 * 1024, valid_rows=valid)
    assert len(data) < 100_000 < 8 * 1024 * 1024 <= unpacked_size(data)
    with pytest.raises(ImportInvalid, match=f"超过 {MAX_CELLS:,} 个单元格"):
        import_table(data, "征集信息表.xlsx", CAMPAIGN)
    small = bomb_xlsx(unpacked_bytes=200_000, valid_rows=valid)  # the same shape, in bounds
    assert [f.filing_id for _, f in import_table(small, "a.xlsx", CAMPAIGN).filings] == [
        "JS-320500-B0", "JS-320500-B1", "JS-320500-B2"
    ]  # fmt: skip


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_cells_are_counted_across_chunks_and_namespaces(prefix: str):
    cell = f'<{prefix}c r="A1" t="inlineStr"><{prefix}is><{prefix}t>1</{prefix}t></{prefix}is></{prefix}c>'
    row = f'<{prefix}row>{cell * 7}<{prefix}c s="1"/></{prefix}row>'
    rows = 3 * 1024 * 1024 // len(row) + 1  # over several 1 MiB chunks
    sheet = f'<{prefix}worksheet><{prefix}cols><{prefix}col min="1"/></{prefix}cols>{row * rows}'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", sheet + f"</{prefix}worksheet>")
    with zipfile.ZipFile(buffer) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        assert _count_cells(archive, info, 10**9) == rows * 8
        assert _count_cells(archive, info, 100) == 101  # stops once past what is allowed


def test_a_csv_past_the_cell_bound_is_refused():
    wide = csv_bytes([platform_row(1)]) + b"x" + b"," * MAX_CELLS + b"\r\n"
    with pytest.raises(ImportInvalid, match=f"超过 {MAX_CELLS:,} 个单元格"):
        import_table(wide, "wide.csv", CAMPAIGN)


def test_broken_column_mapping_fails_loudly(tmp_path: Path):
    mapping = tmp_path / "columns.yaml"
    mapping.write_text(
        "required: [applicant.name]\n"
        "fields:\n"
        "  applicant.name: {kind: text, headers: [单位名称]}\n"
        "  product.name: {kind: text, headers: [单位名称]}\n",
        encoding="utf-8",
    )
    with pytest.raises(CampaignInvalid, match="单位名称"):
        load_column_mapping(mapping)
    mapping.write_text(
        "required: [applicant.name]\nfields:\n  applicant.nmae: {kind: text, headers: [名称]}\n",
        encoding="utf-8",
    )
    with pytest.raises(CampaignInvalid, match="applicant.nmae"):
        load_column_mapping(mapping)


def test_csv_with_a_title_row_numbers_rows_as_the_sheet_does():
    title = "2021年江苏省重点领域首版次软件产品征集信息表\r\n".encode()
    data = title + csv_bytes([platform_row(1), platform_row(2)], encoding="utf-8")
    result = import_table(data, "a.csv", CAMPAIGN)
    assert result.errors == []
    assert [n for n, _ in result.filings] == [3, 4]
