"""`intake bench --real`: the readers on real paper (../shared/real-dev/), held-out part by default.

Prints, per field, exact accuracy of the full pipeline beside raw RapidOCR's verbatim ceiling on
the same images (the share of legible values that its plain text holds character for character),
the share of documents with no false alarm on a filing that agrees with the paper, the QR decode
rate, and seconds per page (pipeline against raw RapidOCR, each timed over the same images).
With `--seals`, the seals instead (tools/real_seals.py); with `--first-pass`, the first pass's
look (tools/real_first_pass.py).
"""

from __future__ import annotations

import argparse
import pickle
import time
from collections import Counter
from pathlib import Path

from core.model import DocumentResult
from extractors.ocr import get_engine
from intake.pipeline.check import check_case
from intake.pipeline.read import Pipeline, PipelineOptions
from intake.pipeline.sources import open_source
from tools.bench import peak_mb
from tools.real_lookalikes import LookalikeTally, score_lookalikes
from tools.real_paper import (
    SCORED_FIELDS,
    RealTally,
    TruthEntry,
    agreeing_filing,
    load_truth,
    page_of_kind,
    real_dev_missing_reason,
    score_document,
)
from tools.real_regions import RegionTally


def read_entries(
    entries: list[TruthEntry],
    pipeline: Pipeline,
    with_raw: bool = False,
    keep: dict[str, DocumentResult] | None = None,
    lookalikes: LookalikeTally | None = None,
) -> tuple[RealTally, float]:
    """Read every entry with the pipeline, score it; with `with_raw`, also raw RapidOCR's text.

    Returns the tally and the seconds raw RapidOCR took over the same images; `keep`, when
    given, receives each document read (by path), for looking at the lines afterwards;
    `lookalikes`, filings one look-alike character off each licence's name, checked.
    """
    tally = RealTally()
    raw_engine = get_engine("rapidocr-v4") if with_raw else None
    raw_seconds = 0.0
    for entry in entries:
        started = time.perf_counter()
        document = pipeline.read_document(entry.image, source=entry.path)
        tally.seconds += time.perf_counter() - started
        tally.pages += max(len(document.pages), 1)
        if keep is not None:
            keep[entry.path] = document
        raw_lines = None
        if raw_engine is not None:
            raw_lines, seconds = _raw_read(entry, raw_engine)
            raw_seconds += seconds
        flags = _flags_on_agreeing_filing(entry, document)
        score_document(entry, document, tally, raw_lines=raw_lines, flags=flags)
        if lookalikes is not None:
            score_lookalikes(entry, document, lookalikes)
    return tally, raw_seconds


def first_page_image(entry: TruthEntry):
    """The entry's first page at 300 DPI, as the pipeline renders it."""
    doc = open_source(entry.image)
    try:
        return doc.page(0, dpi=300).image
    finally:
        doc.close()


def _raw_read(entry: TruthEntry, engine):
    image = first_page_image(entry)
    started = time.perf_counter()
    lines = engine.read(image)
    return lines, time.perf_counter() - started


def _flags_on_agreeing_filing(entry: TruthEntry, document: DocumentResult):
    filing = agreeing_filing(entry)
    if filing is None:
        return None
    return check_case(filing, [document])


def _print_regions(entries: list[TruthEntry], documents: dict[str, DocumentResult]) -> None:
    from PIL import Image

    regions = RegionTally()
    for entry in entries:
        label_file = entry.image.with_suffix(".txt")
        if entry.kind != "business_license" or not label_file.exists():
            continue
        with Image.open(entry.image) as image:
            width, height = image.size
        regions.add(documents[entry.path], label_file, width, height)
    print(
        f"\nEvidence box inside its hand-drawn region (YOLO boxes), {regions.comparable} of "
        f"{regions.documents} licences comparable (stored unturned at the image's size):"
    )
    for name, (inside, total) in regions.inside.items():
        print(f"  {name:26}{_pct(inside, total):>22}")


