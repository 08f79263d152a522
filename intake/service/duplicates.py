"""duplicate_application as each bureau may see it: a clerk learns that another bureau holds a
filing of the applicant, never which; the message naming every filing is kept for reviewers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from core.model import Flag
from intake.persistence.records import FilingRecord
from intake.persistence.stored import filing_of
from intake.pipeline.check import campaign_for
from validators.crossfiling import applicant_groups
from validators.flags import make_flag

CODE = "duplicate_application"


def other_bureaus_note(count: int) -> str:
    return f"其他受理单位的 {count} 项申报"


def bureau_messages(
    records: list[FilingRecord], flags: dict[str, list[Flag]], campaign_dirs: list[Path]
) -> dict[tuple[str, int], tuple[Flag, dict[str, Any]]]:
    """(filing id, position in its flags) → the flag with a message that names only the
    filing's own bureau's filings, and the reviewers' detail (the full message and the ids).

    Only flags that name a filing of another bureau are rewritten.
    """
    by_id = {r.id: r for r in records}
    filings = [filing_of(r) for r in records]
    group_of: dict[str, list[str]] = {}
    for group in applicant_groups(filings):
        ids = [f.filing_id for f in group]
        for filing_id in ids:
            group_of[filing_id] = ids
    shown: dict[tuple[str, int], tuple[Flag, dict[str, Any]]] = {}
    for filing_id, raised in flags.items():
        record = by_id.get(filing_id)
        if record is None:
            continue
        for position, flag in enumerate(raised):
            if flag.code != CODE:
                continue
            others = [i for i in group_of.get(filing_id, []) if i != filing_id]
            elsewhere = [i for i in others if by_id[i].bureau != record.bureau]
            if not elsewhere:
                continue
            here = [i for i in others if by_id[i].bureau == record.bureau]
            filing = filing_of(record)
            campaign = campaign_for(filing.campaign, campaign_dirs)
            safe = make_flag(
                CODE,
                field=flag.field,
                filing=filing.applicant.credit_code,
                applicant=filing.applicant.name,
                campaign=campaign.title,
                count=len(others) + 1,
                maximum=campaign.max_products_per_applicant,
                others=[*here, other_bureaus_note(len(elsewhere))],
            )
            detail = {
                "message": flag.message,
                "others": [{"filing_id": i, "bureau": by_id[i].bureau} for i in others],
            }
            shown[(filing_id, position)] = (replace(flag, message=safe.message), detail)
    return shown
