"""Property and example tests for the pure normalisation helpers in extractors.normalize."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.amounts import parse_wan
from extractors.normalize import (
    CREDIT_CODE_ALPHABET,
    OCR_CONFUSABLE_PAIRS,
    credit_code_check_char,
    credit_code_region,
    find_dates,
    is_valid_credit_code,
    normalize_certificate_no,
    normalize_company_name,
    normalize_credit_code,
    normalize_registration_no,
    normalize_report_no,
    normalize_software_name,
    normalize_standard,
    normalize_version,
    parse_chinese_date,
    repair_credit_code,
    same_company,
    split_holders,
    split_name_version,
    strip_spaces,
    to_halfwidth,
)

PROPERTY = settings(max_examples=150, deadline=None)
HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
CONFUSIONS = [(a, b) for a, b in OCR_CONFUSABLE_PAIRS] + [(b, a) for a, b in OCR_CONFUSABLE_PAIRS]


def fullwidth(text: str) -> str:
    """The inverse of to_halfwidth for printable ASCII."""
    return "".join(
        "\u3000" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text
    )


@st.composite
def credit_codes(draw: st.DrawFn) -> str:
    """Codes shaped like real ones: authority, type, six region digits, nine-character body."""
    first17 = (
        draw(st.sampled_from("159Y"))
        + draw(st.sampled_from("1239"))
        + draw(st.text("0123456789", min_size=6, max_size=6))
        + draw(st.text(CREDIT_CODE_ALPHABET, min_size=9, max_size=9))
    )
    return first17 + credit_code_check_char(first17)


def with_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


# --------------------------------------------------------------------------- widths and spaces


def test_to_halfwidth_examples() -> None:
    assert to_halfwidth("ＡＺａｚ０９／－．：\u3000") == "AZaz09/-.: "
    assert to_halfwidth("苏州（云帆）") == "苏州(云帆)"
    assert to_halfwidth("中文、。「」") == "中文、。「」"


@PROPERTY
@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_to_halfwidth_undoes_fullwidth(text: str) -> None:
    assert to_halfwidth(fullwidth(text)) == text


@PROPERTY
@given(st.text())
def test_to_halfwidth_keeps_length_and_cjk(text: str) -> None:
    result = to_halfwidth(text)
    assert len(result) == len(text)
    for before, after in zip(text, result, strict=True):
        if 0x4E00 <= ord(before) <= 0x9FFF:
            assert before == after


def test_strip_spaces_removes_every_kind() -> None:
    assert (
        strip_spaces(" 苏州\u3000云帆\u00a0软件\t科技\n有限\u200b公司 ")
        == "苏州云帆软件科技有限公司"
    )


# --------------------------------------------------------------------------- company names


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("南京A( 苏州 )有限公司", "南京A（苏州）有限公司"),
        ("南京A〔苏州〕有限公司", "南京A（苏州）有限公司"),
        ("南京A【苏州】有限公司", "南京A（苏州）有限公司"),
        ("南京A［苏州］有限公司", "南京A（苏州）有限公司"),
        ("南京Ａ（苏州）有限公司", "南京A（苏州）有限公司"),
        ("：南京A有限公司。", "南京A有限公司"),
        ("南京A有限公司）", "南京A有限公司"),
        ("（苏州）云帆有限公司", "（苏州）云帆有限公司"),
        ("约翰•史密斯", "约翰·史密斯"),
        ("\u2f42帆有限公司", "文帆有限公司"),  # Kangxi radical 文 → unified 文
    ],
)
def test_normalize_company_name(raw: str, normal: str) -> None:
    assert normalize_company_name(raw) == normal


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("苏州云帆软件科技有限公司", "苏州云航软件科技有限公司", False),
        ("南京A有限公司", "南京A股份有限公司", False),
        ("苏州云帆软件科技有限公司", "苏州云帆软件科技有限公司南京分公司", False),
        ("苏州云帆软件科技有限公司", "苏州云帆软件科技有限公司分公司", False),
        ("苏州云帆软件科技有限公司", "苏州云帆软件科技公司", False),
        ("苏州云帆软件科技有限公司", " 苏州 云帆软件科技有限公司 ", True),
        ("华为技术（苏州）有限公司", "华为技术(苏州)有限公司", True),
        ("华为技术（苏州）有限公司", "华为技术〔苏州〕有限公司", True),
        ("华为技术（苏州）有限公司", "华为技术（苏州有限公司", True),
        ("苏州ABC科技有限公司", "苏州ａｂｃ科技有限公司", True),
        ("苏州ABC科技有限公司", "苏州A.B·C，科技有限公司。", True),
        ("苏州ABC科技有限公司", "苏州ABD科技有限公司", False),
        ("苏州1号科技有限公司", "苏州2号科技有限公司", False),
        ("\u2f42帆科技有限公司", "文帆科技有限公司", True),
        ("", "", False),
        ("（）", "。", False),
    ],
)
def test_same_company_examples(a: str, b: str, same: bool) -> None:
    assert same_company(a, b) is same
    assert same_company(b, a) is same


@st.composite
def company_names(draw: st.DrawFn) -> str:
    core = draw(st.text(HAN, min_size=2, max_size=8))
    latin = draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=3))
    region = draw(st.text(HAN, max_size=3))
    bracketed = f"（{region}）" if region else ""
    suffix = draw(st.sampled_from(["有限公司", "股份有限公司", "科技有限公司", "集团有限公司"]))
    return core + latin + bracketed + suffix


@st.composite
def noisy(draw: st.DrawFn, name: str) -> str:
    """The same name as OCR might print it: other widths, brackets, case, spaces, stray dots."""
    opener, closer = draw(st.sampled_from(["（）", "()", "〔〕", "【】", "［］", "(）"]))
    text = name.replace("（", opener).replace("）", closer)
    if draw(st.booleans()):
        text = fullwidth(text)
    if draw(st.booleans()):
        text = text.lower()
    if "（" in name and draw(st.booleans()):
        text = text.replace(closer, "", 1)
    chars = list(text)
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(chars)))
        chars.insert(position, draw(st.sampled_from([" ", "\u3000", "·", ".", ",", "，"])))
    return "".join(chars)


@PROPERTY
@given(st.data())
def test_same_company_tolerates_noise(data: st.DataObject) -> None:
    name = data.draw(company_names())
    assert same_company(name, name)
    variant = data.draw(noisy(name))
    assert same_company(name, variant)
    assert same_company(variant, name)


@PROPERTY
@given(company_names(), company_names())
def test_same_company_symmetric(a: str, b: str) -> None:
    assert same_company(a, b) == same_company(b, a)


@PROPERTY
@given(st.data())
def test_same_company_rejects_one_han_character(data: st.DataObject) -> None:
    name = data.draw(company_names())
    han_positions = [i for i, ch in enumerate(name) if 0x4E00 <= ord(ch) <= 0x9FA5]
    position = data.draw(st.sampled_from(han_positions))
    other = data.draw(HAN.filter(lambda ch: ch != name[position]))
    changed = name[:position] + other + name[position + 1 :]
    assert not same_company(name, changed)
    assert not same_company(data.draw(noisy(name)), changed)
    assert not same_company(name, name[:position] + name[position + 1 :])
    assert not same_company(name, name + data.draw(st.text(HAN, min_size=1, max_size=4)))


# --------------------------------------------------------------------------- credit codes


@PROPERTY
@given(st.text(CREDIT_CODE_ALPHABET, min_size=17, max_size=17))
def test_check_char_completes_any_17_characters(first17: str) -> None:
    check = credit_code_check_char(first17)
    assert check in CREDIT_CODE_ALPHABET
    assert is_valid_credit_code(first17 + check)
    assert (
        sum(
            not is_valid_credit_code(first17 + other)
            for other in CREDIT_CODE_ALPHABET
            if other != check
        )
        == len(CREDIT_CODE_ALPHABET) - 1
    )


@PROPERTY
@given(credit_codes(), st.integers(0, 17), st.sampled_from(CREDIT_CODE_ALPHABET))
def test_any_single_change_breaks_the_check(code: str, position: int, replacement: str) -> None:
    changed = code[:position] + replacement + code[position + 1 :]
    assert is_valid_credit_code(changed) == (changed == code)


def test_check_char_known_codes_and_errors() -> None:
    # Published codes: 华为技术有限公司, 阿里巴巴（中国）网络技术有限公司.
    assert is_valid_credit_code("914403001922038216")
    assert is_valid_credit_code("91330100716105852F")
    assert credit_code_check_char("91330100716105852") == "F"
    assert credit_code_check_char("91320500MA1N2B3C4") == "L"
    assert is_valid_credit_code("91320500MA1N2B3C4L")
    assert not is_valid_credit_code("91320500MA1N2B3C4M")
    assert not is_valid_credit_code("91320500MA1N2B3C4")
    assert not is_valid_credit_code("91320500MA1N2O3C4L")
    with pytest.raises(ValueError):
        credit_code_check_char("9132")
    with pytest.raises(ValueError):
        credit_code_check_char("91320500MA1N2O3C4")


@PROPERTY
@given(credit_codes(), st.data())
def test_valid_code_round_trips(code: str, data: st.DataObject) -> None:
    assert normalize_credit_code(code) == code
    assert repair_credit_code(code) == (code, False)
    decorated = code.lower() if data.draw(st.booleans()) else code
    if data.draw(st.booleans()):
        decorated = fullwidth(decorated)
    cut = data.draw(st.integers(0, 18))
    decorated = (
        decorated[:cut] + data.draw(st.sampled_from([" ", "\u3000", "\u00a0"])) + decorated[cut:]
    )
    assert normalize_credit_code(decorated) == code
    assert repair_credit_code(decorated) == (code, False)
    assert credit_code_region(decorated) == code[2:8]


@PROPERTY
@given(credit_codes(), st.data())
def test_single_confusion_is_repaired_exactly_or_refused(code: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, 17))
    confusions = [wrong for right, wrong in CONFUSIONS if right == code[position]]
    if not confusions:
        return
    wrong = data.draw(st.sampled_from(confusions))
    reading = code[:position] + wrong + code[position + 1 :]
    repaired = repair_credit_code(reading)
    assert repaired in {(code, True), (None, False)}
    impossible_here = wrong not in CREDIT_CODE_ALPHABET or (2 <= position < 8 and wrong.isalpha())
    if impossible_here:
        assert repaired == (code, True)


@PROPERTY
@given(st.text(CREDIT_CODE_ALPHABET + "OIZSV", min_size=18, max_size=18))
def test_repair_only_returns_valid_codes(reading: str) -> None:
    repaired, was_repaired = repair_credit_code(reading)
    if repaired is None:
        assert not was_repaired
    else:
        assert is_valid_credit_code(repaired)
        assert was_repaired == (repaired != reading)


def test_repair_examples() -> None:
    code = "91320500MA1N2B3C4L"
    assert repair_credit_code("统一社会信用代码：9132 0500 ma1n 2b3c 4l") == (code, False)
    assert repair_credit_code("9132O5OOMA1N2B3C4L") == (code, True)  # O in the region digits
    assert repair_credit_code("9I32050OMA1N2B3C4L") == (code, True)
    # Every character possible where it stands but the check fails: maybe printed wrong, so
    # never "repaired" into some other valid code (the rules flag it as invalid instead).
    assert repair_credit_code("91320500MA1N2B3C41") == (None, False)
    assert repair_credit_code("913205B3MA1N2B3C4U") == ("91320583MA1N2B3C4U", True)  # region B
    assert repair_credit_code("9L320583MA1N2B3C4U") == (None, False)  # L may stand there
    assert repair_credit_code("91320500MA1N2B3C4") == (None, False)  # too short
    assert repair_credit_code("91320500MA1N2B3C4LL") == (None, False)  # too long
    assert repair_credit_code("91320500MA1N2B3C4M") == (None, False)  # no look-alike fits
    assert repair_credit_code("9132A500MA1N2B3C4L") == (None, False)  # A cannot be a digit
    assert repair_credit_code("OOOOOOOOOOOOOOOOOO") == (None, False)  # too many forced


def test_repair_refuses_when_two_single_substitutions_fit() -> None:
    code, reading = "91320529G1C6B36JMW", "91320529G1C6B3GJMW"  # 6 read as G
    assert is_valid_credit_code(code)
    fitting = {
        reading[:i] + alt + reading[i + 1 :]
        for i in range(18)
        for right, alt in CONFUSIONS
        if reading[i] == right and alt in CREDIT_CODE_ALPHABET
        if is_valid_credit_code(reading[:i] + alt + reading[i + 1 :])
    }
    assert code in fitting and len(fitting) > 1
    assert repair_credit_code(reading) == (None, False)


def test_normalize_credit_code_keeps_the_reading() -> None:
    assert normalize_credit_code(" ９１３２ 0500ma1n2O3c4l ") == "91320500MA1N2O3C4L"


def test_credit_code_region() -> None:
    assert credit_code_region("91320500MA1N2B3C4L") == "320500"
    assert credit_code_region("9131 0115 MA1K") == "310115"
    with pytest.raises(ValueError, match="credit code too short"):
        credit_code_region("9132")


# --------------------------------------------------------------------------- dates

CN_DIGITS = "〇一二三四五六七八九"


def cn_small(n: int) -> str:
    tens, ones = divmod(n, 10)
    return (
        (CN_DIGITS[tens] if tens > 1 else "")
        + ("十" if tens else "")
        + (CN_DIGITS[ones] if ones or not tens else "")
    )


def date_styles(d: date) -> list[str]:
    y, m, dd = d.year, d.month, d.day
    chinese = "".join(CN_DIGITS[int(c)] for c in str(y)) + f"年{cn_small(m)}月{cn_small(dd)}日"
    return [
        f"{y}年{m}月{dd}日",
        f"{y}年{m:02d}月{dd:02d}日",
        f"{y} 年 {m} 月 {dd} 日",
        f"{y}年{m}月{dd}曰",
        fullwidth(f"{y}年{m}月{dd}日"),
        f"{y}-{m:02d}-{dd:02d}",
        f"{y}-{m}-{dd}",
        f"{y}.{m}.{dd}",
        f"{y}/{m}/{dd}",
        fullwidth(f"{y}-{m:02d}-{dd:02d}"),
        chinese,
        chinese.replace("〇", "○"),
    ]


@PROPERTY
@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_every_date_style_parses_back(d: date) -> None:
    for style in date_styles(d):
        assert parse_chinese_date(style) == d, style
        prefix, suffix = "开发完成日期：", "。盖章"
        text = prefix + style + suffix
        assert find_dates(text) == [(d, len(prefix), len(prefix) + len(style))], style
        assert parse_chinese_date(text) == d


@PROPERTY
@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)),
)
def test_find_dates_keeps_order_and_spans(first: date, second: date) -> None:
    text = f"成立日期 {first.year}年{first.month}月{first.day}日 ，核准日期 {second.isoformat()}"
    found = find_dates(text)
    assert [d for d, _, _ in found] == [first, second]
    for d, start, end in found:
        assert parse_chinese_date(text[start:end]) == d


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020年1月5日", date(2020, 1, 5)),
        ("2020年01月05日", date(2020, 1, 5)),
        ("2020 年 1 月 5 日", date(2020, 1, 5)),
        ("2020-01-05", date(2020, 1, 5)),
        ("2020.1.5", date(2020, 1, 5)),
        ("2020/1/5", date(2020, 1, 5)),
        ("二〇二〇年一月五日", date(2020, 1, 5)),
        ("二○二一年十二月三十一日", date(2021, 12, 31)),
        ("二〇二一年十月二十日", date(2021, 10, 20)),
        ("二二一年十月二十日", date(2021, 10, 20)),  # the thin 〇 lost: there is no other year
        ("二〇一年十月二十日", None),  # 二〇一〇 or 二〇一X: a digit lost, which is not known
        ("十二二一年十月二十日", None),
        ("一九九年十月二十日", None),
        ("２０２０年１月５日", date(2020, 1, 5)),
        ("签发日期：2020年2月29日", date(2020, 2, 29)),
        ("2020年2月30日", None),
        ("2021年2月29日", None),
        ("2020年4月31日", None),
        ("2020-13-01", None),
        ("2020-1.5", None),
        ("2020年十十月1日", None),
        ("2020年一二月5日", None),
        ("20200105", None),
        ("2020年1月", None),
        ("GB/T 25000.51-2016", None),
        ("V2020.1.5.3", None),
        ("开发完成日期：2020年2月30日 首次发表日期：2020年3月1日", None),
        ("", None),
    ],
)
def test_parse_chinese_date_examples(text: str, expected: date | None) -> None:
    assert parse_chinese_date(text) == expected


def test_find_dates_skips_impossible_dates() -> None:
    text = "2020年2月30日 2020年3月1日"
    assert find_dates(text) == [(date(2020, 3, 1), 11, 20)]


# --------------------------------------------------------------------------- versions and names

VERSIONS = st.lists(st.integers(0, 99), min_size=1, max_size=4).map(
    lambda parts: "V" + ".".join(map(str, parts))
)


@PROPERTY
@given(VERSIONS, st.text(HAN, min_size=2, max_size=10))
def test_version_round_trips(version: str, name: str) -> None:
    digits = version[1:]
    variants = [version, "v" + digits, "V " + digits, fullwidth(version), version + "版"]
    variants += ["版本号：" + version, digits + "版", "V" + digits.replace(".", " . ")]
    if "." in digits:
        variants.append(digits)
    for variant in variants:
        assert normalize_version(variant) == version, variant
    for variant in [
        version,
        " " + "v" + digits,
        fullwidth(version),
        digits + "版",
        f"（{version}）",
    ]:
        assert split_name_version(name + variant) == (name, version), variant
    assert split_name_version(name) == (name, None)


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("v2.0", "V2.0"),
        ("V 2.0", "V2.0"),
        ("Ｖ２．０", "V2.0"),
        ("2.0", "V2.0"),
        ("V2.0.1", "V2.0.1"),
        ("V1.0版", "V1.0"),
        ("版本号：V3.1", "V3.1"),
        ("1.0版", "V1.0"),
        ("V2.0.", "V2.0"),
        ("无", None),
        ("", None),
    ],
)
def test_normalize_version_examples(text: str, version: str | None) -> None:
    assert normalize_version(text) == version


@pytest.mark.parametrize(
    ("raw", "name", "version"),
    [
        ("云帆智能制造执行系统V2.0", "云帆智能制造执行系统", "V2.0"),
        ("云帆智能制造执行系统 V2.0", "云帆智能制造执行系统", "V2.0"),
        ("云帆智能制造执行系统v2.0", "云帆智能制造执行系统", "V2.0"),
        ("云帆智能制造执行系统【简称：云帆MES】V1.0", "云帆智能制造执行系统", "V1.0"),
        ("云帆智能制造执行系统V1.0[简称:云帆MES]", "云帆智能制造执行系统", "V1.0"),
        ("云帆智能制造执行系统（简称：云帆MES）", "云帆智能制造执行系统", None),
        ("云帆 (云端) 制造执行系统V3.2.1", "云帆（云端）制造执行系统", "V3.2.1"),
        ("云帆MESV2.0", "云帆MES", "V2.0"),
        ("云帆IPv6网络管理平台", "云帆IPv6网络管理平台", None),
        ("云帆IPv6", "云帆IPv6", None),
        ("工业4.0平台", "工业4.0平台", None),
        ("云帆智能制造执行系统", "云帆智能制造执行系统", None),
        ("易川微服务治理平台软件V1.1.", "易川微服务治理平台软件", "V1.1"),  # a speck after it
    ],
)
def test_split_name_version_examples(raw: str, name: str, version: str | None) -> None:
    assert split_name_version(raw) == (name, version)


def test_normalize_software_name() -> None:
    assert normalize_software_name(" 《云帆 (云端) ＭＥＳ 系统》 ") == "云帆（云端）MES系统"


# --------------------------------------------------------------------------- document numbers


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("2021SR0123456", "2021SR0123456"),
        ("登记号：2021 sr 0l23456", "2021SR0123456"),
        ("２０２１ＳＲ０１２３４５６", "2021SR0123456"),
        ("20215R0123456", "2021SR0123456"),
        ("2021$RO123456", "2021SR0123456"),
        ("2O2ISR0123456", "2021SR0123456"),
        ("2015SR123456", "2015SR123456"),
        ("软著登字第6543210号", None),
        ("", None),
    ],
)
def test_normalize_registration_no(text: str, number: str | None) -> None:
    assert normalize_registration_no(text) == number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("软著登字第6543210号", "6543210"),
        ("软著登字第 6543210 号", "6543210"),
        ("证书号：软著登字第654321O号", "6543210"),
        ("6543210", "6543210"),
        ("６５４３２１０", "6543210"),
        ("证书号", None),
    ],
)
def test_normalize_certificate_no(text: str, number: str | None) -> None:
    assert normalize_certificate_no(text) == number


@pytest.mark.parametrize(
    ("text", "standard"),
    [
        ("GBT 25000.51-2016", "GB/T 25000.51-2016"),
        ("GB/T25000.51-2016", "GB/T 25000.51-2016"),
        ("GB／T 25000.51—2016", "GB/T 25000.51-2016"),
        ("GB/T 25000.51－2016", "GB/T 25000.51-2016"),
        ("GB T 25000.51-2016", "GB/T 25000.51-2016"),
        ("GB/T-25000.51-2016《系统与软件工程", "GB/T 25000.51-2016"),
        ("GB/T. 25000.51-2016", "GB/T 25000.51-2016"),
        ("gb/t 25000.51——2016", "GB/T 25000.51-2016"),
        ("检测依据：《…测试细则》（GBT 25000.51-2016）", "GB/T 25000.51-2016"),
        ("GB/T 25000.10-2016", "GB/T 25000.10-2016"),
        ("依据 GB/T 16260-2006 和 GB/T 25000.51-2016", "GB/T 16260-2006"),
        ("GB 8567-1988", "GB 8567-1988"),
        ("ISO/IEC 25051:2014", "ISO/IEC 25051:2014"),
        ("检测依据：用户需求说明书", None),
    ],
)
def test_normalize_standard(text: str, standard: str | None) -> None:
    assert normalize_standard(text) == standard


def test_normalize_report_no() -> None:
    assert normalize_report_no(" ｊｓ-2021 rj 0012 ") == "JS-2021RJ0012"


def test_split_holders() -> None:
    text = "苏州云帆软件科技有限公司；南京A有限公司、\n 上海B(集团)有限公司，;王 小明"
    assert split_holders(text) == [
        "苏州云帆软件科技有限公司",
        "南京A有限公司",
        "上海B（集团）有限公司",
        "王小明",
    ]
    assert split_holders("") == []


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("text", "wan"),
    [
        ("500万元整", 500.0),
        ("人民币500万元", 500.0),
        ("５００万元", 500.0),
        ("1,200.5万元", 1200.5),
        ("1，200.5 万元", 1200.5),
        ("伍佰万元", 500.0),
        ("壹仟贰佰万元整", 1200.0),
        ("一千二百五十万元", 1250.0),
        ("壹亿贰仟万元", 12000.0),
        ("1.2亿元", 12000.0),
        ("5000000元", 500.0),
        ("单位：万元", None),
        ("500", None),
        ("", None),
    ],
)
def test_parse_wan(text: str, wan: float | None) -> None:
    assert parse_wan(text) == wan


@PROPERTY
@given(st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False))
def test_parse_wan_reads_arabic_amounts(amount: object) -> None:
    assert parse_wan(f"注册资本：{amount}万元整") == float(amount)  # type: ignore[arg-type]


def test_a_date_whose_month_and_day_are_padded_unalike_lost_a_digit():
    from extractors.values import parse_date

    assert not parse_date("2009年05月2日").ok
    assert not parse_date("2016年5月02日").ok
    assert parse_date("2009年05月20日").value == "2009-05-20"
    assert parse_date("2016年1月29日").value == "2016-01-29"
    assert parse_date("2004年12月9日").value == "2004-12-09"
    assert parse_date("二〇二〇年三月五日").value == "2020-03-05"
