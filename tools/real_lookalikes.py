"""Filings one look-alike character off the paper: does a real mismatch still raise its flag?

The checks take a compared value the recogniser misread as the filed one where its own steps
bear the filed spelling out (validators/borne_out.py). The other side of that is a filing that
truly differs from the paper by the character the recogniser itself found likeliest after the
printed one (宣 for 宜): the hardest real mismatch there is. For each real licence whose name
was read as printed, each such filing is checked; `flagged` counts those that still raise
`applicant_name_mismatch`, and a filing with a character the steps did not consider (another
company) must always raise it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.filing import Filing
from core.lattice import BLANK, Lattice
from core.model import DocumentResult
from intake.pipeline.check import check_case
from tools.real_paper import TruthEntry, agreeing_filing, page_of_kind

UNLIKE = "囍"
"""A character no company name here holds, nor any step would consider: another company."""


@dataclass
class LookalikeTally:
    filings: int = 0
    """Filings one look-alike character off the printed name."""
    flagged: int = 0
    unlike_filings: int = 0
    """Filings one character off by a character no step considered."""
    unlike_flagged: int = 0
    missed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"name filed one look-alike character off the paper: flagged {self.flagged}/"
            f"{self.filings}; one unlike character off: flagged {self.unlike_flagged}/"
            f"{self.unlike_filings}"
        )


def _variants(name: str, steps: Lattice) -> list[str]:
    """`name` with one character replaced by its step's likeliest other character."""
    out = []
    for position, (i, char) in enumerate(steps.spelt()):
        others = [c for c, _ in steps.steps[i][1:] if c not in (BLANK, char)]
        if others and position < len(name) and name[position] == char:
            out.append(name[:position] + others[0] + name[position + 1 :])
    return out


def _raises_name_mismatch(filing: Filing, name: str, document: DocumentResult) -> bool:
    """Whether a filing naming its applicant `name` raises applicant_name_mismatch."""
    applicant = filing.applicant.model_copy(update={"name": name})
    other = filing.model_copy(update={"applicant": applicant})
    return any(f.code == "applicant_name_mismatch" for f in check_case(other, [document]))


def score_lookalikes(entry: TruthEntry, document: DocumentResult, tally: LookalikeTally) -> None:
    """Add one licence's look-alike and unlike filings to `tally`."""
    if entry.kind != "business_license":
        return
    page = page_of_kind(document, entry.kind)
    filing = agreeing_filing(entry)
    read = page.fields.get("name") if page is not None else None
    if filing is None or read is None or read.steps is None or read.value != entry.fields["name"]:
        return
    if read.steps.text != read.value:
        return
    name = str(read.value)
    for variant in _variants(name, read.steps):
        tally.filings += 1
        if _raises_name_mismatch(filing, variant, document):
            tally.flagged += 1
        else:
            tally.missed.append(f"{entry.path}: {variant} for {name}")
    unlike = name[:1] + UNLIKE + name[2:]
    tally.unlike_filings += 1
    tally.unlike_flagged += _raises_name_mismatch(filing, unlike, document)
