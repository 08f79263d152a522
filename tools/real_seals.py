"""`intake bench --real --seals`: seals read on real paper (../shared/real-dev/), held-out part by default.

Each truth entry with a `seal_text` (the ring text of its document's own seal: the licence's
登记机关, the certificate's 国家版权局, the report's institution) is read as `intake check` reads it;
the seals read on the page of its kind are compared with the truth:

- exact seal text: some seal's ring text equals the truth character for character (spaces and
  character width aside);
- organisation equal: some seal's organisation (its ring text without 专用章 words) is the truth
  name after the normalisation of company names (`same_company`);
- organisation accepted: the seal rules would take it for that name (`seal_names`: OCR noise of a
  character or two, or an end not read);
- seal found: some seal's lettering was read on the page at all (the truth legible or not; a
  ring kept with its lettering unread does not count).

Entries whose seal text is not legible (truth null) count only for `seal found`. Prints the
figures per kind and overall, the seconds the seal reading adds per page, and every miss.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from core.model import DocumentResult, SealReading
from extractors.normalize import same_company, strip_spaces, to_halfwidth
from extractors.seal_text import read_seals
from intake.pipeline.read import Pipeline, PipelineOptions
from tools.real_paper import TruthEntry, load_truth, page_of_kind, real_dev_missing_reason
from validators.seal_evidence import NameMatch, organisation, seal_names

SEAL_KINDS = ("business_license", "copyright_certificate", "test_report")


def same_text(a: str, b: str) -> bool:
    return strip_spaces(to_halfwidth(a)) == strip_spaces(to_halfwidth(b))


@dataclass
class SealScore:
    documents: int = 0
    legible: int = 0
    found: int = 0
    exact: int = 0
    organisation_equal: int = 0
    organisation_accepted: int = 0


@dataclass
class SealTally:
    kinds: dict[str, SealScore] = field(default_factory=dict)
    seal_seconds: float = 0.0
    pages: int = 0
    misses: list[str] = field(default_factory=list)

    def score(self, kind: str) -> SealScore:
        return self.kinds.setdefault(kind, SealScore())

    def total(self) -> SealScore:
        out = SealScore()
        for s in self.kinds.values():
            for name in vars(out):
                setattr(out, name, getattr(out, name) + getattr(s, name))
        return out


def score_seals(entry: TruthEntry, seals: list[SealReading], tally: SealTally) -> dict:
    """Add one document's seals to `tally`; returns the line written to the log."""
    score = tally.score(entry.kind)
    score.documents += 1
    score.found += any(s.text for s in seals)
    truth = entry.seal_text
    texts = [s.text for s in seals]
    line = {"path": entry.path, "kind": entry.kind, "truth": truth, "read": texts}
    if truth is None:
        return line
    score.legible += 1
    exact = any(same_text(t, truth) for t in texts)
    equal = any(same_company(organisation(s), truth) for s in seals)
    accepted = any(seal_names(organisation(s), truth) is not NameMatch.OTHER for s in seals)
    score.exact += exact
    score.organisation_equal += equal
    score.organisation_accepted += accepted
    if not exact:
        tally.misses.append(f"{entry.path}: printed {truth!r}, read {texts}")
    line.update(exact=exact, organisation_equal=equal, organisation_accepted=accepted)
    return line


def read_entry(pipeline: Pipeline, entry: TruthEntry, tally: SealTally) -> list[SealReading]:
    """The seals of the entry's page, as the pipeline reads them; times the seal reading alone."""
    images = {}
    document: DocumentResult = pipeline.read_document(
        entry.image,
        source=entry.path,
        on_page=lambda page, image: images.__setitem__(page.index, image),
    )
    page = page_of_kind(document, entry.kind)
    tally.pages += 1
    if page is None:
        tally.misses.append(f"{entry.path}: page kind not found, seals not read")
        return []
    if images.get(page.index) is not None:
        started = time.perf_counter()
        read_seals(images[page.index], pipeline.seal_engine)
        tally.seal_seconds += time.perf_counter() - started
    return page.seals


def _pct(right: int, total: int) -> str:
    return f"{100 * right / total:5.1f}% ({right}/{total})" if total else "—"


def print_tally(tally: SealTally, split: str, entries: list[TruthEntry]) -> None:
    kinds = Counter(e.kind for e in entries)
    print(
        f"\nSeals on real paper, {split} part of tests/real/truth.yaml: {len(entries)} documents "
        f"({', '.join(f'{n} {k}' for k, n in kinds.items())}), images read from ../shared/real-dev/\n"
    )
    header = f"{'':24}{'exact seal text':>20}{'organisation equal':>22}{'org. accepted':>20}"
    print(header + f"{'seal found':>20}")
    rows = [*((k, tally.kinds[k]) for k in SEAL_KINDS if k in tally.kinds), ("all", tally.total())]
    for name, s in rows:
        print(
            f"{name:24}{_pct(s.exact, s.legible):>20}{_pct(s.organisation_equal, s.legible):>22}"
            f"{_pct(s.organisation_accepted, s.legible):>20}{_pct(s.found, s.documents):>20}"
        )
    total = tally.total()
    print(
        f"\nlegible seal texts in the truth: {total.legible} of {total.documents} documents; "
        f"seal reading {tally.seal_seconds / max(tally.pages, 1):.2f} s per page"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="intake bench --real --seals", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--split", default="heldout", choices=["heldout", "tune", "all"])
    parser.add_argument("--kinds", default=",".join(SEAL_KINDS))
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents")
    parser.add_argument("--engine", default="rapidocr")
    parser.add_argument("--log", type=Path, help="append one JSON line per document as it is read")
    parser.add_argument("--show-misses", type=int, default=60)
    args = parser.parse_args(argv)
    reason = real_dev_missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    entries = load_truth(args.split, tuple(args.kinds.split(",")))
    if args.limit:
        entries = entries[: args.limit]
    pipeline = Pipeline(PipelineOptions(engine=args.engine))
    tally = SealTally()
    for entry in entries:
        line = score_seals(entry, read_entry(pipeline, entry, tally), tally)
        if args.log:
            with args.log.open("a", encoding="utf-8") as log:
                log.write(json.dumps(line, ensure_ascii=False) + "\n")
    print_tally(tally, args.split, entries)
    if args.show_misses and tally.misses:
        print(f"\nFirst {min(args.show_misses, len(tally.misses))} of {len(tally.misses)} misses:")
        for miss in tally.misses[: args.show_misses]:
            print("  " + miss)
    return 0
