"""Cross-checks: what the licence, certificate and test report say against what the filing says."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from rapidfuzz.distance import Levenshtein

from core.filing import Filing
from core.model import Evidence, Flag, PageKind
from extractors.normalize import (
    company_key,
    credit_code_region,
    is_valid_credit_code,
    misread_of,
    normalize_credit_code,
    normalize_registration_no,
    normalize_report_no,
    normalize_software_name,
    normalize_version,
    same_company,
    split_name_version,
)
from extractors.places import repair_by_region
from extractors.values import ends_as_unit
from validators.borne_out import Printed, as_filed, as_printed_date, borne_out
from validators.campaign import Campaign
from validators.evidence import ReadStatus, read_field, unreadable_flag
from validators.flags import make_flag
from validators.licence import old_licence

Equal = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Comparison:
    """One field of a document compared with one value of the filing."""

    code: str
    kind: PageKind
    field: str
    filing_value: Any
    equal: Equal
    printed: Printed | None = None
    """How the filed value would be printed, to ask whether the paper bears it out where the
    reading says otherwise (validators/borne_out.py); None: not asked."""


@dataclass(frozen=True)
class FilingProduct:
    """The filing's product name and version in normal form (the name may carry the version)."""

    name: str
    version: str | None

    @classmethod
    def of(cls, filing: Filing) -> FilingProduct:
        name, version_in_name = split_name_version(filing.product.name)
        version = normalize_version(filing.product.version) if filing.product.version else None
        return cls(name=name, version=version or version_in_name)


def _same_date(filing_value: date, document_value: Any) -> bool:
    return filing_value.isoformat() == str(document_value).strip()


NAME_CHARS_LOST_WHEN_CODE_AGREES = 1
"""Characters OCR may have lost from a licence's name whose credit code is the filing's."""


def same_applicant_name(credit_code: str, code_agrees: bool = False) -> Equal:
    """Same company; a place name read one character away from the place the credit code
    names (沈阳 for 沭阳 under a code of 沭阳县) is a misread, not another company.

    With `code_agrees` (the licence's own credit code read, valid, and the filing's) the licence
    is the applicant's: its name read with one character missing (颢 unread, 矿 under a fold)
    is that name misread. A character read as another (云帆/云航) is still a mismatch: a
    filing can name its applicant wrongly.
    """
    try:
        region = credit_code_region(credit_code)
    except ValueError:
        region = ""

    def equal(filing_value: str, document_value: Any) -> bool:
        read = str(document_value)
        if same_company(filing_value, read) or same_company(
            filing_value, repair_by_region(read, region)
        ):
            return True
        filed_key, read_key = company_key(filing_value), company_key(read)
        return (
            code_agrees
            and len(read_key) >= 6
            and len(filed_key) - len(read_key) == NAME_CHARS_LOST_WHEN_CODE_AGREES
            and Levenshtein.distance(filed_key, read_key) == NAME_CHARS_LOST_WHEN_CODE_AGREES
        )

    return equal


def partly_read(filed: str, read: Any) -> bool:
    """Whether a name read is the filed name's beginning that stops short of ending as a unit's
    name does (中通服网盈 for 中通服网盈科技有限公司, the rest lost under a watermark): a reading
    cut off, which says nothing against the filing — a person reads the rest, it is no mismatch."""
    read_key, filed_key = company_key(str(read or "")), company_key(filed)
    return (
        len(read_key) >= 2
        and len(read_key) < len(filed_key)
        and filed_key.startswith(read_key)
        and not ends_as_unit(str(read))
    )


def licence_code_agrees(
    filing: Filing, evidence: dict[tuple[PageKind, str], Any], min_confidence: float
) -> bool:
    """Whether the licence's credit code was read surely, passes its check and is the filing's."""
    reading = read_field(evidence, PageKind.BUSINESS_LICENSE, "credit_code", min_confidence)
    if reading.status is not ReadStatus.READ:
        return False
    read = normalize_credit_code(str(reading.value))
    return is_valid_credit_code(read) and read == normalize_credit_code(
        filing.applicant.credit_code or ""
    )


def _same_credit_code(filing_value: str, document_value: Any) -> bool:
    """Equal; or a reading that fails its own check character and is the filing's code with a
    character misread or look-alikes (1/L, 0/O, …) — the same printed code, misread."""
    read = normalize_credit_code(str(document_value))
    return normalize_credit_code(filing_value) == read or misread_of(filing_value, read)


def _same_registration_no(filing_value: str, document_value: Any) -> bool:
    def normal(text: str) -> str:
        return normalize_registration_no(text) or "".join(text.split()).upper()

    return normal(filing_value) == normal(str(document_value))


def _same_report_no(filing_value: str, document_value: Any) -> bool:
    return normalize_report_no(filing_value) == normalize_report_no(str(document_value))


def same_software_name(filing_name: str, document_value: Any) -> bool:
    """Names equal in normal form, ignoring a version either side carries at its end and a
    stroke OCR read apart beside a Han character (宏川I5G for 宏川5G)."""
    document_name, _ = split_name_version(str(document_value))
    filing_bare, _ = split_name_version(filing_name)
    filed, read = normalize_software_name(filing_bare), normalize_software_name(document_name)
    return filed == read or _one_stray_stroke(filed, read)


STRAY_STROKES = "Il|丨!"
"""What OCR reads for a vertical stroke split off a glyph such as 川 or 门."""


def _one_stray_stroke(filed: str, read: str) -> bool:
    """Whether `read` is `filed` with one lone stroke added just after a Han character and not
    before a Latin letter (AI, Il: a stroke beside a letter may be part of a word)."""
    if len(read) != len(filed) + 1:
        return False
    for i, ch in enumerate(read):
        if ch in STRAY_STROKES and 0 < i and read[:i] + read[i + 1 :] == filed:
            after = read[i + 1 : i + 2]
            if "\u4e00" <= read[i - 1] <= "\u9fff" and not (after.isascii() and after.isalpha()):
                return True
    return False


