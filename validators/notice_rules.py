"""The notices' conditions on who may apply and what the papers must say of themselves.

Notice 000 一（一）1 独立法人资格, 一（一）2 经营状态正常, 一（二）1 产品类别; notice 001 附件2 发布时间以软著
上的时间为准; and the certificate's own two numbers. Each rule is registered under its campaign key
(`validators/rule_registry.py`) with its parameters as data in the campaign YAML.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.model import Flag, PageKind
from extractors.certificate_numbers import agreement
from extractors.normalize import normalize_credit_code, strip_spaces, to_halfwidth
from validators.evidence import ReadStatus, is_empty, unreadable_flag
from validators.flags import make_flag
from validators.licence import old_licence
from validators.rule_registry import campaign_rule
from validators.rules import RuleInput, as_date


class LegalEntityRule(BaseModel):
    """`independent_legal_entity`: what on a licence shows that its holder is no 独立法人."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type_words: dict[str, str] = Field(min_length=1)
    """A word in the licence's 类型 → what that makes the holder (分公司 → 分支机构)."""
    name_endings: dict[str, str] = Field(default_factory=dict)
    """The end of a 名称 → what it makes the holder (…分公司 → 分支机构)."""
    credit_code_categories: dict[str, str] = Field(default_factory=dict)
    """The credit code's first two characters (登记管理部门 and 机构类别) → what it makes the holder."""


@dataclass(frozen=True)
class _Finding:
    form: str
    """What the holder is, e.g. 个体工商户."""
    shown_by: str
    """What shows it, for the message: 类型「…」, 统一社会信用代码「…」(第二位 2)."""
    field: str
    value: Any
    evidence: Any = None
    from_filing: bool = False


def _word_in(text: str, words: dict[str, str]) -> str | None:
    folded = strip_spaces(to_halfwidth(text))
    for word, form in words.items():
        if word in folded:
            return form
    return None


def _ending_of(text: str, endings: dict[str, str]) -> str | None:
    folded = strip_spaces(to_halfwidth(text)).rstrip(")）")
    folded = re.sub(r"[(（][^()（）]*$", "", folded)
    for ending, form in endings.items():
        if folded.endswith(ending):
            return form
    return None


def _not_legal_entity(rule_input: RuleInput, rule: LegalEntityRule) -> _Finding | None:
    """The first sign that the applicant is no independent legal entity, licence before filing."""
    company_type = rule_input.read(PageKind.BUSINESS_LICENSE, "company_type")
    if company_type.status is ReadStatus.READ:
        form = _word_in(str(company_type.value), rule.type_words)
        if form:
            return _Finding(form, "类型", "company_type", company_type.value, company_type.evidence)
    name = rule_input.read(PageKind.BUSINESS_LICENSE, "name")
    if name.status is ReadStatus.READ:
        form = _ending_of(str(name.value), rule.name_endings)
        if form:
            return _Finding(form, "名称", "name", name.value, name.evidence)
    filing_name = rule_input.filing.applicant.name
    form = _ending_of(filing_name, rule.name_endings)
    if form:
        return _Finding(form, "填报的申报单位名称", "name", filing_name, from_filing=True)
    code = rule_input.read(PageKind.BUSINESS_LICENSE, "credit_code")
    old = old_licence(rule_input.evidence, rule_input.campaign.min_confidence) is not None
    if code.status is ReadStatus.READ and not old:
        value, evidence, shown_by = str(code.value), code.evidence, "统一社会信用代码"
    else:
        value, evidence, shown_by = (
            rule_input.filing.applicant.credit_code,
            None,
            "填报的统一社会信用代码",
        )
    category = normalize_credit_code(value)[:2]
    form = rule.credit_code_categories.get(category)
    if form and len(normalize_credit_code(value)) == 18:
        return _Finding(
            form,
            f"{shown_by}（前两位 {category}）",
            "credit_code",
            value,
            evidence,
            evidence is None,
        )
    return None


@campaign_rule(
    "independent_legal_entity", "not_independent_legal_entity", setting=LegalEntityRule | None
)
def _rule_legal_entity(rule_input: RuleInput, flags: list[Flag]) -> None:
    rule: LegalEntityRule = rule_input.campaign.setting("independent_legal_entity")
    found = _not_legal_entity(rule_input, rule)
    if found is None:
        return
    flags.append(
        make_flag(
            "not_independent_legal_entity",
            field=found.field,
            filing=found.value if found.from_filing else None,
            document=None if found.from_filing else found.value,
            evidence=found.evidence,
            kind=PageKind.BUSINESS_LICENSE,
            shown_by=found.shown_by,
            value=found.value,
            form=found.form,
        )
    )


_DATE = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})")
_UNLIMITED = ("长期", "永久", "不约定", "无固定期限", "永续")


