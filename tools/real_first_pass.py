"""`intake bench --real --first-pass`: the cheap first look over real pages (../shared/real-dev/).

In a bound report only the pages the first pass sends on are read in full; a licence it lets
pass as `other` is never read, and the filing then lacks it. Each real document of the chosen
part is looked at as a page of a bound report is (its image at 300 DPI, flattened, the first
pass's lines), and the kind it sends the page on as is compared with the document's kind.
Prints the share sent on as its own kind per kind, the misses, and seconds per look.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from intake.pipeline.read import Pipeline
from tools.real_bench import first_page_image
from tools.real_paper import SCORED_FIELDS, load_truth, real_dev_missing_reason


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="intake bench --real --first-pass", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--split", default="heldout", choices=["heldout", "tune", "all"])
    args = parser.parse_args(argv)
    reason = real_dev_missing_reason()
    if reason:
        print(f"skipped: {reason}")
        return 0
    entries = load_truth(args.split, tuple(SCORED_FIELDS))
    pipeline = Pipeline()
    _ = pipeline.triager  # models loaded before timing
    sent, total, misses, seconds = Counter(), Counter(), [], 0.0
    for entry in entries:
        image = first_page_image(entry)
        started = time.perf_counter()
        kind = pipeline.first_pass_kind(image)
        seconds += time.perf_counter() - started
        total[entry.kind] += 1
        if kind.value == entry.kind:
            sent[entry.kind] += 1
        else:
            misses.append(f"{entry.path}: sent on as {kind.value}")
    print(f"\nFirst pass, {args.split} part of tests/real/truth.yaml ({len(entries)} documents)")
    for kind, n in total.items():
        print(f"  {kind:24}{sent[kind]:>4} of {n} sent on as {kind}")
    print(f"  seconds per look        {seconds / max(len(entries), 1):.3f}")
    for miss in misses:
        print("  " + miss)
    return 0
