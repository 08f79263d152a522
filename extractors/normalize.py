"""Pure normalisation helpers: widths, company names, credit codes, dates, versions, numbers
(amounts of money: extractors/amounts.py)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from itertools import product
from math import prod

# --------------------------------------------------------------------------- widths and spaces

_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_OPEN_BRACKETS = "([{〔【〖〘﹙⦅"
_CLOSE_BRACKETS = ")]}〕】〗〙﹚⦆"
_TO_ROUND_BRACKETS = str.maketrans(
    _OPEN_BRACKETS + _CLOSE_BRACKETS, "（" * len(_OPEN_BRACKETS) + "）" * len(_CLOSE_BRACKETS)
)
_TO_ROUND_PARENS = str.maketrans("()﹙﹚", "（）（）")
_MIDDLE_DOTS = str.maketrans("•‧・･∙⋅", "······")
_NAME_QUOTES = "《》〈〉“”\"'‘’「」『』:：,，;；"


def to_halfwidth(text: str) -> str:
    """Full-width ASCII forms (U+FF01–FF5E) and the ideographic space to ASCII; CJK untouched.

    One character in, one character out, so spans found in the result are spans of `text`.
    """
    return text.translate(_HALFWIDTH)


def strip_spaces(text: str) -> str:
    """Remove every whitespace character, including U+3000, NBSP and zero-width spaces."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in _ZERO_WIDTH)


def _fold_compat_han(text: str) -> str:
    """Kangxi radicals and CJK compatibility ideographs to the unified ideograph they render as."""
    return "".join(
        unicodedata.normalize("NFKC", ch)
        if 0x2E80 <= ord(ch) <= 0x2FDF
        or 0xF900 <= ord(ch) <= 0xFAFF
        or 0x2F800 <= ord(ch) <= 0x2FA1F
        else ch
        for ch in text
    )


