"""Score the readers again on the lines an earlier `intake bench --real --dump` run read (no OCR).

Development only: OCR is the slow part of `intake bench --real`, and the field readers are pure
functions of a page's lines. This re-runs them (and the QR and certificate-number confirmations
the pipeline applies after them) on the dumped lines, so a change to the readers is measured on
the tuning part in seconds. Figures to report still come from `intake bench --real`, which reads
the images.

    python -m tools.real_rescore /tmp/tune.pkl [--split tune] [--show PATH-PART]
"""

from __future__ import annotations

import argparse
import pickle
from dataclasses import replace
from pathlib import Path

from core.model import DocumentResult, FieldValue, PageKind
from extractors import certificate_numbers, qr
from extractors.fields import extract_fields, fill_from_darkest_ink
from extractors.layout import group_rows
from intake.pipeline.check import check_case
from tools.real_lookalikes import LookalikeTally, score_lookalikes
from tools.real_paper import RealTally, agreeing_filing, load_truth, score_document

_SECOND_READINGS = ("qr_credit_code", "qr_registration_number", "has_seal", "has_signature")


def _as_read_before(found: FieldValue, before: FieldValue | None) -> FieldValue:
    """`found` with the second reading and steps its box was given when read from the image,
    where it stands in the same box (they come from the image, which is not read here)."""
    if before is None or before.box != found.box:
        return found
    return replace(found, second=before.second, steps=before.steps)


def reread(document: DocumentResult) -> DocumentResult:
    """The document with every page's fields read again from its stored lines."""
    pages = []
    for page in document.pages:
        fields = extract_fields(page.kind, page.lines)
        if page.ink_lines:
            fields = fill_from_darkest_ink(page.kind, fields, page.ink_lines)
        fields |= {k: v for k, v in page.fields.items() if k in _SECOND_READINGS}
        fields = {
            name: _as_read_before(found, page.fields.get(name)) for name, found in fields.items()
        }
        if page.kind == PageKind.BUSINESS_LICENSE:
            fields = qr.confirm_printed(fields)
        if page.kind == PageKind.COPYRIGHT_CERTIFICATE:
            fields = certificate_numbers.confirm_numbers(fields)
        pages.append(replace(page, fields=fields))
    return replace(document, pages=pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.real_rescore", description=__doc__)
    parser.add_argument("dump", type=Path)
    parser.add_argument("--split", default="tune", choices=["heldout", "tune", "all"])
    parser.add_argument("--show", help="print the rows of the documents whose path holds this")
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    args = parser.parse_args(argv)
    documents: dict[str, DocumentResult] = pickle.loads(args.dump.read_bytes())
    tally = RealTally()
    lookalikes = LookalikeTally()
    for entry in load_truth(args.split):
        if entry.path not in documents:
            continue
        document = reread(documents[entry.path])
        filing = agreeing_filing(entry)
        flags = check_case(filing, [document]) if filing is not None else None
        score_document(entry, document, tally, flags=flags)
        score_lookalikes(entry, document, lookalikes)
        if args.show and args.show in entry.path:
            for page in document.pages:
                print(f"--- {entry.path} page {page.index} {page.kind.value}")
                for r, row in enumerate(group_rows(page.lines)):
                    print(f"{r:3} {row.top:7.0f} {' | '.join(ln.text for ln in row.lines)}")
    if not args.quiet:
        for miss in tally.misses:
            print("  " + miss)
    print(
        f"{args.split}: values {tally.right}/{tally.total} ({100 * tally.accuracy():.1f}%), "
        f"no false alarm {tally.no_false_alarm}/{tally.checked_for_alarms}, "
        f"alarms {dict(tally.false_alarms)}"
    )
    for name, s in sorted(tally.fields.items()):
        print(f"  {name:45} {s.right:3}/{s.total:3}")
    print(lookalikes.summary())
    if not args.quiet:
        for miss in lookalikes.missed:
            print("  look-alike filing not flagged: " + miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
