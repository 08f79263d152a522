"""Parsers that turn the text read for a field into the contract's normal form, by field type."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein

from extractors import normalize as nz
from extractors.company_types import known_form
from extractors.entities import organisations
from extractors.places import correct_places


@dataclass(frozen=True)
class Parsed:
    """A normal-form value, or `ok=False` when the text holds no value of the type."""

    value: Any
    ok: bool = True
    repaired: bool = False


FAILED = Parsed(None, ok=False)

_CODE_RUN = re.compile(r"[0-9A-Za-z]{16,20}")
_REPORT_NO = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-_/()（）]{3,}")


def parse_credit_code(text: str) -> Parsed:
    compact = nz.normalize_credit_code(text)
    for run in [compact, *(_CODE_RUN.findall(compact))]:
        if len(run) == 18:
            code, repaired = nz.repair_credit_code(run)
            if code:
                return Parsed(code, repaired=repaired)
    runs = [r for r in _CODE_RUN.findall(compact) if len(r) == 18]
    # Read but failing the check character: report it as printed, the rules flag it.
    return Parsed(runs[0]) if runs else FAILED


_FORMS = "有限公司|公司|合作社|工作室|经营部|事务所|研究院|研究所|中心|商行|厂|店"
_ORGANISATION_FORM = re.compile(f"(?:{_FORMS})")
"""The legal forms a company's name ends with; text after the last one may be something else."""

_SHOP_WORDS = (
    "企业|销售部|营业部|门市部|服务部|分部|支行|分行|银行|车行|旅行社|坊|馆|铺|吧"
    "|加油站|服务站|医院|诊所|药房|农场|养殖场|幼儿园"
)
"""How a branch's or a shop's name ends: whole words, never a single character an address
(…303室, …广场, …工业园, …号院) or a label (经营场所, 统一社…) ends with too."""

_UNIT_ENDING = re.compile(
    f"(?:{_FORMS}|{_SHOP_WORDS})"
    r"(?:[（(](?:个体工商户|普通合伙|有限合伙|特殊普通合伙)[）)])?"
)
"""How a unit's name ends: a legal form, or a shop's or a branch's word (…销售部, …支行,
…烘焙坊（个体工商户）)."""

_WHOLE_NAME = re.compile(r"[\u4e00-\u9fff（）()·A-Za-z0-9]{2,40}?" + _UNIT_ENDING.pattern)
_ENDS_AS_UNIT = re.compile(_UNIT_ENDING.pattern + "$")


def ends_as_unit(text: str) -> bool:
    """Whether `text` ends as a unit's name does: a legal form, or a shop's or branch's word."""
    return _ENDS_AS_UNIT.search(nz.strip_spaces(nz.to_halfwidth(text))) is not None


def is_organisation_name(text: str) -> bool:
    """Whether `text` is, whole, an organisation's name: words ending as a unit's name does
    (…有限公司, …店, …销售部)."""
    return _WHOLE_NAME.fullmatch(nz.strip_spaces(nz.to_halfwidth(text))) is not None


def is_company_form(text: str) -> bool:
    """Whether `text` is, whole, one of the forms a licence prints under 类型 (a character or
    two off, a stray mark after it at most)."""
    text = nz.normalize_company_name(nz.strip_spaces(nz.to_halfwidth(text)))
    form = known_form(text)
    if form is None or len(text) > len(form) + 2:
        return False
    return len(form) > 4 or text == form  # a short form (联营) a character off is another word


MAX_TAIL = 8
"""Characters after a name's organisational form that are a watermark or a stray word."""


def _without_tail(name: str) -> str:
    """A name ends with its organisational form (…有限公司, …厂, …店); a short run after the last
    one that opens no bracket and is no branch's or shop's name (…南京销售部) is something else
    read on the same line (a watermark, 喷绘)."""
    forms = list(_ORGANISATION_FORM.finditer(name))
    if not forms:
        return name
    end = forms[-1].end()
    tail = name[end:]
    if tail and len(tail) <= MAX_TAIL and tail[0] not in "（(" and not _ENDS_AS_UNIT.search(tail):
        return name[:end]
    return name


LEGAL_FORMS = ("有限责任公司", "股份有限公司", "有限公司")
"""The forms a misread end of a name is mended to."""


def _with_form_mended(name: str) -> tuple[str, bool]:
    """A name that ends as no unit does but one character from a legal form (…有限公可,
    …有限公 clipped at a fold) ends with that form misread; a name ending in another word
    (…有色公司) is left as read."""
    if _ENDS_AS_UNIT.search(name):
        return name, False
    for form in LEGAL_FORMS:
        for size in (len(form) - 1, len(form), len(form) + 1):
            if len(name) - size >= 2 and Levenshtein.distance(name[-size:], form) == 1:
                return name[:-size] + form, True
    return name, False


