"""Accuracy and speed benchmark: the full pipeline against raw RapidOCR and raw Tesseract, same pages.

`intake bench` generates held-out cases (never used for tuning), runs each mode in its own process
(so peak memory is that mode's own), and prints page-kind accuracy, exact-match field accuracy,
flag precision and recall, seconds per page and peak memory side by side; then the 40-page bundle
read with the first pass (one page at a time and on two threads), in full and by raw RapidOCR,
with CPU seconds and peak memory of each, and the memory of one 300-DPI A4 page.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.filing import load_filing
from extractors.normalize import strip_spaces, to_halfwidth
from intake.cli.commands import find_cases
from intake.pipeline.check import check_case
from intake.pipeline.read import Pipeline, PipelineOptions

MODES = {
    "pipeline": PipelineOptions(engine="rapidocr", cleanup=True, triage=True),
    "raw-rapidocr": PipelineOptions(engine="rapidocr-v4", cleanup=False, triage=False),
    "raw-tesseract": PipelineOptions(engine="tesseract", cleanup=False, triage=False),
}
CODE_AND_DATE_FIELDS = {
    "credit_code",
    "registration_no",
    "certificate_no",
    "report_no",
    "test_standard",
    "established_date",
    "issue_date",
    "development_completed_date",
    "first_published_date",
}


@dataclass
class Tally:
    pages: int = 0
    pages_right: int = 0
    fields: int = 0
    fields_right: int = 0
    codes_dates: int = 0
    codes_dates_right: int = 0
    photo_fields: int = 0
    photo_fields_right: int = 0
    flags_expected: int = 0
    flags_raised: int = 0
    flags_matched: int = 0
    seconds: float = 0.0
    pages_timed: int = 0
    peak_mb: float = 0.0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name, value in asdict(other).items():
            if isinstance(value, list):
                getattr(self, name).extend(value)
            elif name != "peak_mb":
                setattr(self, name, getattr(self, name) + value)


LOOSE_TEXT_FIELDS = {"conclusion"}
"""Free text kept as printed: compared without spaces, width or closing punctuation."""


def _loose(text: str) -> str:
    return to_halfwidth(strip_spaces(text)).rstrip("。.")


def same_value(name: str, have, want) -> bool:
    if name in LOOSE_TEXT_FIELDS and isinstance(have, str) and isinstance(want, str):
        return _loose(have) == _loose(want)
    return have == want


def peak_mb() -> float:
    """This process's peak resident memory. Not getrusage: its maximum survives exec, so a
    worker started by a big parent would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pct(right: int, total: int) -> str:
    return f"{100 * right / total:.1f}%" if total else "—"


def score_case(case_dir: Path, report_docs, flags) -> Tally:
    """Compare one case's reading with its expected.json."""
    expected = json.loads((case_dir / "expected.json").read_text("utf-8"))
    photo = "photo" in expected.get("arrival", [])
    got = {d.source: {p.index: p for p in d.pages} for d in report_docs}
    t = Tally()
    for doc in expected["documents"]:
        pages = got.get(doc["source"], {})
        for page in doc["pages"]:
            read = pages.get(page["index"])
            t.pages += 1
            if read is not None and read.kind.value == page["kind"]:
                t.pages_right += 1
            else:
                t.misses.append(
                    f"{case_dir.name}/{doc['source']}#{page['index']}: kind "
                    f"{read.kind.value if read else None} != {page['kind']}"
                )
            for name, want in page.get("fields", {}).items():
                have = read.fields.get(name) if read is not None else None
                right = have is not None and same_value(name, have.value, want)
                t.fields += 1
                t.fields_right += right
                if name in CODE_AND_DATE_FIELDS:
                    t.codes_dates += 1
                    t.codes_dates_right += right
                if photo:
                    t.photo_fields += 1
                    t.photo_fields_right += right
                if not right:
                    t.misses.append(
                        f"{case_dir.name}/{doc['source']}#{page['index']}: {name} "
                        f"{have.value if have else None!r} != {want!r}"
                    )
    want_flags = Counter((f["code"], f.get("field")) for f in expected["flags"])
    have_flags = Counter((f.code, f.field) for f in flags)
    t.flags_expected = sum(want_flags.values())
    t.flags_raised = sum(have_flags.values())
    t.flags_matched = sum((want_flags & have_flags).values())
    for code in have_flags - want_flags:
        t.misses.append(f"{case_dir.name}: extra flag {code}")
    for code in want_flags - have_flags:
        t.misses.append(f"{case_dir.name}: missed flag {code}")
    return t


