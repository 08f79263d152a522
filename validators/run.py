"""One filing's check: collect the evidence, run the cross-checks and the rules, order the flags."""

from __future__ import annotations

from dataclasses import replace

from core.filing import Filing
from core.model import DocumentResult, Flag, PageKind
from validators import (  # noqa: F401 — importing them registers their rules
    institution_rules,
    notice_rules,
    seal_rules,
)
from validators.campaign import Campaign
from validators.crosscheck import check_against_filing, take_what_the_paper_bears_out
from validators.evidence import collect_evidence
from validators.flags import dedupe_flags, load_flag_catalogue, make_flag
from validators.licence import check_licence, distrust_misread_code
from validators.rules import check_campaign_rules


def order_flags(flags: list[Flag], documents: list[DocumentResult]) -> list[Flag]:
    """Stable order: by document and page, then the contract's field order, then code order.

    Flags that point at no page (filing-only rules, missing documents) come last.
    """
    catalogue = load_flag_catalogue()
    page_position: dict[tuple[str, int], tuple[int, int, PageKind]] = {}
    for doc_index, document in enumerate(documents):
        for page_index, page in enumerate(document.pages):
            page_position.setdefault(
                (document.source, page.index), (doc_index, page_index, page.kind)
            )

    def key(flag: Flag) -> tuple[int, int, int, int]:
        position = page_position.get((flag.source, flag.page)) if flag.source is not None else None
        if position is None:
            doc_index, page_index, kind = len(documents), 0, None
        else:
            doc_index, page_index, kind = position
        return (
            doc_index,
            page_index,
            catalogue.field_rank(kind, flag.field),
            catalogue.code_rank(flag.code),
        )

    return sorted(flags, key=key)


def unreadable_documents(documents: list[DocumentResult]) -> list[Flag]:
    """A flag for each file, or page of a file, that could not be read at all."""
    flags = []
    for doc in documents:
        if doc.error:
            flag = make_flag("document_unreadable", file=doc.source, where="", reason=doc.error)
            flags.append(replace(flag, source=doc.source))
        for page in doc.pages:
            if page.error:
                flag = make_flag(
                    "document_unreadable",
                    file=doc.source,
                    where=f"第 {page.index + 1} 页",
                    reason=page.error,
                )
                flags.append(replace(flag, source=doc.source, page=page.index))
    return flags


def check_filing(filing: Filing, documents: list[DocumentResult], campaign: Campaign) -> list[Flag]:
    """Every flag of one filing against its documents and campaign (not duplicate_application)."""
    evidence = collect_evidence(documents)
    distrust_misread_code(evidence, filing)
    take_what_the_paper_bears_out(filing, evidence)
    flags = unreadable_documents(documents)
    flags += check_against_filing(filing, evidence, campaign)
    flags += check_campaign_rules(filing, evidence, documents, campaign)
    flags += check_licence(filing, evidence, documents, campaign.min_confidence)
    return order_flags(dedupe_flags(flags), documents)
