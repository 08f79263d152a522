"""The one check of a case: a filing and its read documents against the campaign's rules.

`intake check`, `intake batch`, the benchmarks and the service's re-check all call these; what
differs between them is a named parameter, never a copy of the steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from core.errors import FilingInvalid
from core.filing import Filing
from core.model import DocumentResult, Flag
from validators import check_filing
from validators.bureaus import load_bureaus
from validators.campaign import Campaign, load_campaign
from validators.crossfiling import check_across_filings

CampaignDirs = Sequence[Path] | None


@lru_cache(maxsize=64)
def _campaign(campaign_id: str, dirs: tuple[Path, ...]) -> Campaign:
    return load_campaign(campaign_id, list(dirs) or None)


def campaign_for(campaign_id: str, campaign_dirs: CampaignDirs = None) -> Campaign:
    """A campaign by id from `campaign_dirs` (default: the packaged ones), loaded once per process."""
    return _campaign(campaign_id, tuple(Path(d) for d in campaign_dirs or ()))


def campaign_of(
    filing: Filing, campaign_dirs: CampaignDirs = None, origin: str = "填报表"
) -> Campaign:
    """The filing's campaign, after checking that its bureau is one of the sixteen.

    Raises FilingInvalid (naming the field) for an unknown bureau and CampaignNotFound (naming
    the known campaigns) for an unknown campaign.
    """
    bureaus = load_bureaus()
    if filing.bureau not in bureaus:
        problem = f"「{filing.bureau}」不是受理单位代码（可选：{'、'.join(sorted(bureaus))}）"
        raise FilingInvalid(f"{origin} 字段 bureau：{problem}", [("bureau", problem)])
    return campaign_for(filing.campaign, campaign_dirs)


def check_case(
    filing: Filing,
    documents: Sequence[DocumentResult],
    campaign_dirs: CampaignDirs = None,
    *,
    awaiting_upload: bool = False,
) -> list[Flag]:
    """The flags of one filing over its own documents, in the order a clerk reads them.

    `awaiting_upload`: nothing has been uploaded yet (the service, before the first scan
    arrives), so `missing_document` is not raised — every other check runs.
    """
    flags = check_filing(filing, list(documents), campaign_of(filing, campaign_dirs))
    if awaiting_upload and not documents:
        flags = [f for f in flags if f.code != "missing_document"]
    return flags


def check_applicants(
    filings: Iterable[Filing], campaign_dirs: CampaignDirs = None
) -> dict[str, list[Flag]]:
    """Flags decided over several filings (an applicant's filings in one campaign), by filing id."""
    filings = list(filings)
    campaigns = {f.campaign: campaign_of(f, campaign_dirs) for f in filings}
    return check_across_filings(filings, campaigns)
