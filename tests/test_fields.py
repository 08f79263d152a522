"""Field extraction over the layouts real documents have, from OCR lines placed by hand."""

from __future__ import annotations

from core.model import PageKind, TextLine
from extractors.classify import classify_lines
from extractors.fields import extract_fields

H = 40  # line height in pixels


def line(
    text: str, x: float, row: float, conf: float = 0.99, width: float | None = None
) -> TextLine:
    width = width if width is not None else H * len(text)
    return TextLine(text=text, box=(x, row * 100, x + width, row * 100 + H), confidence=conf)


def values(kind: PageKind, lines: list[TextLine]) -> dict:
    return {name: f.value for name, f in extract_fields(kind, lines).items()}


def test_spaced_labels_split_into_separate_boxes_and_two_columns():
    lines = [
        line("营 业 执 照", 800, 0),
        line("统一社会信用代码 91320594MA1MXXXX0G", 200, 1),
        line("名", 200, 2),
        line("称", 320, 2),
        line("苏州云帆软件科技有限公司", 500, 2),
        line("注册资本", 1500, 2),
        line("伍佰万元整", 1700, 2),
        line("类　　型　有限责任公司(自然人投资或控股)", 200, 3),
        line("成立日期", 1500, 3),
        line("2018年3月5日", 1700, 3),
        line("住所：苏州工业园区星湖街328号创意产业园", 200, 4),
        line("12-301", 500, 4.45),
        line("法定代表人  张伟", 200, 5),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["name"] == "苏州云帆软件科技有限公司"
    assert got["registered_capital"] == "伍佰万元整"
    assert got["company_type"] == "有限责任公司（自然人投资或控股）"
    assert got["established_date"] == "2018-03-05"
    assert got["address"] == "苏州工业园区星湖街328号创意产业园12-301"
    assert got["legal_representative"] == "张伟"


def test_credit_code_repaired_only_when_the_check_character_confirms():
    # The real code is 91320594MA1MXQ2X1T? Build one that is valid, then misread O for 0.
    from extractors.normalize import credit_code_check_char

    body = "91320506MA1P3A5K0"
    code = body + credit_code_check_char(body)
    misread = code.replace("0", "O", 1)
    got = extract_fields(PageKind.BUSINESS_LICENSE, [line(f"统一社会信用代码{misread}", 200, 1)])
    assert got["credit_code"].value == code
    # A code failing its check is reported as printed; the rules flag it.
    wrong = body + ("0" if code[-1] != "0" else "1")
    got = extract_fields(PageKind.BUSINESS_LICENSE, [line(f"统一社会信用代码 {wrong}", 200, 1)])
    assert got["credit_code"].value == wrong


def test_certificate_version_in_name_several_holders_and_unpublished():
    lines = [
        line("计算机软件著作权登记证书", 600, 0),
        line("证书号：软著登字第6543210号", 200, 1),
        line("软件名称：", 200, 2),
        line("云帆智能制造执行系统V2.0", 560, 2),
        line("著作权人：苏州云帆软件科技有限公司；南京", 200, 3),
        line("邮电大学", 560, 3.45),
        line("开发完成日期：2020年1月8日", 200, 4),
        line("首次发表日期：未发表", 200, 5),
        line("登记号：2021SR0123456", 200, 6),
        line("2021年03月02日", 1600, 9),
    ]
    got = values(PageKind.COPYRIGHT_CERTIFICATE, lines)
    assert got["certificate_no"] == "6543210"
    assert got["software_name"] == "云帆智能制造执行系统"
    assert got["software_version"] == "V2.0"
    assert got["copyright_holders"] == ["苏州云帆软件科技有限公司", "南京邮电大学"]
    assert got["development_completed_date"] == "2020-01-08"
    assert got["first_published_date"] is None
    assert got["registration_no"] == "2021SR0123456"
    assert got["issue_date"] == "2021-03-02"


def test_certificate_version_on_its_own_line():
    lines = [
        line("软件名称：云帆数据中台软件", 200, 2),
        line("版本号：v3.1", 200, 3),
    ]
    got = values(PageKind.COPYRIGHT_CERTIFICATE, lines)
    assert got["software_name"] == "云帆数据中台软件" and got["software_version"] == "V3.1"


def test_report_table_with_a_centred_label_and_the_institution_on_the_cover_line():
    lines = [
        line("报告编号：JSSTC-2021-R0345", 1400, 0),
        line("产品名称", 200, 1),
        line("云帆智能制造执行系统", 600, 1),
        line("检测依据", 200, 2),
        line("GB/T 25000.51-2016《系统与软件工程 系统与软件质量要求和评价", 600, 2),
        line("(SQuaRE)第51部分》", 600, 2.45),
        line("经检测，该软件产品符合GB/T 25000.51-2016的要求，", 600, 3.6),
        line("检测结论为通过。", 600, 4.05),
        line("检测结论", 200, 4.5),
        line("签发日期：2021年3月1日", 1400, 5.6),
        line("江苏省软件产品检测中心", 900, 7),
    ]
    got = values(PageKind.TEST_REPORT, lines)
    assert got["report_no"] == "JSSTC-2021-R0345"
    assert got["test_standard"] == "GB/T 25000.51-2016"
    assert got["conclusion"].startswith("经检测") and got["conclusion"].endswith("检测结论为通过。")
    assert got["issue_date"] == "2021-03-01"
    assert got["testing_institution"] == "江苏省软件产品检测中心"


def test_low_confidence_is_kept_as_read_for_the_validators_to_judge():
    got = extract_fields(
        PageKind.USAGE_REPORT, [line("使用单位：常州恒越精密机械有限公司", 200, 2, conf=0.41)]
    )
    assert got["user_organization"].confidence == 0.41


def test_a_table_of_contents_is_not_a_licence():
    lines = [
        line("目  录", 900, 0, width=200),
        line("一、营业执照 ........ 3", 200, 2),
        line("二、计算机软件著作权登记证书 ........ 4", 200, 3),
        line("三、软件产品检测报告 ........ 5", 200, 4),
    ]
    assert classify_lines(lines, 3500).kind == PageKind.OTHER


def test_titles_decide_the_kind():
    title = TextLine("软件产品检测报告", (700, 400, 1700, 520), 0.99)
    body = [line("委托单位：苏州云帆软件科技有限公司", 200, 8), line("报告编号：X-1", 200, 9)]
    assert classify_lines([title, *body], 3500).kind == PageKind.TEST_REPORT


def test_values_stop_at_the_gutter_of_a_column_whose_rows_do_not_line_up():
    # 2014-style 正本: two columns of labels; the right column's rows sit between the left ones.
    lines = [
        line("名称", 200, 1),
        line("江苏瑞帆数字科技股份有限公司", 420, 1),
        line("注册资本", 1500, 1.4),
        line("伍佰万元整", 1720, 1.4),
        line("类型", 200, 2),
        line("有限责任公司（自然人投资或控股）", 420, 2),
        line("成立日期", 1500, 2.2),
        line("2017年03月30日", 1720, 2.2, width=420),
        line("法定代表人", 200, 3),
        line("陈超", 420, 3),
        line("营业期限", 1500, 2.7),
        line("2013年9月9日至2043年9月9日", 1720, 3.0, width=700),
        line("住所", 200, 4),
        line("南通市海门区新开南路38号", 420, 4),
        line("9幢713室", 420, 4.45),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["legal_representative"] == "陈超"
    assert got["company_type"] == "有限责任公司（自然人投资或控股）"
    assert got["address"] == "南通市海门区新开南路38号9幢713室"
    assert got["registered_capital"] == "伍佰万元整"
    assert got["established_date"] == "2017-03-30"
    assert got["business_term"] == "2013年9月9日至2043年9月9日"


def test_value_printed_under_its_label_and_a_label_misread_by_one_character():
    from extractors.normalize import credit_code_check_char

    body = "91110102MA007PC34"
    code = body + credit_code_check_char(body)
    lines = [
        line("统一社会信用代码", 100, 1),
        line(code, 100, 1.5),
        line("名称", 200, 3),
        line("北京质信认证有限公司", 420, 3),
        line("法定代表入", 200, 4),
        line("段昕雨", 420, 4),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["credit_code"] == code
    assert got["legal_representative"] == "段昕雨"
    assert got["name"] == "北京质信认证有限公司"


def test_a_lone_second_character_where_justified_labels_end_is_its_label():
    # 名 not read: 称 stands where 类型 and 法定代表人 end, so it is 名称.
    lines = [
        line("称", 320, 2),
        line("北京新浪互联信息服务有限公司", 420, 2),
        line("类", 200, 3),
        line("型", 320, 3),
        line("有限责任公司", 420, 3),
        line("法定代表人", 200, 4, width=160),
        line("杜红", 420, 4),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["name"] == "北京新浪互联信息服务有限公司"
    assert got["legal_representative"] == "杜红"


def test_a_title_above_a_label_does_not_make_it_paragraph_text():
    lines = [
        TextLine("企业法人营业执照", (300, 0, 1500, 160)),
        line("注册号440306107010191", 900, 1.65),
        line("法定代表人李青", 200, 3),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["registration_number"] == "440306107010191"
    assert got["legal_representative"] == "李青"


def test_a_value_stops_at_a_wide_gap_and_at_a_block_of_notes():
    notes = [line(f"{n}.《企业法人营业执照》须知第{n}条的文字", 1600, 1 + n) for n in range(1, 7)]
    lines = [
        line("名称", 200, 2),
        line("娄底龙山竹业有限公司", 420, 2, width=400),
        line("类型", 200, 3),
        line("有限责任公司", 420, 3, width=240),
        line("ade-in-china.com", 1000, 3, width=300),
        line("住所", 200, 4),
        line("娄星区金谷市场55栋", 420, 4, width=360),
        *notes,
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["name"] == "娄底龙山竹业有限公司"
    assert got["company_type"] == "有限责任公司"
    assert got["address"] == "娄星区金谷市场55栋"


def test_a_note_far_along_the_row_above_a_tall_label_is_not_the_start_of_its_value():
    # 住 and 所 read as boxes taller than the print, the 须知's line 7 standing a little above
    # the label's row far to the right: a cell's text above a centred label is the cell's own,
    # never a line that far along.
    H2 = 2.6 * H
    lines = [
        line("名称", 200, 2),
        line("娄底龙山竹业有限公司", 420, 2, width=400),
        TextLine("住", (200, 400, 240, 400 + H2)),
        TextLine("所", (300, 385, 340, 385 + H2)),
        line("7.《企业法人营业执照》被吊销后，不得开展与清算无关的经营活动。", 1600, 3.9),
        line("娄星区金谷市场55栋", 420, 4.35, width=360),
        line("法定代表人姓名", 200, 5.3),
        line("王立志", 420, 5.3, width=120),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["address"] == "娄星区金谷市场55栋"


def test_a_column_of_values_after_labels_read_with_their_colons_is_no_block_of_notes():
    # Each label is one OCR line with its colon; every value starts on one left edge, four rows
    # or more: that edge is the column of values, and each value is its label's.
    rows = [
        ("软件名称：", "新盛智能电表嵌入式云平台"),
        ("版本号：", "V1.1"),
        ("权利人：", "徐州新盛数据科技有限公司"),
        ("开发完成日期：", "2020年7月19日"),
        ("首次发表日期：", "2020年9月9日"),
        ("登记号：", "2020SR1302421"),
    ]
    lines = [line("计算机软件著作权登记证书", 500, 0)]
    for n, (label, value) in enumerate(rows, start=1):
        lines += [line(label, 200, n), line(value, 520, n)]
    got = values(PageKind.COPYRIGHT_CERTIFICATE, lines)
    assert got["software_name"] == "新盛智能电表嵌入式云平台"
    assert got["software_version"] == "V1.1"
    assert got["copyright_holders"] == ["徐州新盛数据科技有限公司"]
    assert got["development_completed_date"] == "2020-07-19"
    assert got["first_published_date"] == "2020-09-09"
    assert got["registration_no"] == "2020SR1302421"


def test_a_vertical_watermark_never_joins_a_value():
    lines = [
        line("名称", 200, 2),
        line("辽宁中野科技实业发展有限公司", 420, 2),
        TextLine("中国喷绘网", (1000, 150, 1040, 420)),
        line("类型", 200, 3),
        line("有限责任公司（自然人投资或控股）", 420, 3),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["name"] == "辽宁中野科技实业发展有限公司"
    assert got["company_type"] == "有限责任公司（自然人投资或控股）"


def test_company_type_is_read_as_the_printed_form_it_is_a_character_or_two_off():
    from extractors.company_types import known_form

    assert known_form("有银责任公司（自然人投资或控股）") == "有限责任公司（自然人投资或控股）"
    assert known_form("有限费任公司（自然人投资或控股") == "有限责任公司（自然人投资或控股）"
    assert known_form("有限责任公司（自然人独资）in-China.col") == "有限责任公司（自然人独资）"
    assert known_form("个休工商户") == "个体工商户"
    # An unknown bracketed form is kept as read, not cut to the bare 有限责任公司.
    assert known_form("有限责任公司（某种未列出的形式）") is None
    assert known_form("软件开发") is None


def test_type_is_preferred_to_the_composition_form_of_an_individual_licence():
    lines = [
        line("组成形式", 1200, 2),
        line("个人经营", 1400, 2),
        line("类型", 200, 3),
        line("个体工商户", 420, 3),
    ]
    assert values(PageKind.BUSINESS_LICENSE, lines)["company_type"] == "个体工商户"


def test_the_date_under_the_seal_is_not_another_labels_date():
    lines = [
        line("成立日期", 200, 2),
        line("2015年07月22日", 420, 2),
        line("营业期限", 200, 3),
        line("2015年07月22日至长期", 420, 3),
        line("登记机关", 1200, 5),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["established_date"] == "2015-07-22"
    assert "issue_date" not in got
    lines.append(line("2019年06月", 1300, 6))
    lines.append(line("21", 1700, 6, width=40))
    assert values(PageKind.BUSINESS_LICENSE, lines)["issue_date"] == "2019-06-21"


def test_a_value_read_under_its_label_is_not_the_date_under_the_seal():
    # 营业期限 printed on its own row, its dates on the row below; no 登记机关 was read
    lines = [
        line("成立日期", 200, 2),
        line("二〇一〇年三月九日", 200, 3),
        line("营业期限", 200, 4),
        line("二〇一〇年三月九日至二〇三〇年三月八日", 200, 5),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["established_date"] == "2010-03-09"
    assert "issue_date" not in got


def test_the_end_of_a_period_is_not_the_date_under_the_seal():
    lines = [
        line("执照有效期：2008年12月5日", 1200, 4),
        line("至2018年12月4日", 1400, 5),
    ]
    assert "issue_date" not in values(PageKind.BUSINESS_LICENSE, lines)
    lines.append(line("二〇〇八年十二月五日", 1400, 7))
    assert values(PageKind.BUSINESS_LICENSE, lines)["issue_date"] == "2008-12-05"


def test_a_date_above_the_registration_authority_is_not_its_date():
    # The right column's labels were lost to a fold: its date stands alone, above 登记机关.
    lines = [
        line("类型", 200, 2),
        line("1999年10月28日", 1300, 2),
        line("登记机关", 1200, 6),
        line("2019", 1300, 7),
    ]
    assert "issue_date" not in values(PageKind.BUSINESS_LICENSE, lines)
    lines[-1] = line("2019年09月19日", 1300, 7)
    assert values(PageKind.BUSINESS_LICENSE, lines)["issue_date"] == "2019-09-19"


def test_spacer_dots_read_as_zeros_and_a_one_read_as_a_dash():
    lines = [line("成〇立〇日〇期二〇－一年十一月一日", 200, 2)]
    assert values(PageKind.BUSINESS_LICENSE, lines)["established_date"] == "2011-11-01"


def test_a_date_filled_into_the_printed_year_month_day_boxes():
    lines = [
        line("登记机关", 1200, 4),
        TextLine("年月", (1320, 560, 1530, 620), 1.0),
        TextLine("日", (1620, 570, 1660, 615), 1.0),
        TextLine("2019", (1200, 600, 1300, 650), 1.0),
        TextLine("09", (1420, 602, 1470, 648), 1.0),
        TextLine("26", (1545, 601, 1600, 649), 1.0),
    ]
    assert values(PageKind.BUSINESS_LICENSE, lines)["issue_date"] == "2019-09-26"


def test_a_report_covers_unlabelled_date_under_its_institution_is_its_issue_date():
    lines = [
        line("报告编号：JSSTC-2020-R2333", 900, 0),
        line("软件产品检测报告", 500, 1),
        line("软件名称", 200, 3),
        line("中创时序数据库平台", 420, 3),
        line("检测时间", 200, 4),
        line("2020年7月1日至2020年7月20日", 420, 4),
        line("委托方江苏中创网络科技有限公司", 200, 5),
        line("江苏省软件产品检测中心", 600, 9),
        line("二〇二〇年八月二十二日", 620, 10),
    ]
    got = values(PageKind.TEST_REPORT, lines)
    assert got["issue_date"] == "2020-08-22"
    assert got["testing_institution"] == "江苏省软件产品检测中心"


def test_a_value_never_wraps_onto_a_row_whose_label_was_misread_past_knowing():
    # 类型's second character read with stray marks (DC型): no label is found on that row, but
    # text stands under 名称 itself, so the name's value has ended.
    lines = [
        TextLine("名类", (180, 200, 230, 390), 0.9),  # 名 and 类 read as one line, stacked
        line("称", 320, 2),
        line("河南睿玮力商贸有限公司", 500, 2),
        line("DC型", 240, 3, width=120),
        line("有限责任公司（自然人投资或控股）", 500, 3),
        line("法定代表人", 200, 4),
        line("姚文瑞", 500, 4),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["name"] == "河南睿玮力商贸有限公司"
    assert got["legal_representative"] == "姚文瑞"


def test_a_watermark_in_larger_or_wider_print_never_joins_a_value():
    lines = [
        line("法定代表人", 200, 2),
        line("潘桂东", 500, 2),
        TextLine("中国制造网", (640, 190, 1000, 265), 0.9),  # twice the height, spread wide
        line("住所", 200, 3),
        line("深圳市宝安区西乡街道62区安圣大厦二层A214室", 500, 3),
        TextLine("制造网", (1500, 330, 2200, 420), 0.9),
        line("营业期限", 200, 4),
        line("长期", 500, 4),
        TextLine("造", (600, 395, 880, 460), 0.9),  # one character 280 pixels wide
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["legal_representative"] == "潘桂东"
    assert got["address"] == "深圳市宝安区西乡街道62区安圣大厦二层A214室"
    assert got["business_term"] == "长期"


def test_a_label_whose_second_character_was_lost_is_found_by_its_first_standing_where_labels_start():
    lines = [
        line("名称山东联创矿业设计有限公司", 200, 1),
        line("注册资本陆佰万元整", 1400, 1),
        line("类型有限责任公司（自然人投资或控股）", 200, 2),
        line("成立日期", 1400, 2),
        line("2009年05月20日", 1600, 2, width=300),
        line("法定代表人", 200, 3),
        line("马冀春", 420, 3),
        line("营业期限", 1400, 3),
        line("2009年05月20日至长期", 1600, 3, width=420),
        line("经营范围", 200, 4),
        line("矿山采选工程、冶炼工程", 420, 4),
        line("住", 1400, 4),  # 所 lost under a fold
        line("山东省济南市高新区舜华路2000号", 1600, 4, width=560),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["address"] == "山东省济南市高新区舜华路2000号"
    assert got["business_term"] == "2009年05月20日至长期"


def test_a_split_label_standing_alone_at_both_ends_is_read_after_its_second_half():
    lines = [
        line("统一社会信用代码", 200, 0),
        line("名", 200, 1),
        line("米", 300, 1),
        line("称上海声康环境科技有限公司", 420, 1),
        line("类", 200, 2),
        line("型", 420, 2),
        line("有限责任公司", 600, 2),
        line("住", 200, 3),
        line("所", 420, 3),
        line("上海市崇明区陈海公路299号", 600, 3),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["name"] == "上海声康环境科技有限公司"


def test_print_laid_over_the_page_far_larger_and_wider_than_its_text_is_no_value():
    lines = [
        line("名称", 200, 1),
        line("珠海云控电子科技有限公司", 420, 1),
        line("类型", 200, 2),
        line("有限责任公司", 420, 2),
        line("住所", 200, 3),
        TextLine("中国制造网", (420, 280, 1400, 370), 0.9),  # a watermark over the value's place
        line("珠海市吉大景园路6号5楼V2", 420, 3.8, width=560),
        line("法定代表人", 200, 5),
        line("苏亮伟", 420, 5),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["address"] == "珠海市吉大景园路6号5楼V2"
    assert got["legal_representative"] == "苏亮伟"


def test_a_date_under_its_label_is_read_there_not_from_the_other_columns_text():
    lines = [
        line("名称", 200, 1),
        line("北京汽车之家信息技术有限公司", 420, 1),
        line("经营范围", 200, 2),
        line("技、财经、体育、教育等专业类视听节目的汇集、播出服", 420, 2, width=1000),
        line("登记机关", 1600, 2),
        line("务（信息网络传播视听节目许可证有效期至2021年02月13", 420, 3, width=1000),
        line("日）（企业依法自主选择经营项目，开展经营活动；依", 420, 4, width=1000),
        line("2020", 1620, 4.6, width=100),
        line("年01月22日", 1730, 4.6, width=220),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["issue_date"] == "2020-01-22"


def test_a_company_type_whose_label_was_misread_is_found_by_its_printed_form():
    lines = [
        line("名称", 200, 1),
        line("河南睿玮力商贸有限公司", 420, 1),
        line("注册资本", 1400, 1),
        line("贰佰零壹万圆整", 1600, 1),
        line("DC墅", 200, 2, width=100),  # 类型 lost under a watermark
        line("有限责任公司（自然人投资或控股）", 420, 2),
        line("成立日期", 1400, 2),
        line("2017年11月15日", 1600, 2, width=300),
        line("经营范围", 200, 3),
        line("国营", 420, 3),  # a short form (联营) a character off is another word
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["company_type"] == "有限责任公司（自然人投资或控股）"
    assert got["established_date"] == "2017-11-15"
    del lines[5]
    assert "company_type" not in values(PageKind.BUSINESS_LICENSE, lines)


def test_a_label_split_across_two_lines_exactly_is_found_there():
    # OCR glued 住 to the end of the business scope's line and read 所 as its value's start.
    lines = [
        line("注册资本", 1000, 1),
        line("壹仟万圆整", 1200, 1),
        line("成立日期", 1000, 2),
        line("2021年05月18日", 1200, 2, width=300),
        line("经营范围", 200, 3),
        line("一般项目技术服务、技术转让住", 420, 3, width=14 * 42),
        line("所武汉东湖新技术开发区光谷大道58号", 1050, 3, width=18 * 30),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["address"] == "武汉东湖新技术开发区光谷大道58号"


def test_a_label_after_a_speck_read_as_a_mark_is_still_a_label():
    lines = [
        line("计算机软件著作权登记证书", 500, 0),
        line("软件名称：科天分布式消息中间件软件", 200, 1),
        line("·权利人：昆山科天软件技术有限公司", 180, 2),
        line("开发完成日期：2020年03月04日", 200, 3),
    ]
    got = values(PageKind.COPYRIGHT_CERTIFICATE, lines)
    assert got["copyright_holders"] == ["昆山科天软件技术有限公司"]
    assert got["software_name"] == "科天分布式消息中间件软件"


def test_a_dot_of_noise_before_a_value_is_no_part_of_it():
    lines = [line("住所", 200, 4), line("·盐城市盐都区开放大道596号B座19层", 420, 4)]
    assert values(PageKind.BUSINESS_LICENSE, lines)["address"] == "盐城市盐都区开放大道596号B座19层"


def test_a_closing_bracket_read_at_a_wraps_end_that_leaves_the_value_unbalanced_goes():
    lines = [
        line("住所", 200, 3),
        line("武汉东湖新技术开发区光谷大道58号（自贸区武汉）", 500, 3),
        line("片区）", 500, 3.45),
        line("营业期限", 200, 4),
        line("长期", 500, 4),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["address"] == "武汉东湖新技术开发区光谷大道58号(自贸区武汉片区)"
    lines[1:3] = [line("武汉市洪山区（光谷）", 500, 3), line("创业街（一期）", 500, 3.45)]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["address"] == "武汉市洪山区(光谷)创业街(一期)"  # balanced: kept as read


def test_text_a_wide_gap_along_the_labels_row_is_not_the_value_printed_just_lower_beside_it():
    lines = [
        line("类型", 200, 2),
        line("有限责任公司", 500, 2),
        TextLine("住", (200, 300, 240, 350), 0.99),  # a stacked initial's box, taller
        TextLine("所", (380, 323, 420, 360), 0.99),
        TextLine("加固之家", (700, 301, 860, 333), 0.96),  # a watermark's words, up the row
        TextLine("深圳市龙华新区观澜大道芷峪澜湾D栋27C房", (440, 332, 1400, 368), 0.99),
        line("法定代表人", 200, 4.2),
        line("卜俊奇", 500, 4.2),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["address"] == "深圳市龙华新区观澜大道芷峪澜湾D栋27C房"
    assert got["legal_representative"] == "卜俊奇"


def _founded_and_term(founded: str, term: str) -> list[TextLine]:
    return [
        line("营业执照", 800, 0),
        line("名称", 200, 1),
        line("苏州云帆软件科技有限公司", 500, 1),
        line("成立日期", 200, 2),
        line(founded, 500, 2),
        line("营业期限", 200, 3),
        line(term, 500, 3),
    ]


def test_a_founding_date_that_lost_a_digit_is_completed_from_the_terms_start():
    fields = extract_fields(
        PageKind.BUSINESS_LICENSE, _founded_and_term("2009年05月2日", "2009年05月20日至长期")
    )
    assert fields["established_date"].value == "2009-05-20"
    assert fields["established_date"].box == fields["business_term"].box  # read there
    fields = extract_fields(
        PageKind.BUSINESS_LICENSE,
        _founded_and_term("2016年07月041E", "2016年07月04日至2036年07月03日"),
    )
    assert fields["established_date"].value == "2016-07-04"


def test_a_founding_date_the_term_does_not_bear_out_stays_for_a_person():
    # A digit lost, the term renewed in another year: nothing to complete it with.
    got = values(
        PageKind.BUSINESS_LICENSE, _founded_and_term("2001年02月1日", "2011年02月18日至长期")
    )
    assert got["established_date"] is None
    # Read whole, the founding date stands even where the term starts later.
    got = values(
        PageKind.BUSINESS_LICENSE, _founded_and_term("2001年12月18日", "2011年12月18日至长期")
    )
    assert got["established_date"] == "2001-12-18"
    # Not read at all: never taken from the term.
    lines = [ln for ln in _founded_and_term("", "2011年12月18日至长期") if ln.text]
    assert "established_date" not in values(PageKind.BUSINESS_LICENSE, lines)


def test_a_standard_whose_line_ocr_did_not_find_is_read_from_the_conclusion():
    lines = [
        line("产品名称", 200, 1),
        line("云帆智能制造执行系统", 600, 1),
        line("检测依据", 200, 2),
        line("(SQuaRE)第51部分：就绪可用软件产品（RUSP）的质量要求》", 600, 2.45),  # line 1 lost
        line("经检测，该软件产品符合GB/T25000.51-2016的要求，", 600, 3.6),
        line("检测结论为通过。", 600, 4.05),
        line("检测结论", 200, 4.5),
    ]
    fields = extract_fields(PageKind.TEST_REPORT, lines)
    assert fields["test_standard"].value == "GB/T 25000.51-2016"
    assert fields["test_standard"].box[1] == 360  # read on the conclusion's line
    unnamed = [ln for ln in lines if "GB/T" not in ln.text]
    assert extract_fields(PageKind.TEST_REPORT, unnamed)["test_standard"].value is None


def test_a_label_with_a_character_inside_it_not_read_is_still_its_label():
    lines = [
        line("营业执照", 800, 0),
        line("名", 200, 1),
        line("称", 320, 1),
        line("泰兴宏帆信息技术有限公司", 500, 1),
        line("注册", 200, 2),
        line("本", 400, 2),  # 注册资本 spaced: 资 not read
        line("1200万元整", 500, 2),
        line("成立日期", 1000, 2),
        line("2004年3月5日", 1200, 2),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["registered_capital"] == "1200万元整"
    assert got["established_date"] == "2004-03-05"
    # Run on into its value, the shortened label is not taken (注册本年 is no label).
    lines[4:7] = [line("注册本年度1200万元整", 200, 2)]
    assert "registered_capital" not in values(PageKind.BUSINESS_LICENSE, lines)


def test_a_branch_or_a_shop_after_the_company_it_belongs_to_is_part_of_the_name():
    from extractors.values import parse_company

    assert parse_company("南京云帆科技有限公司江宁销售部").value == "南京云帆科技有限公司江宁销售部"
    assert parse_company("南京银行股份有限公司江宁支行").value == "南京银行股份有限公司江宁支行"
    # A watermark read on the name's line is no part of it.
    assert parse_company("南京云帆科技有限公司仅限申报使用").value == "南京云帆科技有限公司"


def test_a_name_ending_one_character_from_its_legal_form_ends_with_that_form():
    from extractors.values import parse_company

    mended = parse_company("南京云帆科技有限公可")
    assert mended.value == "南京云帆科技有限公司" and mended.repaired
    assert parse_company("南京云帆科技股份有限公").value == "南京云帆科技股份有限公司"
    assert parse_company("南京云帆科技有限责任公同").value == "南京云帆科技有限责任公司"
    # Two characters lost is a name cut short, and a name ending in another word is as printed.
    assert parse_company("南京云帆科技有限").value == "南京云帆科技有限"
    assert parse_company("上海有色公司").value == "上海有色公司"


def test_a_shops_name_is_found_by_its_ending_where_its_label_was_lost():
    lines = [
        line("营业执照", 800, 0),
        line("深圳市福田区铭泰隆电子销售部", 420, 2),
        line("类型", 200, 3),
        line("个体工商户", 420, 3),
        line("经营者", 200, 4),
        line("张伟", 420, 4),
    ]
    assert values(PageKind.BUSINESS_LICENSE, lines)["name"] == "深圳市福田区铭泰隆电子销售部"


def test_an_address_or_a_label_is_never_taken_for_a_name_by_its_ending():
    from extractors.values import is_organisation_name

    for text in (
        "上海市虹口区曲阳路888号888室",
        "经营场所",
        "营业场所",
        "统一社",
        "万达广场",
        "工业园",
    ):
        assert not is_organisation_name(text), text
    lines = [
        line("营业执照", 800, 0),
        line("云顶b座1502室", 420, 1),  # the end of an address wrapped above the lost 名称
        line("陕西如高电气有限公司", 420, 2),
        line("类型", 200, 3),
        line("有限责任公司（自然人投资或控股）", 420, 3),
    ]
    assert values(PageKind.BUSINESS_LICENSE, lines)["name"] == "陕西如高电气有限公司"


def test_a_labels_last_character_read_again_at_the_start_of_its_value_is_the_labels():
    # OCR read 营业期限 as one line and the value's line from under the label's 限 on.
    lines = [
        line("成立日期2015年1月16日", 200, 1),
        TextLine("营业期限", (200, 200, 200 + 4 * H, 200 + H)),
        TextLine("限2015年1月16日至2065年1月15日", (200 + 3.5 * H, 203, 200 + 25 * H, 203 + H)),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["business_term"] == "2015年1月16日至2065年1月15日"
    lines[2] = TextLine("限2015年1月16日起", (200 + 6 * H, 203, 200 + 16 * H, 203 + H))
    assert values(PageKind.BUSINESS_LICENSE, lines)["business_term"].startswith("限")


def test_a_speck_read_as_a_character_between_a_spaced_labels_two_is_no_part_of_it():
    # 类　型 printed spaced, a speck between read as 牛 in a box of its own; 类型 is preferred
    # to 组成形式 where both are printed (a 个体工商户 licence).
    lines = [
        TextLine("类", (200, 200, 200 + H, 200 + H)),
        TextLine("牛", (200 + 1.2 * H, 202, 200 + 2.2 * H, 202 + H), 0.6),
        TextLine("型个体工商户", (200 + 2.6 * H, 201, 200 + 8.6 * H, 201 + H)),
        line("组成形式个人经营", 1200, 2),
    ]
    assert values(PageKind.BUSINESS_LICENSE, lines)["company_type"] == "个体工商户"
    # Two Latin letters so read, and the value wrapping onto the next row: the label is found,
    # so the value is read in its column with its wrapped line.
    lines = [
        TextLine("类", (200, 200, 200 + H, 200 + H)),
        TextLine("DG", (200 + 1.2 * H, 200, 200 + 3.0 * H, 200 + H), 0.5),
        TextLine("型有限责任公司（自然人投资或控股", (200 + 3.4 * H, 199, 200 + 19.4 * H, 199 + H)),
        TextLine("的法人独资）", (200 + 4.6 * H, 199 + 0.65 * H, 200 + 10.6 * H, 199 + 1.65 * H)),
        line("法定代表人袁", 200, 3.3),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["company_type"] == "有限责任公司（自然人投资或控股的法人独资）"


def test_a_label_found_by_its_first_character_reads_the_line_its_second_starts_beside_it():
    # 住　所 printed wide apart: 住 read alone (its box taller than the print, as where OCR read
    # the labels' first characters as one vertical line), 所 as the start of the value's line,
    # a little higher and so on the row above.
    lines = [
        line("名称深圳市捷泰成进出口有限公司", 200, 1),
        line("企业类型有限责任公司", 200, 2),
        line("所深圳市罗湖区黄贝街道深南东路1086号", 200 + 5 * H, 3),
        TextLine("住", (200, 300 + 0.35 * H, 200 + H, 300 + 1.7 * H)),
        line("法定代表人唐敏", 200, 4.2),
    ]
    assert (
        values(PageKind.BUSINESS_LICENSE, lines)["address"] == "深圳市罗湖区黄贝街道深南东路1086号"
    )


def test_an_old_sole_traders_licence_prints_its_term_as_its_validity_on_two_lines():
    lines = [
        line("个体工商户营业执照", 600, 0),
        line("经营场所柳堡镇工业集中区", 200, 1),
        line("发照机关", 200, 2),
        line("执照有效期：自2011年6月21日", 200, 3),
        line("至2015年6月21日", 475, 3.45),
        line("二零一一年六月十日", 1400, 3.45),
        line("中华人民共和国国家工商行政管理总局制", 300, 5.5),
    ]
    got = values(PageKind.BUSINESS_LICENSE, lines)
    assert got["business_term"] == "自2011年6月21日至2015年6月21日"


def test_a_term_complete_on_its_first_line_never_takes_in_the_line_under_it():
    lines = [
        line("营业期限", 200, 1),
        line("2015年1月16日至2065年1月15日", 420, 1),
        line("市场主体应当于每年1月1日至6月30日", 420, 1.45),
        line("营业期限", 200, 3),
        line("长期", 420, 3),
        line("二〇一九年十一月六日", 420, 3.45),
    ]
    got = extract_fields(PageKind.BUSINESS_LICENSE, lines[:3])["business_term"]
    assert got.value == "2015年1月16日至2065年1月15日"
    got = extract_fields(PageKind.BUSINESS_LICENSE, lines[3:])["business_term"]
    assert got.value == "长期"
