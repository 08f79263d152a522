"""Checks of the licence against itself: an old licence without a credit code, and its QR code.

An old licence (企业法人营业执照 and others issued before the credit code, 2015–2017) prints a
15-digit 注册号 and no 统一社会信用代码. It raises `outdated_license`; the checks of the credit
code then have no licence value to judge, so instead of an `unreadable_field` on a code that is
not printed, the cross-check with the filing is skipped and the campaign rules judge the filing's
own code (`old_licence` tells them). The QR code printed on a licence is a second reading of its
credit code: a printed code that passes its check character and differs from the QR's raises
`license_qr_mismatch` with both values.
"""

from __future__ import annotations

from dataclasses import replace

from core.filing import Filing
from core.model import DocumentResult, Evidence, Flag, PageKind
from extractors.normalize import (
    is_valid_credit_code,
    is_valid_registration_number,
    misread_of,
    normalize_credit_code,
)
from validators.evidence import ReadStatus, read_field
from validators.flags import make_flag

LICENCE = PageKind.BUSINESS_LICENSE


def distrust_misread_code(evidence: dict[tuple[PageKind, str], Evidence], filing: Filing) -> None:
    """A licence's credit code that fails its check character where the filing's passes is a
    misread, not the applicant's mistake: every licence is printed with a code that passes. Its
    confidence is set to nothing, so that the checks ask a person (`unreadable_field`, naming
    the failed check) instead of raising `credit_code_mismatch` and `invalid_credit_code` on
    characters OCR got wrong. Where the filing's code fails too, both are judged as they are.
    Where the second recogniser's reading of the code's box passes (extractors/second_reading.py),
    that reading is the code printed, and the one that fails is kept as the second.

    A reading that fails its check and stands one character from the filing's code, or differs
    from it only by look-alikes (1/L, 0/O), is the filing's code misread: the check character
    proves a character wrong, and two codes that pass their checks differ in two characters at
    least, so no other company's code is that close. It is judged as the filing's code (what
    was read stays in `raw`).
    """
    found = evidence.get((LICENCE, "credit_code"))
    if found is None or not isinstance(found.field.value, str):
        return
    if is_valid_credit_code(normalize_credit_code(found.field.value)):
        return
    second = found.field.second
    if isinstance(second, str) and is_valid_credit_code(normalize_credit_code(second)):
        read = replace(found.field, value=normalize_credit_code(second), second=found.field.value)
        evidence[(LICENCE, "credit_code")] = replace(found, field=read)
        return
    filed = normalize_credit_code(filing.applicant.credit_code or "")
    if not is_valid_credit_code(filed):
        return
    if misread_of(filed, found.field.value):
        evidence[(LICENCE, "credit_code")] = replace(found, field=replace(found.field, value=filed))
        return
    evidence[(LICENCE, "credit_code")] = replace(found, field=replace(found.field, confidence=0.0))


def old_licence(
    evidence: dict[tuple[PageKind, str], Evidence], min_confidence: float
) -> Evidence | None:
    """The 注册号 reading when the licence shows one and no credit code was read; else None."""
    if read_field(evidence, LICENCE, "credit_code", min_confidence).status is ReadStatus.READ:
        return None
    number = read_field(evidence, LICENCE, "registration_number", min_confidence)
    return number.evidence if number.status is ReadStatus.READ else None


def outdated_licence_flags(
    filing: Filing, evidence: dict[tuple[PageKind, str], Evidence], min_confidence: float
) -> list[Flag]:
    found = old_licence(evidence, min_confidence)
    if found is None:
        return []
    number = str(found.field.value)
    check = "" if is_valid_registration_number(number) else "（其校验位不正确，可能识别有误）"
    return [
        make_flag(
            "outdated_license",
            field="registration_number",
            filing=filing.applicant.credit_code,
            document=number,
            evidence=found,
            check=check,
        )
    ]


def qr_mismatch_flags(documents: list[DocumentResult], min_confidence: float) -> list[Flag]:
    """Per licence page: a well-read printed credit code that its own QR code contradicts."""
    flags = []
    for document in documents:
        if document.error:
            continue
        for page in document.pages:
            printed, qr = page.fields.get("credit_code"), page.fields.get("qr_credit_code")
            if page.kind is not LICENCE or printed is None or qr is None:
                continue
            read = normalize_credit_code(str(printed.value or ""))
            if printed.confidence < min_confidence or not is_valid_credit_code(read):
                continue  # a misread code: the credit-code checks ask a person already
            if read != qr.value:
                where = Evidence(
                    field=printed, kind=LICENCE, source=document.source, page=page.index
                )
                flags.append(
                    make_flag(
                        "license_qr_mismatch",
                        field="credit_code",
                        document=read,
                        evidence=where,
                        qr=qr.value,
                    )
                )
    return flags


def check_licence(
    filing: Filing,
    evidence: dict[tuple[PageKind, str], Evidence],
    documents: list[DocumentResult],
    min_confidence: float,
) -> list[Flag]:
    """The licence's own flags: `outdated_license`, `license_qr_mismatch`."""
    return outdated_licence_flags(filing, evidence, min_confidence) + qr_mismatch_flags(
        documents, min_confidence
    )
