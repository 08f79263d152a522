"""Real paper as the judge: the truth of ../shared/real-dev/ and how readings are scored against it.

The truth (`tests/real/truth.yaml`) names each image by its path under ../shared/real-dev/; the
images themselves never enter the repository. `score_document` compares what the pipeline read
with the truth, field by field, after the same light normalisation on both sides (spaces, width,
bracket style), and counts the false alarms a filing that agrees with the paper would raise.
Used by `intake bench --real` and by the real-paper regression test, so both measure alike.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.filing import Filing, parse_filing
from core.model import DocumentResult, Flag, PageKind, PageResult, TextLine
from extractors.normalize import find_dates, strip_spaces, to_halfwidth

ROOT = Path(__file__).resolve().parent.parent
TRUTH_PATH = ROOT / "tests" / "real" / "truth.yaml"
REAL_DEV = ROOT.parent / "shared" / "real-dev"
TEMPLATE_FILING = ROOT / "samples" / "dev-2021-000-clean" / "filing.json"

SCORED_FIELDS: dict[str, tuple[str, ...]] = {
    "business_license": (
        "credit_code",
        "registration_number",
        "name",
        "company_type",
        "legal_representative",
        "registered_capital",
        "address",
        "established_date",
        "business_term",
        "issue_date",
    ),
    "copyright_certificate": (
        "certificate_no",
        "software_name",
        "software_version",
        "copyright_holders",
        "development_completed_date",
        "first_published_date",
        "registration_no",
        "issue_date",
    ),
    "test_report": (
        "report_no",
        "product_name",
        "product_version",
        "client",
        "testing_institution",
        "issue_date",
    ),
}
DATE_FIELDS = {
    "established_date",
    "issue_date",
    "development_completed_date",
    "first_published_date",
}

FALSE_ALARM_CODES = frozenset(
    {
        "applicant_name_mismatch",
        "credit_code_mismatch",
        "established_date_mismatch",
        "software_name_mismatch",
        "development_date_mismatch",
        "registration_no_mismatch",
        "test_report_no_mismatch",
        "test_product_mismatch",
        "applicant_not_copyright_holder",
        "invalid_credit_code",
        "unreadable_field",
        "license_qr_mismatch",
        "first_published_date_mismatch",
        "certificate_numbers_inconsistent",
        "licence_seal_region_mismatch",
    }
)
"""Flags that, on a filing agreeing with the paper, can only be the reader's mistake."""


@dataclass(frozen=True)
class TruthEntry:
    path: str
    """Relative to ../shared/real-dev/."""
    kind: str
    split: str
    fields: dict[str, Any]
    layout: str | None = None
    capture: str | None = None
    seal_text: str | None = None

    @property
    def image(self) -> Path:
        return REAL_DEV / self.path

    def legible(self) -> dict[str, Any]:
        """The scored fields a person can read on the paper (truth not null)."""
        names = SCORED_FIELDS.get(self.kind, ())
        return {n: self.fields[n] for n in names if self.fields.get(n) is not None}


def real_dev_missing_reason() -> str | None:
    """Why the real documents cannot be used here, or None when they can."""
    if not REAL_DEV.is_dir():
        return f"{REAL_DEV} is absent: the real-paper tests and benchmark need ../shared/real-dev/"
    return None


@lru_cache(maxsize=1)
def _truth_file() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(TRUTH_PATH.read_text("utf-8"))


def load_truth(split: str = "heldout", kinds: tuple[str, ...] | None = None) -> list[TruthEntry]:
    """Truth entries of one split (`tune`, `heldout` or `all`), of the scored kinds by default."""
    kinds = kinds or tuple(SCORED_FIELDS)
    entries = []
    for path, e in _truth_file().items():
        if e["kind"] not in kinds or (split != "all" and e["split"] != split):
            continue
        entries.append(
            TruthEntry(
                path=path,
                kind=e["kind"],
                split=e["split"],
                fields=dict(e.get("fields") or {}),
                layout=e.get("layout"),
                capture=e.get("capture"),
                seal_text=e.get("seal_text"),
            )
        )
    return entries


# --------------------------------------------------------------------------- comparing values

_BRACKETS = str.maketrans({"(": "（", ")": "）", "[": "（", "]": "）", "【": "（", "】": "）"})


def comparable(name: str, value: Any) -> Any:
    """Both sides of a comparison in one form: no spaces, half-width, （） brackets, upper codes."""
    if value is None:
        return None
    if isinstance(value, list):
        return tuple(comparable(name, v) for v in value)
    text = to_halfwidth(strip_spaces(str(value))).translate(_BRACKETS)
    if name in {
        "credit_code",
        "registration_no",
        "report_no",
        "software_version",
        "product_version",
    }:
        text = text.upper()
    return text


def verbatim_in(name: str, truth: Any, text: str, lines: list[TextLine]) -> bool:
    """Whether raw OCR text holds the truth value as printed (the ceiling of any reader)."""
    if name in DATE_FIELDS:
        if truth == "未发表":
            return "未发表" in text
        return any(d.isoformat() == truth for line in lines for d, _, _ in find_dates(line.text))
    want = comparable(name, truth)
    if isinstance(want, tuple):
        return all(part in text for part in want)
    if name in {"software_name", "product_name"}:
        return want in text
    return want in text


