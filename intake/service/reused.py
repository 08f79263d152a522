"""reused_scan: one sheet of paper in the filings of two applicants of a campaign.

Each page of the four documents carries a fingerprint (extractors/fingerprint.py) and its MinHash
bands (`page_bands`, indexed), so that a page's candidates are found by index, not by a scan of
the campaign. A candidate is the same paper when the campaign's `reused_scan` thresholds hold.
The flag goes on both filings; a clerk reads that another bureau holds such a filing, never
which; reviewers see which (the flag's detail).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.model import Evidence, FieldValue, Flag, PageFingerprint, PageKind
from core.states import FlagStatus
from extractors.fingerprint import text_bands
from intake.persistence.records import (
    DocumentRecord,
    FilingRecord,
    FlagRecord,
    PageBand,
    PageRecord,
)
from intake.pipeline.check import campaign_for
from intake.service.duplicates import other_bureaus_note
from intake.service.recheck import (
    REUSED_POSITION,
    SYSTEM,
    lock_filing,
    refresh_status,
    upsert_flags,
)
from intake.service.scope import Scope
from validators.bureaus import load_bureaus
from validators.campaign import SamePaperRule
from validators.flags import make_flag

CODE = "reused_scan"


@dataclass(frozen=True)
class FiledPage:
    """A page with a fingerprint, and whose filing it is in."""

    page_id: int
    filing_id: str
    bureau: str
    applicant_keys: tuple[str, str]
    source: str
    index: int
    kind: PageKind
    fingerprint: PageFingerprint

    def same_applicant(self, other: FiledPage) -> bool:
        return any(a and a == b for a, b in zip(self.applicant_keys, other.applicant_keys))


def add_bands(session: Session, page: PageRecord) -> None:
    """The stored page's MinHash bands (they go with the page: ON DELETE CASCADE)."""
    if page.fingerprint:
        for band in text_bands(PageFingerprint.from_text(page.fingerprint)):
            session.add(PageBand(page_id=page.id, band=band))


def _filed_pages(session: Session, condition) -> list[FiledPage]:
    rows = session.execute(
        select(PageRecord, DocumentRecord.source, FilingRecord)
        .join(DocumentRecord, PageRecord.document_id == DocumentRecord.id)
        .join(FilingRecord, DocumentRecord.filing_id == FilingRecord.id)
        .where(PageRecord.fingerprint.is_not(None), condition)
    )
    return [
        FiledPage(
            page_id=page.id,
            filing_id=filing.id,
            bureau=filing.bureau,
            applicant_keys=(filing.credit_code_key or "", filing.name_key or ""),
            source=source,
            index=page.index,
            kind=PageKind(page.kind),
            fingerprint=PageFingerprint.from_text(page.fingerprint),
        )
        for page, source, filing in rows
    ]


def _matches(
    session: Session, campaign: str, pages: list[FiledPage], rule: SamePaperRule
) -> dict[int, list[FiledPage]]:
    """page id → the other applicants' pages of the campaign that are the same paper."""
    bands = {page.page_id: text_bands(page.fingerprint) for page in pages}
    wanted = {band for values in bands.values() for band in values}
    if not wanted:
        return {}
    candidate_ids = set(
        session.scalars(select(PageBand.page_id).where(PageBand.band.in_(sorted(wanted))))
    )
    candidate_ids -= set(bands)
    if not candidate_ids:
        return {}
    candidates = _filed_pages(
        session,
        PageRecord.id.in_(sorted(candidate_ids)) & (FilingRecord.campaign == campaign),
    )
    found: dict[int, list[FiledPage]] = defaultdict(list)
    for page in pages:
        for other in candidates:
            if (
                other.kind is page.kind
                and other.filing_id != page.filing_id
                and not page.same_applicant(other)
                and rule.same(page.fingerprint, other.fingerprint)
            ):
                found[page.page_id].append(other)
    return found


def _flag(page: FiledPage, others: list[FiledPage], viewer_bureau: str) -> tuple[Flag, dict]:
    """The flag as the filing's bureau reads it, and the reviewers' detail naming every filing."""
    here = sorted({o.filing_id for o in others if o.bureau == viewer_bureau})
    elsewhere = {o.filing_id for o in others if o.bureau != viewer_bureau}
    named = [f"本单位受理的申报 {filing_id}" for filing_id in here]
    if elsewhere:
        named.append(other_bureaus_note(len(elsewhere)))
    evidence = Evidence(
        field=FieldValue(name="page", value=None, raw=None, confidence=1.0, box=None),
        kind=page.kind,
        source=page.source,
        page=page.index,
    )
    bureaus = load_bureaus()
    every = sorted({(o.filing_id, o.bureau) for o in others})
    for_reviewers = "、".join(
        f"申报 {filing_id}（{bureaus[b].name if b in bureaus else b}）" for filing_id, b in every
    )
    detail = {
        "message": make_flag(CODE, evidence=evidence, others=for_reviewers).message,
        "others": [
            {"filing_id": o.filing_id, "bureau": o.bureau, "source": o.source, "page": o.index}
            for o in sorted(others, key=lambda o: (o.filing_id, o.source, o.index))
        ],
    }
    return make_flag(CODE, evidence=evidence, others="、".join(named)), detail


def _flagged_with(session: Session, campaign: str, filing_id: str) -> set[str]:
    """Filings whose standing reused_scan flag names `filing_id` (to be re-judged with it)."""
    rows = session.execute(
        select(FlagRecord.filing_id, FlagRecord.detail)
        .join(FilingRecord, FlagRecord.filing_id == FilingRecord.id)
        .where(
            FlagRecord.code == CODE,
            FlagRecord.status != FlagStatus.RESOLVED,
            FilingRecord.campaign == campaign,
        )
    )
    return {
        owner
        for owner, detail in rows
        if any(o.get("filing_id") == filing_id for o in (detail or {}).get("others", []))
    }


def recheck_reused_scans(
    session: Session, filing_id: str, campaign_dirs: list[Path], actor: Scope = SYSTEM
) -> None:
    """reused_scan on the filing and on every filing that shares a sheet with it, before or now.

    Rows are locked in id order; call it in its own transaction (after the filing's own
    re-check has committed), so that two workers cannot wait on each other.
    """
    record = session.get(FilingRecord, filing_id)
    if record is None:
        return
    rule = campaign_for(record.campaign, campaign_dirs).reused_scan
    if rule is None:
        return
    involved = {filing_id} | _flagged_with(session, record.campaign, filing_id)
    mine = _filed_pages(session, DocumentRecord.filing_id == filing_id)
    for others in _matches(session, record.campaign, mine, rule).values():
        involved.update(o.filing_id for o in others)
    for target_id in sorted(involved):
        target = lock_filing(session, target_id)
        if target is None:
            continue
        pages = _filed_pages(session, DocumentRecord.filing_id == target_id)
        matches = _matches(session, target.campaign, pages, rule)
        shown = [_flag(p, matches[p.page_id], target.bureau) for p in pages if p.page_id in matches]
        by_source = {
            d.source: d
            for d in session.scalars(
                select(DocumentRecord).where(DocumentRecord.filing_id == target_id)
            )
        }
        upsert_flags(
            session,
            target,
            [flag for flag, _ in shown],
            by_source,
            governs=lambda code: code == CODE,
            first_position=REUSED_POSITION,
            actor=actor,
            details=[detail for _, detail in shown],
        )
        refresh_status(session, target)
