"""Checks across filings: an applicant with more filings in one campaign than it allows."""

from __future__ import annotations

from collections import defaultdict

from core.errors import CampaignNotFound
from core.filing import Filing
from core.model import Flag
from extractors.normalize import normalize_credit_code, same_company
from validators.campaign import Campaign
from validators.flags import make_flag


def _same_applicant(a: Filing, b: Filing) -> bool:
    """Same credit code (in normal form), or names that are the same company."""
    code_a = normalize_credit_code(a.applicant.credit_code)
    code_b = normalize_credit_code(b.applicant.credit_code)
    if code_a and code_a == code_b:
        return True
    return same_company(a.applicant.name, b.applicant.name)


def applicant_groups(filings: list[Filing]) -> list[list[Filing]]:
    """Filings grouped by applicant (transitively: A~B and B~C put A, B, C together)."""
    parent = list(range(len(filings)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(filings)):
        for j in range(i + 1, len(filings)):
            if root(i) != root(j) and _same_applicant(filings[i], filings[j]):
                parent[root(j)] = root(i)
    groups: dict[int, list[Filing]] = defaultdict(list)
    for i, filing in enumerate(filings):
        groups[root(i)].append(filing)
    return list(groups.values())


def check_across_filings(
    filings: list[Filing], campaigns: dict[str, Campaign]
) -> dict[str, list[Flag]]:
    """filing_id → duplicate_application flags, for every filing given (empty list when none).

    Each filing of an applicant that has more filings in a campaign than the campaign's
    `max_products_per_applicant` gets one flag naming the applicant's other filing ids. A filing
    id given twice counts once. A filing whose campaign is not in `campaigns` is an error.
    """
    unique: dict[str, Filing] = {}
    for filing in filings:
        unique.setdefault(filing.filing_id, filing)
    flags: dict[str, list[Flag]] = {filing_id: [] for filing_id in unique}
    by_campaign: dict[str, list[Filing]] = defaultdict(list)
    for filing in unique.values():
        if filing.campaign not in campaigns:
            known = "、".join(sorted(campaigns)) or "（无）"
            raise CampaignNotFound(
                f"申报 {filing.filing_id} 的征集活动「{filing.campaign}」未提供，"
                f"已提供的有：{known}"
                f"（unknown campaign {filing.campaign!r}）"
            )
        by_campaign[filing.campaign].append(filing)
    for campaign_id, campaign_filings in by_campaign.items():
        campaign = campaigns[campaign_id]
        maximum = campaign.max_products_per_applicant
        if maximum is None:
            continue
        for group in applicant_groups(campaign_filings):
            if len(group) <= maximum:
                continue
            for filing in group:
                others = [f.filing_id for f in group if f is not filing]
                flags[filing.filing_id].append(
                    make_flag(
                        "duplicate_application",
                        field="credit_code",
                        filing=filing.applicant.credit_code,
                        applicant=filing.applicant.name,
                        campaign=campaign.title,
                        count=len(group),
                        maximum=maximum,
                        others=others,
                    )
                )
    return flags