def same_version(filing_version: str, document_value: Any) -> bool:
    document_version = normalize_version(str(document_value))
    return document_version is not None and document_version == normalize_version(filing_version)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def comparisons(filing: Filing, code_agrees: bool = False) -> list[Comparison]:
    """Every cross-check of the contract, with the filing's side of it; `code_agrees` as
    `licence_code_agrees` says."""
    product = FilingProduct.of(filing)
    license_, certificate, report = (
        PageKind.BUSINESS_LICENSE,
        PageKind.COPYRIGHT_CERTIFICATE,
        PageKind.TEST_REPORT,
    )
    p = filing.product
    return [
        Comparison(
            "credit_code_mismatch",
            license_,
            "credit_code",
            filing.applicant.credit_code,
            _same_credit_code,
        ),
        Comparison(
            "applicant_name_mismatch",
            license_,
            "name",
            filing.applicant.name,
            same_applicant_name(filing.applicant.credit_code, code_agrees),
            as_filed,
        ),
        Comparison(
            "established_date_mismatch",
            license_,
            "established_date",
            filing.applicant.established_date,
            _same_date,
            as_printed_date,
        ),
        Comparison(
            "software_name_mismatch",
            certificate,
            "software_name",
            p.name,
            same_software_name,
            as_filed,
        ),
        Comparison(
            "software_name_mismatch", certificate, "software_version", product.version, same_version
        ),
        Comparison(
            "development_date_mismatch",
            certificate,
            "development_completed_date",
            p.development_completed_date,
            _same_date,
            as_printed_date,
        ),
        Comparison(
            "registration_no_mismatch",
            certificate,
            "registration_no",
            p.copyright_registration_no,
            _same_registration_no,
            as_filed,
        ),
        Comparison(
            "test_report_no_mismatch", report, "report_no", p.test_report_no, _same_report_no
        ),
        Comparison(
            "test_product_mismatch", report, "product_name", p.name, same_software_name, as_filed
        ),
        Comparison(
            "test_product_mismatch", report, "product_version", product.version, same_version
        ),
    ]


def check_against_filing(
    filing: Filing, evidence: dict[tuple[PageKind, str], Evidence], campaign: Campaign
) -> list[Flag]:
    """The cross-check flags of one filing.

    A comparison is skipped when the filing has no value for it or no page of the kind was
    found; it raises unreadable_field when the page is there but the field is absent or read
    with less than the campaign's min_confidence — never a silent pass.
    """
    flags: list[Flag] = []
    old = old_licence(evidence, campaign.min_confidence) is not None
    code_agrees = licence_code_agrees(filing, evidence, campaign.min_confidence)
    for comparison in comparisons(filing, code_agrees):
        if _blank(comparison.filing_value):
            continue
        if old and comparison.field == "credit_code":
            continue  # an old licence prints no credit code: outdated_license says so
        reading = read_field(evidence, comparison.kind, comparison.field, campaign.min_confidence)
        if reading.status is ReadStatus.NO_DOCUMENT:
            continue
        if reading.status is ReadStatus.UNREADABLE:
            flags.append(unreadable_flag(reading, campaign.min_confidence, comparison.filing_value))
            continue
        if not any(comparison.equal(comparison.filing_value, v) for v in reading.values):
            if comparison.field == "name" and partly_read(comparison.filing_value, reading.value):
                reason = f"只识别出名称的开头「{reading.value}」，其余未能识别（疑被水印、折痕或遮挡覆盖）"
                flags.append(
                    unreadable_flag(
                        reading, campaign.min_confidence, comparison.filing_value, reason=reason
                    )
                )
                continue
            flags.append(
                make_flag(
                    comparison.code,
                    field=comparison.field,
                    filing=comparison.filing_value,
                    document=reading.value,
                    evidence=reading.evidence,
                )
            )
    return flags


def take_what_the_paper_bears_out(
    filing: Filing, evidence: dict[tuple[PageKind, str], Evidence]
) -> None:
    """Each compared field whose reading differs from the filing but whose recogniser's steps
    bear the filed value out (validators/borne_out.py: the filed character the close second of
    its step) is the filed value misread, and judged as it by every check: its value becomes
    the filed one, what was read stays in `raw`. So is a certificate's one copyright holder
    that the steps read as the applicant."""
    for comparison in comparisons(filing):
        found = evidence.get((comparison.kind, comparison.field))
        filed = comparison.filing_value
        if found is None or comparison.printed is None or _blank(filed):
            continue
        read = (v for v in (found.field.value, found.field.second) if v is not None)
        if any(comparison.equal(filed, v) for v in read):
            continue
        if borne_out(found.field.steps, filed, comparison.printed):
            value = filed.isoformat() if isinstance(filed, date) else filed
            evidence[(comparison.kind, comparison.field)] = replace(
                found, field=replace(found.field, value=value)
            )
    holders = evidence.get((PageKind.COPYRIGHT_CERTIFICATE, "copyright_holders"))
    if holders is None or not isinstance(holders.field.value, list | tuple):
        return
    read = holders.field.value
    same = same_applicant_name(filing.applicant.credit_code or "")
    if len(read) == 1 and not same(filing.applicant.name, read[0]):
        if borne_out(holders.field.steps, filing.applicant.name, as_filed):
            evidence[(PageKind.COPYRIGHT_CERTIFICATE, "copyright_holders")] = replace(
                holders, field=replace(holders.field, value=[filing.applicant.name])
            )