def run_mode(mode: str, cases_dir: Path) -> Tally:
    pipeline = Pipeline(MODES[mode])
    total = Tally()
    for case in find_cases(cases_dir):
        filing = load_filing(case.filing_path)
        started = time.perf_counter()
        docs = [pipeline.read_document(p) for p in case.scans]
        total.seconds += time.perf_counter() - started
        total.pages_timed += sum(len(d.pages) for d in docs)
        total.add(score_case(case.folder, docs, check_case(filing, docs)))
    total.peak_mb = peak_mb()
    return total


BUNDLE_MODES = {
    "bundle-triage": PipelineOptions(triage=True),
    "bundle-triage-2": PipelineOptions(triage=True, page_workers=2),
    "bundle-full": PipelineOptions(triage=False),
    "bundle-raw": MODES["raw-rapidocr"],
}
"""The bound report read with the first pass (one page at a time, and two on two threads), in
full (every page cleaned up and read at 300 DPI) and by raw RapidOCR (every page, no clean-up)."""


def time_bundle(bundle_case: Path, options: PipelineOptions) -> dict:
    pipeline = Pipeline(options)
    _ = pipeline.triager  # load the first-pass models before timing
    case = find_cases(bundle_case)[0]
    started, cpu = time.perf_counter(), time.process_time()
    docs = [pipeline.read_document(p) for p in case.scans]
    seconds = time.perf_counter() - started
    kinds = Counter(p.kind.value for d in docs for p in d.pages)
    return {
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "peak_mb": peak_mb(),
        "load": os.getloadavg()[0],
        "pages": sum(len(d.pages) for d in docs),
        "kinds": dict(kinds),
    }


def one_page_memory(page_file: Path) -> dict:
    pipeline = Pipeline()
    started = time.perf_counter()
    pipeline.read_document(page_file)
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb()}


def a4_scan_at_300_dpi(cases: Path) -> Path:
    """A one-page 300-DPI image scan among the cases (largest image if none says 300 DPI)."""
    images = []
    for case in find_cases(cases):
        expected = json.loads((case.folder / "expected.json").read_text("utf-8"))
        for doc in expected["documents"]:
            if doc.get("format") in ("jpeg", "png") and len(doc["pages"]) == 1:
                images.append(
                    (
                        doc.get("dpi") == 300,
                        (case.folder / doc["source"]).stat().st_size,
                        case.folder / doc["source"],
                    )
                )
    if not images:
        raise RuntimeError(f"no single-page image scan under {cases}")
    return max(images)[2]


def _worker(argv: list[str]) -> int:
    task, arg, out = argv
    if task in BUNDLE_MODES:
        result = time_bundle(Path(arg), BUNDLE_MODES[task])
    elif task == "page":
        result = one_page_memory(Path(arg))
    else:
        result = asdict(run_mode(task, Path(arg)))
    Path(out).write_text(json.dumps(result, ensure_ascii=False), "utf-8")
    return 0


def _in_subprocess(task: str, arg: Path, workdir: Path) -> dict:
    out = workdir / f"{task}.json"
    subprocess.run(
        [sys.executable, "-m", "tools.bench", "--worker", task, str(arg), str(out)],
        check=True,
        env=dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2")),
    )
    return json.loads(out.read_text("utf-8"))