def business_term_end(text: str) -> date | None | str:
    """The last day of a printed 营业期限: a date; "unlimited" (长期); None when it cannot be told.

    `2013年09月09日至2043年09月08日` → 2043-09-08; `2013年9月9日至长期` → "unlimited"; a term
    with no date after 至 (a blank end, or one not read) → None.
    """
    folded = strip_spaces(to_halfwidth(text))
    _, sep, after = folded.partition("至")
    end_part = after if sep else ""
    if any(word in (end_part or folded) for word in _UNLIMITED):
        return "unlimited"
    dates = _DATE.findall(end_part)
    if not dates:
        return None
    year, month, day = dates[-1]
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


@campaign_rule("business_term_must_be_current", "business_term_expired", setting=bool | None)
def _rule_business_term(rule_input: RuleInput, flags: list[Flag]) -> None:
    """The licence's 营业期限 must not have ended before the campaign's deadline.

    Judged only on a confident reading: a term not printed (个体工商户), one that runs 长期 or
    one whose end cannot be told raises nothing; a person sees the term on the review page.
    """
    deadline = rule_input.campaign.deadline
    term = rule_input.read(PageKind.BUSINESS_LICENSE, "business_term")
    if deadline is None or term.status is not ReadStatus.READ:
        return
    end = business_term_end(str(term.value))
    day = deadline.date()
    if isinstance(end, date) and end < day:
        flags.append(
            make_flag(
                "business_term_expired",
                field="business_term",
                document=term.value,
                evidence=term.evidence,
                end=end,
                deadline=day,
            )
        )


def category_key(text: str) -> str:
    """A category with width, spacing and letter case folded away: `5G 相关软件` = `5g相关软件`."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


@campaign_rule("eligible_categories", "category_not_eligible", setting=tuple[str, ...] | None)
def _rule_category(rule_input: RuleInput, flags: list[Flag]) -> None:
    eligible: tuple[str, ...] = rule_input.campaign.setting("eligible_categories")
    category = rule_input.filing.product.category
    listed = "、".join(eligible)
    if is_empty(category):
        problem = f"填报信息中未填写产品类别，须为以下之一：{listed}"
    elif category_key(category) in {category_key(c) for c in eligible}:
        return
    else:
        problem = (
            f"填报的产品类别「{category}」不是通知列出的类别（{listed}），"
            "请核实是否属于通知所指的高端软件或行业应用软件"
        )
    flags.append(
        make_flag("category_not_eligible", field="category", filing=category, problem=problem)
    )


@campaign_rule(
    "first_published_date_from_certificate", "first_published_date_mismatch", setting=bool | None
)
def _rule_first_published(rule_input: RuleInput, flags: list[Flag]) -> None:
    """The filed 发布时间 is the certificate's 首次发表日期 (a certificate saying 未发表 reads null)."""
    filed = rule_input.filing.product.first_published_date
    if filed is None:
        return
    reading = rule_input.read(PageKind.COPYRIGHT_CERTIFICATE, "first_published_date")
    if reading.status is ReadStatus.NO_DOCUMENT:
        return
    if reading.status is ReadStatus.UNREADABLE:
        flags.append(unreadable_flag(reading, rule_input.campaign.min_confidence, filed))
        return
    printed = as_date(reading.value) if reading.value is not None else None
    if printed == filed:
        return
    flags.append(
        make_flag(
            "first_published_date_mismatch",
            field="first_published_date",
            filing=filed,
            document=reading.value if reading.value is not None else "未发表",
            evidence=reading.evidence,
        )
    )


@campaign_rule(
    "certificate_numbers_must_agree", "certificate_numbers_inconsistent", setting=bool | None
)
def _rule_certificate_numbers(rule_input: RuleInput, flags: list[Flag]) -> None:
    """证书号 and 登记号 as read from one certificate must fit their year's offset.

    Both must be read with confidence and the year's offset known; anything less says nothing.
    """
    kind = PageKind.COPYRIGHT_CERTIFICATE
    certificate = rule_input.read(kind, "certificate_no")
    registration = rule_input.read(kind, "registration_no")
    if certificate.status is not ReadStatus.READ or registration.status is not ReadStatus.READ:
        return
    where = (certificate.evidence.source, certificate.evidence.page)
    if where != (registration.evidence.source, registration.evidence.page):
        return  # read from two certificates: their numbers need not fit each other
    found = agreement(certificate.value, registration.value)
    if found is None or not found.known or found.agrees:
        return
    flags.append(
        make_flag(
            "certificate_numbers_inconsistent",
            field="certificate_no",
            document=found.certificate_no,
            evidence=certificate.evidence,
            registration_no=found.registration_no,
            year=found.year,
            expected=found.expected,
        )
    )