def page_of_kind(document: DocumentResult, kind: str) -> PageResult | None:
    """The document's page of that kind with the most fields; None when none was found."""
    pages = [p for p in document.pages if p.kind.value == kind]
    return max(pages, key=lambda p: len(p.fields), default=None)


@dataclass
class FieldScore:
    total: int = 0
    right: int = 0
    inside_text: int = 0
    """Of the legible values, how many raw OCR text holds verbatim."""


@dataclass
class RealTally:
    documents: int = 0
    kind_right: int = 0
    fields: dict[str, FieldScore] = field(default_factory=dict)
    no_false_alarm: int = 0
    checked_for_alarms: int = 0
    false_alarms: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    pages: int = 0
    misses: list[str] = field(default_factory=list)

    def score(self, name: str) -> FieldScore:
        return self.fields.setdefault(name, FieldScore())

    @property
    def total(self) -> int:
        return sum(s.total for s in self.fields.values())

    @property
    def right(self) -> int:
        return sum(s.right for s in self.fields.values())

    @property
    def inside_text(self) -> int:
        return sum(s.inside_text for s in self.fields.values())

    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


def score_document(
    entry: TruthEntry,
    document: DocumentResult,
    tally: RealTally,
    raw_lines: list[TextLine] | None = None,
    flags: list[Flag] | None = None,
) -> None:
    """Add one document's readings (and, given `flags`, its false alarms) to `tally`."""
    tally.documents += 1
    page = page_of_kind(document, entry.kind)
    if page is not None:
        tally.kind_right += 1
    else:
        tally.misses.append(f"{entry.path}: page kind not found ({_kinds(document)})")
    raw_text = to_halfwidth(strip_spaces("".join(line.text for line in raw_lines or []))).translate(
        _BRACKETS
    )
    for name, truth in entry.legible().items():
        score = tally.score(f"{entry.kind}.{name}")
        score.total += 1
        if raw_lines is not None and verbatim_in(name, truth, raw_text, raw_lines):
            score.inside_text += 1
        read = page.fields.get(name) if page is not None else None
        got = read.value if read is not None else None
        if comparable(name, got) == comparable(name, truth):
            score.right += 1
        else:
            tally.misses.append(f"{entry.path} {name}: read {got!r}, printed {truth!r}")
    if flags is not None:
        alarms = false_alarms(entry, document, flags)
        tally.checked_for_alarms += 1
        if not alarms:
            tally.no_false_alarm += 1
        for flag in alarms:
            tally.false_alarms[flag.code] += 1
            tally.misses.append(
                f"{entry.path}: false alarm {flag.code} ({flag.field}) {flag.message}"
            )


def _kinds(document: DocumentResult) -> str:
    if document.error:
        return document.error
    return ", ".join(p.kind.value for p in document.pages) or "no pages"


def false_alarms(entry: TruthEntry, document: DocumentResult, flags: list[Flag]) -> list[Flag]:
    """Flags on this document that a reader that read the paper right would not have raised.

    A flag about a field the paper does not legibly carry (truth null) is not counted: asking a
    person there is right.
    """
    legible = entry.legible()
    out = []
    for flag in flags:
        if flag.code not in FALSE_ALARM_CODES or flag.source not in (None, document.source):
            continue
        if (
            flag.field
            and flag.field in SCORED_FIELDS.get(entry.kind, ())
            and flag.field not in legible
        ):
            continue
        out.append(flag)
    return out


# --------------------------------------------------------------------------- agreeing filings


def agreeing_filing(entry: TruthEntry) -> Filing | None:
    """A filing that says what the paper says (None when the paper lacks what a filing needs)."""
    data = json.loads(TEMPLATE_FILING.read_text("utf-8"))
    data = copy.deepcopy(data)
    f = entry.fields
    data["filing_id"] = "JS2021-320100-" + re.sub(r"\W", "", entry.path)[-8:]
    if entry.kind == "business_license":
        if not (f.get("name") and (f.get("credit_code") or f.get("registration_number"))):
            return None
        applicant = data["applicant"]
        applicant["name"] = f["name"]
        applicant["credit_code"] = f.get("credit_code") or applicant["credit_code"]
        applicant["established_date"] = f.get("established_date") or applicant["established_date"]
        data["product"]["copyright_holders"] = [f["name"]]
    elif entry.kind == "copyright_certificate":
        holders = f.get("copyright_holders") or []
        if not holders or not f.get("software_name"):
            return None
        data["applicant"]["name"] = holders[0]
        product = data["product"]
        product["name"] = f["software_name"]
        product["version"] = f.get("software_version") or product["version"]
        product["copyright_registration_no"] = f.get("registration_no") or ""
        product["copyright_certificate_no"] = f.get("certificate_no") or None
        product["copyright_holders"] = holders
        if f.get("development_completed_date"):
            product["development_completed_date"] = f["development_completed_date"]
        published = f.get("first_published_date")
        product["first_published_date"] = None if published in (None, "未发表") else published
    elif entry.kind == "test_report":
        if not f.get("client") or not f.get("product_name"):
            return None
        data["applicant"]["name"] = f["client"]
        product = data["product"]
        product["name"] = f["product_name"]
        product["version"] = f.get("product_version") or product["version"]
        product["test_report_no"] = f.get("report_no") or product["test_report_no"]
        product["testing_institution"] = (
            f.get("testing_institution") or product["testing_institution"]
        )
    return parse_filing(data, origin="真值")


def kind_of(entry: TruthEntry) -> PageKind:
    return PageKind(entry.kind)