def parse_company(text: str) -> Parsed:
    # No name or company type holds a colon; one read inside comes from a spaced label.
    name = nz.normalize_company_name(correct_places(re.sub(r"[:：]", "", text)))
    name, mended = _with_form_mended(_without_tail(name))
    return Parsed(name, repaired=mended) if name else FAILED


def parse_company_type(text: str) -> Parsed:
    """A licence's 类型: the printed form it is a character or two off, else as read."""
    read = parse_company(text)
    if not read.ok:
        return read
    form = known_form(read.value)
    return Parsed(form, repaired=form != read.value) if form else read


def parse_text(text: str) -> Parsed:
    value = correct_places(nz.strip_spaces(nz.to_halfwidth(text)).strip("：:"))
    return Parsed(value) if value else FAILED


def parse_sentence(text: str) -> Parsed:
    """A statement such as 检测结论, which ends with 。; a short tail after it is seal lettering."""
    value = parse_text(text)
    if not value.ok:
        return value
    head, stop, tail = value.value.rpartition("。")
    if stop and len(tail) <= 10:
        return Parsed(head + stop)
    return value


def parse_date(text: str) -> Parsed:
    """The first date in `text`; FAILED when there is none or a digit seems lost from it.

    Print pads a date's month and day alike (2009年05月20日, 2016年1月29日): a month padded
    beside a one-digit day (2009年05月2日), or the other way round, lost a digit to OCR.
    """
    day = nz.parse_chinese_date(text)
    if day is None or _digit_lost(text):
        return FAILED
    return Parsed(day.isoformat())


_MONTH_DAY = re.compile(r"\d{4}\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})(?!\d)")


def _digit_lost(text: str) -> bool:
    """Whether the first date's month and day are padded unlike each other (05月2日, 5月02日)."""
    match = _MONTH_DAY.search(nz.to_halfwidth(text))
    if match is None:
        return False
    month, day = match.groups()
    padded = [part.startswith("0") for part in (month, day)]
    single = [len(part) == 1 for part in (month, day)]
    return (padded[0] and single[1]) or (padded[1] and single[0])


def parse_date_or_unpublished(text: str) -> Parsed:
    if "未发表" in nz.strip_spaces(text):
        return Parsed(None)
    return parse_date(text)


def parse_version(text: str) -> Parsed:
    version = nz.normalize_version(text)
    return Parsed(version) if version else FAILED


def parse_software_name(text: str) -> Parsed:
    """The name without its version; the version, if printed inside, is kept for the caller."""
    name, _version = nz.split_name_version(nz.normalize_software_name(text))
    return Parsed(name) if name else FAILED


def parse_holders(text: str) -> Parsed:
    # No holder's name holds a colon: one read between names is a misread `；`.
    holders = nz.split_holders(correct_places(re.sub(r"[:：]", "；", text)))
    return Parsed(holders) if holders else FAILED


def parse_registration_no(text: str) -> Parsed:
    value = nz.normalize_registration_no(text)
    return Parsed(value) if value else FAILED


def parse_licence_number(text: str) -> Parsed:
    """An old licence's 15-digit 注册号; one failing its MOD 11,10 check is kept as printed."""
    value = nz.normalize_registration_number(text)
    return Parsed(value) if value else FAILED


def parse_certificate_no(text: str) -> Parsed:
    value = nz.normalize_certificate_no(text)
    return Parsed(value) if value else FAILED


def parse_standard(text: str) -> Parsed:
    value = nz.normalize_standard(text)
    return Parsed(value) if value else FAILED


def parse_report_no(text: str) -> Parsed:
    match = _REPORT_NO.search(nz.to_halfwidth(text).replace(" ", ""))
    return Parsed(nz.normalize_report_no(match.group(0))) if match else FAILED


def parse_institution(text: str) -> Parsed:
    orgs = organisations(text)
    if orgs:
        return Parsed(nz.normalize_company_name(orgs[-1]))
    return parse_company(text)


PARSERS: dict[str, Callable[[str], Parsed]] = {
    "credit_code": parse_credit_code,
    "company": parse_company,
    "company_type": parse_company_type,
    "text": parse_text,
    "sentence": parse_sentence,
    "date": parse_date,
    "date_or_unpublished": parse_date_or_unpublished,
    "version": parse_version,
    "software_name": parse_software_name,
    "holders": parse_holders,
    "registration_no": parse_registration_no,
    "licence_number": parse_licence_number,
    "certificate_no": parse_certificate_no,
    "standard": parse_standard,
    "report_no": parse_report_no,
    "institution": parse_institution,
}