def _print_qr(entries: list[TruthEntry], kept: dict[str, DocumentResult]) -> None:
    """Licences whose QR code gave a credit code (or 注册号), and how many equal the truth."""
    licences = [e for e in entries if e.kind == "business_license"]
    if not licences:
        return
    read = agree = 0
    for entry in licences:
        page = page_of_kind(kept[entry.path], entry.kind) if entry.path in kept else None
        fields = page.fields if page is not None else {}
        for printed, in_qr in (
            ("credit_code", "qr_credit_code"),
            ("registration_number", "qr_registration_number"),
        ):
            if in_qr in fields:
                read += 1
                agree += fields[in_qr].value == entry.fields.get(printed)
                break
    print(
        f"QR code with a code        {_pct(read, len(licences))} of licences, {agree} equal the printed truth"
    )


def _pct(right: int, total: int) -> str:
    return f"{100 * right / total:5.1f}% ({right}/{total})" if total else "—"


def main(argv: list[str] | None = None) -> int:
    if argv and "--first-pass" in argv:
        from tools.real_first_pass import main as first_pass_main

        return first_pass_main([a for a in argv if a != "--first-pass"])
    if argv and "--seals" in argv:
        from tools.real_seals import main as seals_main

        return seals_main([a for a in argv if a != "--seals"])
    parser = argparse.ArgumentParser(
        prog="intake bench --real", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--split", default="heldout", choices=["heldout", "tune", "all"])
    parser.add_argument("--kinds", default=",".join(SCORED_FIELDS))
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents")
    parser.add_argument("--engine", default="rapidocr")
    parser.add_argument("--show-misses", type=int, default=40)
    parser.add_argument("--dump", type=Path, help="pickle the documents read to this file")
    parser.add_argument(
        "--regions", action="store_true", help="also: evidence boxes inside the YOLO field regions"
    )
    args = parser.parse_args(argv)
    reason = real_dev_missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    entries = load_truth(args.split, tuple(args.kinds.split(",")))
    if args.limit:
        entries = entries[: args.limit]
    pipeline = Pipeline(PipelineOptions(engine=args.engine))
    kept: dict[str, DocumentResult] = {}
    lookalikes = LookalikeTally()
    tally, raw_seconds = read_entries(
        entries, pipeline, with_raw=True, keep=kept, lookalikes=lookalikes
    )
    if args.dump:
        args.dump.write_bytes(pickle.dumps(kept))
    kinds = Counter(e.kind for e in entries)
    print(
        f"\nReal paper, {args.split} part of tests/real/truth.yaml: {len(entries)} documents "
        f"({', '.join(f'{n} {k}' for k, n in kinds.items())}), {tally.pages} pages, "
        f"images read from ../shared/real-dev/\n"
    )
    print(f"{'field':28}{'pipeline exact':>22}{'raw RapidOCR verbatim':>26}")
    for kind, names in SCORED_FIELDS.items():
        for name in names:
            s = tally.fields.get(f"{kind}.{name}")
            if not s or kinds[kind] == 0:
                continue
            print(f"{name:28}{_pct(s.right, s.total):>22}{_pct(s.inside_text, s.total):>26}")
    print(
        f"{'all legible values':28}{_pct(tally.right, tally.total):>22}{_pct(tally.inside_text, tally.total):>26}"
    )
    print(f"\npage kind found            {_pct(tally.kind_right, tally.documents)}")
    print(
        f"no false alarm (agreeing filing) {_pct(tally.no_false_alarm, tally.checked_for_alarms)}"
        + (f"  — {dict(tally.false_alarms)}" if tally.false_alarms else "")
    )
    print(lookalikes.summary())
    _print_qr(entries, kept)
    per_page = tally.seconds / max(tally.pages, 1)
    raw_per_page = raw_seconds / max(len(entries), 1)
    print(
        f"seconds per page           pipeline {per_page:.2f}, raw RapidOCR {raw_per_page:.2f}"
        f" (ratio {per_page / raw_per_page if raw_per_page else 0:.2f})"
    )
    print(
        f"peak memory                {peak_mb():.0f} MB (pipeline and raw RapidOCR in one process)"
    )
    if args.regions:
        _print_regions(entries, kept)
    if args.show_misses:
        print(f"\nFirst {min(args.show_misses, len(tally.misses))} of {len(tally.misses)} misses:")
        for miss in tally.misses[: args.show_misses]:
            print("  " + miss)
    return 0