def main(argv: list[str] | None = None) -> int:
    if argv and argv[0] == "--worker":
        return _worker(argv[1:])
    if argv and "--real" in argv:
        from tools.real_bench import main as real_main

        return real_main([a for a in argv if a != "--real"])
    parser = argparse.ArgumentParser(prog="intake bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", type=Path, help="existing case folder (default: generate held-out)"
    )
    parser.add_argument("--count", type=int, default=24, help="held-out cases to generate")
    parser.add_argument(
        "--seed", type=int, default=731_001, help="held-out seed (never looked at while tuning)"
    )
    parser.add_argument(
        "--layouts",
        choices=("fixed", "random"),
        default="random",
        help="held-out layouts: random (drawn per document, default) or fixed (the dev layouts)",
    )
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated modes")
    parser.add_argument("--bundle-pages", type=int, default=40)
    parser.add_argument("--skip-bundle", action="store_true")
    parser.add_argument("--show-misses", type=int, default=15)
    args = parser.parse_args(argv)

    from tools.synth import generate_bundle_case, generate_cases

    workdir = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    cases = args.cases
    if cases is None:
        cases = workdir / "heldout"
        generate_cases(
            cases, split="heldout", count=args.count, seed=args.seed, layouts=args.layouts
        )
    modes = [m for m in args.modes.split(",") if m]
    results = {m: Tally(**_in_subprocess(m, cases, workdir)) for m in modes}

    rows = [
        ("page kind", lambda t: _pct(t.pages_right, t.pages)),
        ("fields exact", lambda t: _pct(t.fields_right, t.fields)),
        ("codes and dates", lambda t: _pct(t.codes_dates_right, t.codes_dates)),
        ("photographed-page fields", lambda t: _pct(t.photo_fields_right, t.photo_fields)),
        ("flag recall", lambda t: _pct(t.flags_matched, t.flags_expected)),
        ("flag precision", lambda t: _pct(t.flags_matched, t.flags_raised)),
        ("seconds per page", lambda t: f"{t.seconds / max(t.pages_timed, 1):.2f}"),
        ("peak memory (MB)", lambda t: f"{t.peak_mb:.0f}"),
    ]
    n_cases = len(find_cases(cases))
    print(f"\nHeld-out cases: {n_cases} in {cases} ({results[modes[0]].pages} pages)\n")
    print(f"{'':28}" + "".join(f"{m:>16}" for m in modes))
    for label, fmt in rows:
        print(f"{label:28}" + "".join(f"{fmt(results[m]):>16}" for m in modes))
    for m in modes:
        misses = results[m].misses
        if misses and args.show_misses:
            print(f"\n{m}: {len(misses)} misses, first {min(len(misses), args.show_misses)}:")
            for line in misses[: args.show_misses]:
                print("   ", line)

    if not args.skip_bundle:
        bundle = generate_bundle_case(
            workdir / "bundle", seed=args.seed + 7, pages=args.bundle_pages, layouts=args.layouts
        )
        runs = {mode: _in_subprocess(mode, bundle, workdir) for mode in BUNDLE_MODES}
        full, raw = runs["bundle-full"]["seconds"], runs["bundle-raw"]["seconds"]
        print(f"\n{args.bundle_pages}-page bundle ({bundle.name}), one after another:")
        for mode, run in runs.items():
            print(
                f"  {mode:16} {run['seconds']:6.1f} s (CPU {run['cpu_seconds']:6.1f} s), "
                f"to full {run['seconds'] / full:.2f}, to raw RapidOCR {run['seconds'] / raw:.2f}, "
                f"peak {run['peak_mb']:.0f} MB, load {run['load']:.1f}"
            )
        print(f"  kinds found with the first pass: {runs['bundle-triage']['kinds']}")
        page = a4_scan_at_300_dpi(cases)
        one = _in_subprocess("page", page, workdir)
        print(
            f"one page ({page.name}): {one['seconds']:.2f} s, peak memory {one['peak_mb']:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
