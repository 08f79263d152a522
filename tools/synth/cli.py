"""Command line of the generator: `python -m tools.synth --out DIR --split dev --count N --seed S`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.synth.arrival import QUALITIES
from tools.synth.cases import case_size, generate_bundle_case, generate_cases
from tools.synth.styles import LAYOUTS


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tools.synth",
        description="生成合成的填报表、扫描件和期望结果（ground truth）。"
        " Write synthetic filings, scans and expected.json per case.",
    )
    p.add_argument("--out", type=Path, required=True, help="output folder; one sub-folder per case")
    p.add_argument("--split", choices=("dev", "heldout"), default=None,
                   help="name pool, held-out names never occur in dev (default dev; heldout for --bundle-case)")  # fmt: skip
    p.add_argument("--count", type=int, default=15, help="number of cases (default 15)")
    p.add_argument("--seed", type=int, required=True, help="seed; same seed, same bytes")
    p.add_argument("--bundle-pages", type=int, default=None,
                   help="pages of each bundled application (default 8–16)")  # fmt: skip
    p.add_argument("--quality", choices=[q.name for q in QUALITIES], default="full",
                   help="scan resolution and JPEG quality to start from (default full)")  # fmt: skip
    p.add_argument("--max-mb", type=float, default=None,
                   help="per-case size budget in MB: lower the quality until each case fits")  # fmt: skip
    p.add_argument("--layouts", choices=LAYOUTS, default=None,
                   help="fixed: the layouts the reader was developed on; random: a layout family, "
                        "positions, spellings, spacing and fonts drawn per document "
                        "(default fixed for dev, random for heldout)")  # fmt: skip
    p.add_argument("--bundle-case", action="store_true",
                   help="write one benchmark case: a single scanned bundle of --bundle-pages (40)")  # fmt: skip
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.count < 0 or (args.bundle_pages is not None and args.bundle_pages < 1):
        print("--count 与 --bundle-pages 须为正数（must be positive）", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    if args.bundle_case:
        split = args.split or "heldout"
        paths = [
            generate_bundle_case(
                args.out, args.seed, args.bundle_pages or 40, split, args.quality, args.layouts
            )  # fmt: skip
        ]
    else:
        paths = generate_cases(args.out, args.split or "dev", args.count, args.seed, args.bundle_pages,
                               args.quality, args.max_mb, args.layouts)  # fmt: skip
    total = 0
    for path in paths:
        size = case_size(path)
        total += size
        print(f"{path}  {size / 1e6:.2f} MB")
    print(f"{len(paths)} case(s), {total / 1e6:.2f} MB")
    return 0