def _is_punctuation_or_symbol(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


def _strip_edge_punctuation(name: str) -> str:
    """Strip punctuation at both ends, keeping a leading （ or trailing ） that has its partner."""
    while name:
        first, last = name[0], name[-1]
        if _is_punctuation_or_symbol(first) and not (first == "（" and "）" in name[1:]):
            name = name[1:]
        elif _is_punctuation_or_symbol(last) and not (last == "）" and "（" in name[:-1]):
            name = name[:-1]
        else:
            break
    return name


# --------------------------------------------------------------------------- company names


def normalize_company_name(text: str) -> str:
    """Normal form of a company name: half-width ASCII, no spaces, brackets as （）, edges clean.

    Every bracket style (( ) [ ] { } 〔〕 【】 〖〗 …) becomes full-width （）, middle-dot variants
    become ·, Kangxi radicals become the ideograph they look like, and punctuation at either end
    (a stray ：, 。, ·, an unmatched bracket) is dropped.
    """
    name = strip_spaces(_fold_compat_han(to_halfwidth(text)))
    name = name.translate(_TO_ROUND_BRACKETS).translate(_MIDDLE_DOTS)
    return _strip_edge_punctuation(name)


def company_key(text: str) -> str:
    """What `same_company` compares: the normal name without punctuation, ASCII folded."""
    name = normalize_company_name(text)
    return "".join(
        ch.lower() if ch.isascii() else ch
        for ch in name
        if not unicodedata.category(ch).startswith("P")
    )


def same_company(a: str, b: str) -> bool:
    """True when `a` and `b` name the same company, allowing only noise that cannot change it.

    Rule: both names are brought to normal form (widths, spaces, bracket styles, Kangxi radicals),
    then every punctuation character is dropped (brackets, ·, ., ,, ：, 、 …) and ASCII letters are
    compared without case. The remaining characters — every Han character, digit and letter — must
    be identical and in the same order. So a missing bracket or a stray dot is tolerated, but one
    different Han character (云帆/云航), an added 股份, or a …分公司 suffix always gives False.
    Empty names (nothing left after normalisation) are never the same company.
    """
    key_a, key_b = company_key(a), company_key(b)
    return bool(key_a) and key_a == key_b


# --------------------------------------------------------------------------- credit codes

# GB 32100-2015: 统一社会信用代码 alphabet (no I, O, Z, S, V) and weights.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_REGION = range(2, 8)
"""Positions of the 6-digit 登记管理机关行政区划码; always digits in a real code."""

OCR_CONFUSABLE_PAIRS = (
    ("0", "O"), ("0", "D"), ("0", "Q"), ("D", "O"), ("Q", "O"), ("1", "I"), ("1", "L"),
    ("2", "Z"), ("5", "S"), ("8", "B"), ("6", "G"), ("U", "V"), ("Y", "V"),
)  # fmt: skip
"""Characters OCR mistakes for each other in printed codes; each pair works both ways."""

_CONFUSABLE: dict[str, frozenset[str]] = {}
for _left, _right in OCR_CONFUSABLE_PAIRS:
    _CONFUSABLE[_left] = _CONFUSABLE.get(_left, frozenset()) | {_right}
    _CONFUSABLE[_right] = _CONFUSABLE.get(_right, frozenset()) | {_left}


def codes_alike(a: str, b: str) -> bool:
    """Two printed codes that differ at most by characters OCR mistakes for each other."""
    a, b = normalize_credit_code(a), normalize_credit_code(b)
    return len(a) == len(b) and all(x == y or y in _CONFUSABLE.get(x, ()) for x, y in zip(a, b))


def misread_of(code: str, read: str) -> bool:
    """Whether `read`, failing its check character, is `code` read with one character wrong or
    with look-alike characters only (1/L, 0/O, …): two codes that pass their checks differ in
    two characters at least, so no other valid code is that close."""
    code, read = normalize_credit_code(code), normalize_credit_code(read)
    if len(read) != len(code) or is_valid_credit_code(read):
        return False
    return codes_alike(code, read) or sum(a != b for a, b in zip(code, read)) == 1


_MAX_FORCED_POSITIONS = 4
_MAX_FORCED_COMBINATIONS = 32


def credit_code_check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a credit code."""
    if len(first17) != 17 or any(c not in CREDIT_CODE_ALPHABET for c in first17):
        raise ValueError(f"not 17 credit-code characters: {first17!r}")
    total = sum(
        CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """True when `code` is 18 characters of the alphabet and its check character agrees."""
    return (
        len(code) == 18
        and all(c in CREDIT_CODE_ALPHABET for c in code)
        and credit_code_check_char(code[:17]) == code[17]
    )


def normalize_credit_code(raw: str) -> str:
    """The reading as printed, for reports: half-width, upper case, no spaces; nothing repaired."""
    return strip_spaces(to_halfwidth(raw)).upper()


def credit_code_region(code: str) -> str:
    """Characters 3–8 of a credit code: the 6-digit administrative division, e.g. '320500'."""
    normal = normalize_credit_code(code)
    if len(normal) < 8:
        raise ValueError(
            f"统一社会信用代码太短，读不出登记机关行政区划码 / "
            f"credit code too short to hold a region: {code!r}"
        )
    return normal[2:8]


def _allowed_at(position: int, ch: str) -> bool:
    return ch in CREDIT_CODE_ALPHABET and (ch.isdigit() or position not in _REGION)


def _alternatives(position: int, ch: str) -> list[str]:
    return sorted(alt for alt in _CONFUSABLE.get(ch, ()) if _allowed_at(position, alt))


def repair_credit_code(raw: str) -> tuple[str | None, bool]:
    """A valid 18-character credit code from an OCR reading, and whether it had to be repaired.

    The reading is normalised (half-width, upper case, only ASCII letters and digits kept). A valid
    result is returned as read: (code, False). Otherwise characters that cannot stand where they
    are — not in the GB 32100 alphabet (O, I, Z, S, V), or a letter among the six region digits —
    must be replaced by an OCR look-alike (OCR_CONFUSABLE_PAIRS). If exactly one such replacement
    passes the check character it is the repair. Anything else — no candidate, several, too many
    forced positions — gives (None, False). A reading of possible characters that fails its check
    is never "repaired": the code may really be printed wrong, and the rules must say so.
    """
    code = "".join(ch for ch in normalize_credit_code(raw) if ch.isascii() and ch.isalnum())
    if len(code) != 18:
        return None, False
    if is_valid_credit_code(code):
        return code, False
    forced = [i for i, ch in enumerate(code) if not _allowed_at(i, ch)]
    choices = {i: _alternatives(i, code[i]) for i in forced}
    if len(forced) > _MAX_FORCED_POSITIONS or any(not alts for alts in choices.values()):
        return None, False
    if prod(len(alts) for alts in choices.values()) > _MAX_FORCED_COMBINATIONS:
        return None, False
    bases = []
    for picked in product(*(choices[i] for i in forced)):
        chars = list(code)
        for i, ch in zip(forced, picked, strict=True):
            chars[i] = ch
        bases.append("".join(chars))
    found = {base for base in bases if is_valid_credit_code(base)}
    if len(found) == 1:
        return found.pop(), True
    return None, False


# 注册号 of licences issued before the credit code (GS15-2006): 15 digits, ISO 7064 MOD 11,10.
_LICENCE_NUMBER = re.compile(r"(?<![0-9A-Z])[0-9OIL]{15}(?![0-9A-Z])")


def is_valid_registration_number(number: str) -> bool:
    """True for 15 digits whose last one is their ISO 7064 MOD 11,10 check digit."""
    if len(number) != 15 or not (number.isascii() and number.isdigit()):
        return False
    product_ = 10
    for digit in number[:14]:
        product_ = ((product_ + int(digit)) % 10 or 10) * 2 % 11
    return (11 - product_) % 10 == int(number[14])


def normalize_registration_number(text: str) -> str | None:
    """The 15-digit 注册号 in `text` (O/I/L read as 0/1): the first that passes its check, else
    the first as printed, else None."""
    work = strip_spaces(to_halfwidth(text)).upper()
    runs = [run.translate(_DIGIT_FIXES) for run in _LICENCE_NUMBER.findall(work)]
    return next((r for r in runs if is_valid_registration_number(r)), runs[0] if runs else None)


# --------------------------------------------------------------------------- dates

# 一 read as a dash inside a year in numerals (二〇－一年) is 1.
_CN_DIGITS = dict.fromkeys("〇○◯零Oo", 0) | dict.fromkeys("-—", 1) | {str(i): i for i in range(10)}
_CN_DIGITS |= {ch: i for i, ch in enumerate("一二三四五六七八九", start=1)}
_YEAR_CHARS = r"0-9〇○◯零Oo一二三四五六七八九\-—"
_SMALL_CHARS = "一二三四五六七八九十廿卅"
_DATE_PATTERNS = (
    re.compile(
        # A year in numerals three long with no 〇 lost the 〇 of 二〇: 二二一 is 2021.
        rf"(?<![0-9])(?P<y>[{_YEAR_CHARS}]{{4}}|(?<![{_YEAR_CHARS}十])二[一二三四五六七八九]{{2}})"
        rf"\s*年\s*(?P<m>[0-9]{{1,2}}|[{_SMALL_CHARS}]{{1,3}})"
        # The 日 may be lost in Arabic digits (2022年08月 24 under a seal), never in numerals.
        rf"\s*月\s*(?:(?P<d>[0-9]{{1,2}})(?:\s*[日曰号]|(?![0-9]))|(?P<cn>[{_SMALL_CHARS}]{{1,3}})\s*[日曰号])"
    ),
    re.compile(
        r"(?<![0-9.])(?P<y>[0-9]{4})\s*(?P<sep>[-./—–])\s*(?P<m>[0-9]{1,2})\s*(?P=sep)\s*"
        r"(?P<d>[0-9]{1,2})(?![0-9]|\.[0-9])"
    ),
)
_MIN_YEAR, _MAX_YEAR = 1900, 2100


@dataclass(frozen=True)
class DateMatch:
    """A date-shaped piece of text; `value` is None when it names no real day (2月30日)."""

    value: date | None
    start: int
    end: int


def _small_number(token: str) -> int | None:
    """1–99 written in Arabic digits or Chinese numerals (五, 十二, 二十, 廿一, 三十一)."""
    if token.isascii():
        return int(token)
    token = token.replace("廿", "二十").replace("卅", "三十")
    if "十" not in token:
        return _CN_DIGITS.get(token) if len(token) == 1 else None
    tens, _, ones = token.partition("十")
    tens_value = _CN_DIGITS.get(tens) if tens else 1
    ones_value = _CN_DIGITS.get(ones) if ones else 0
    if tens_value is None or ones_value is None:
        return None
    return tens_value * 10 + ones_value


def _to_date(year_text: str, month_text: str, day_text: str) -> date | None:
    year_text = year_text if len(year_text) == 4 else year_text[0] + "〇" + year_text[1:]
    year = int("".join(str(_CN_DIGITS[ch]) for ch in year_text))
    month, day = _small_number(month_text), _small_number(day_text)
    if month is None or day is None or not _MIN_YEAR <= year <= _MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_matches(text: str) -> list[DateMatch]:
    """Every date-shaped piece of `text` in reading order, valid or not, without overlaps."""
    work = to_halfwidth(text)
    raw = sorted(
        (m for pattern in _DATE_PATTERNS for m in pattern.finditer(work)),
        key=lambda m: (m.start(), -m.end()),
    )
    matches: list[DateMatch] = []
    for m in raw:
        if matches and m.start() < matches[-1].end:
            continue
        matches.append(
            DateMatch(
                _to_date(m["y"], m["m"], m["d"] or m.groupdict().get("cn")), m.start(), m.end()
            )
        )
    return matches


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """All real dates in `text` with their character spans (start, end) in `text`.

    Forms: 2020年1月5日 (spaces, zero padding, 曰/号 for 日 allowed), 2020-01-05, 2020.1.5,
    2020/1/5, Chinese numerals (二〇二〇年一月五日, 二○二一年十二月三十一日), full-width digits.
    Bare 8-digit runs (20200105) are not read: they cannot be told from other numbers.
    """
    return [(m.value, m.start, m.end) for m in date_matches(text) if m.value is not None]


def parse_chinese_date(text: str) -> date | None:
    """The first date in `text`; None when there is none or the first one is impossible (2月30日):
    a later date is never returned for an unreadable first one (it is another field's)."""
    matches = date_matches(text)
    return matches[0].value if matches else None


# --------------------------------------------------------------------------- versions and names

_VERSION_PATTERNS = (
    re.compile(r"(?:VERSION|VER\.?|V)\s*(\d+(?:\s*\.\s*\d+)*)", re.IGNORECASE),
    re.compile(r"(\d+(?:\s*\.\s*\d+)+)"),
    re.compile(r"(?<![\d.])(\d+)\s*版"),
)
_TRAILING_VERSION = re.compile(
    r"[（(]?(?:(?<![A-Z])V\d+(?:\.\d+)*|V\d+(?:\.\d+)+|(?<![\d.])\d+(?:\.\d+)*(?=版))"
    r"(?:版本?)?[）)]?$",
    re.IGNORECASE,
)
_TRAILING_ALIAS = re.compile(r"[【\[（](?:以下)?简称[:：]?[^【\[（】\]）]*[】\]）]?$")


def normalize_version(text: str) -> str | None:
    """`V` + digits and dots: v2.0, V 2.0, Ｖ２．０, 2.0, 1.0版, 版本号：V3.1 …; None if none."""
    work = to_halfwidth(text)
    for pattern in _VERSION_PATTERNS:
        match = pattern.search(work)
        if match:
            return "V" + strip_spaces(match.group(1))
    return None


def normalize_software_name(text: str) -> str:
    """A software name: half-width Latin and digits, no spaces, parentheses （）, no quotes."""
    name = strip_spaces(_fold_compat_han(to_halfwidth(text))).translate(_TO_ROUND_PARENS)
    return name.strip(_NAME_QUOTES)


_NAME_END_MARKS = "-_—:：,，.。·"
"""Marks a software name never ends with: a speck read after it or after its version (V1.1.)."""


def split_name_version(name: str) -> tuple[str, str | None]:
    """Split a trailing version off a software name: 云帆系统V2.0 → (云帆系统, V2.0).

    The version must carry a V (V2.0, v2, （V1.0）) or end in 版 (1.0版); a bare 2.0 or an
    IPv6-like ending stays in the name. A trailing 【简称：…】/[简称…]/（简称…） note is dropped,
    before or after the version. The name comes back in normal_software_name form.
    """
    work = _TRAILING_ALIAS.sub("", normalize_software_name(name)).rstrip(_NAME_END_MARKS)
    version = None
    match = _TRAILING_VERSION.search(work)
    if match:
        version = normalize_version(match.group())
        work = work[: match.start()]
    work = _TRAILING_ALIAS.sub("", work)
    return work.rstrip(_NAME_END_MARKS), version


# --------------------------------------------------------------------------- document numbers

_DIGIT_FIXES = str.maketrans("OoIlL", "00111")
_REGISTRATION_NO = re.compile(r"(?<![0-9])([0-9OIL]{4})(?:SR|5R|\$R)([0-9OIL]{5,8})(?![0-9])")
_CERTIFICATE_NO = re.compile(r"第([0-9OoIlL]+)号")
_BARE_NUMBER = re.compile(r"(?<![0-9])([0-9]{5,9})(?![0-9])")
_DASHES = str.maketrans("‐‑‒–—―−﹣", "--------")
_SLASHES = str.maketrans("∕⁄", "//")
_STANDARD_NO = re.compile(
    r"(?<![A-Z])(?P<org>GB|GJB|SJ|YD|JR|GA|JB|DB\d{2})\s*(?:/\s*)?(?P<kind>[TZ](?![A-Z]))?[\s.·-]*"
    r"(?P<number>\d+(?:\s*\.\s*\d+)*)(?:\s*-+\s*|\s+)(?P<year>\d{4})(?!\d)"
)
_ISO_NO = re.compile(
    r"(?<![A-Z])ISO(?P<iec>\s*/\s*IEC)?\s*(?P<number>\d+(?:-\d+)*)\s*:\s*(?P<year>\d{4})(?!\d)"
)


def normalize_registration_no(text: str) -> str | None:
    """登记号 as `2021SR0123456`: upper case, no spaces, O/I/l read as 0/1, 5R/$R read as SR."""
    work = strip_spaces(to_halfwidth(text)).upper()
    for match in _REGISTRATION_NO.finditer(work):
        year = match.group(1).translate(_DIGIT_FIXES)
        if year.startswith(("19", "20")):
            return f"{year}SR{match.group(2).translate(_DIGIT_FIXES)}"
    return None


def normalize_certificate_no(text: str) -> str | None:
    """证书号 digits N from 软著登字第N号 (O/I/l in it read as 0/1) or bare digits; else None."""
    work = strip_spaces(to_halfwidth(text))
    match = _CERTIFICATE_NO.search(work)
    if match:
        return match.group(1).translate(_DIGIT_FIXES)
    match = _BARE_NUMBER.search(work)
    return match.group(1) if match else None


def normalize_standard(text: str) -> str | None:
    """The first standard number in `text` as `GB/T 25000.51-2016` (or `ISO/IEC 25051:2014`).

    Accepts GBT, GB/T25000…, GB／T, GB T, GB/T-25000 or GB/T.25000 (a dash or a dot read for the
    space), and any dash (—, －, –) before the year.
    """
    work = to_halfwidth(text).translate(_DASHES).translate(_SLASHES).upper()
    found = [m for pattern in (_STANDARD_NO, _ISO_NO) if (m := pattern.search(work))]
    if not found:
        return None
    match = min(found, key=lambda m: m.start())
    number = strip_spaces(match["number"])
    if match.re is _ISO_NO:
        return f"ISO{'/IEC' if match['iec'] else ''} {number}:{match['year']}"
    kind = f"/{match['kind']}" if match["kind"] else ""
    return f"{match['org']}{kind} {number}-{match['year']}"


def normalize_report_no(text: str) -> str:
    """报告编号 as printed: half-width, upper case, no spaces."""
    return strip_spaces(to_halfwidth(text)).upper()


def split_holders(text: str) -> list[str]:
    """著作权人 separated by ；;、，, or line breaks, each in company-name normal form."""
    parts = (normalize_company_name(part) for part in re.split(r"[；;、，,\n\r]+", text))
    return [part for part in parts if part]
