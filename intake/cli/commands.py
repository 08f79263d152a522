"""What `intake check` and `intake batch` do: run the pipeline over cases and print reports."""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from core.errors import CampaignNotFound, FilingInvalid, UsageError
from core.filing import load_filing
from intake.pipeline.check import campaign_of, check_applicants, check_case
from intake.pipeline.read import Pipeline, PipelineOptions
from intake.pipeline.report import CheckReport, render_text
from validators.bureaus import load_bureaus

SCAN_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff"}


def run_check(args: argparse.Namespace) -> int:
    filing = load_filing(args.filing)
    campaign_of(filing, args.campaign_dir)
    missing = [str(p) for p in args.scans if not p.exists()]
    if missing:
        raise UsageError(f"找不到扫描件：{'、'.join(missing)}")
    pipeline = Pipeline(PipelineOptions(engine=args.engine))
    documents = [pipeline.read_document(p) for p in args.scans]
    flags = check_case(filing, documents, args.campaign_dir)
    flags += check_applicants([filing], args.campaign_dir).get(filing.filing_id, [])
    report = CheckReport(filing, documents, flags)
    print(report.to_json() if args.format == "json" else render_text(report))
    return report.exit_status


@dataclass
class Case:
    folder: Path
    filing_path: Path
    scans: list[Path]


def find_cases(directory: Path) -> list[Case]:
    """Every folder under `directory` holding a filing JSON, with the scans beside it."""
    if not directory.is_dir():
        raise UsageError(f"不是文件夹：{directory}")
    cases = []
    for filing_path in sorted(directory.rglob("*filing*.json")):
        folder = filing_path.parent
        scans = sorted(
            p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SCAN_SUFFIXES
        )
        cases.append(Case(folder, filing_path, scans))
    if not cases:
        raise UsageError(f"{directory} 下没有找到任何 filing.json")
    return cases


def run_batch(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    console = Console(stderr=True)
    cases = find_cases(args.directory)
    pipeline = Pipeline(PipelineOptions(engine=args.engine))
    reports: list[CheckReport] = []
    failures: list[tuple[Path, str]] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("核验", total=len(cases))
        for case in cases:
            progress.update(task, description=f"核验 {case.folder.name}")
            try:
                filing = load_filing(case.filing_path)
                campaign_of(filing, args.campaign_dir)
            except (FilingInvalid, UsageError, CampaignNotFound) as exc:
                failures.append((case.filing_path, exc.message))
                progress.advance(task)
                continue
            documents = [pipeline.read_document(p) for p in case.scans]
            reports.append(
                CheckReport(filing, documents, check_case(filing, documents, args.campaign_dir))
            )
            progress.advance(task)

    across = check_applicants([r.filing for r in reports], args.campaign_dir)
    for report in reports:
        report.flags.extend(across.get(report.filing.filing_id, []))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        for report in reports:
            (args.out / f"{report.filing.filing_id}.json").write_text(report.to_json(), "utf-8")

    for report in reports:
        print(render_text(report))
        print("-" * 60)
    for path, message in failures:
        print(f"✗ {path}：{message}")
    console.print(_bureau_table(reports, Table))
    if failures:
        return 2
    return 1 if any(r.exit_status for r in reports) else 0


def _bureau_table(reports: list[CheckReport], table_cls):
    bureaus = load_bureaus()
    by_bureau: dict[str, list[CheckReport]] = defaultdict(list)
    for r in reports:
        by_bureau[r.filing.bureau].append(r)
    table = table_cls(title="各受理单位汇总")
    for column in ("受理单位", "申报数", "无疑点", "有疑点", "无法核验", "主要疑点"):
        table.add_column(column)
    for code in sorted(by_bureau):
        group = by_bureau[code]
        statuses = Counter(r.status for r in group)
        flag_counts: Counter[str] = Counter(f.code for r in group for f in r.flags)
        name = bureaus[code].name if code in bureaus else code
        top = "、".join(f"{c}×{n}" for c, n in flag_counts.most_common(3))
        table.add_row(
            name,
            str(len(group)),
            str(statuses["clean"]),
            str(statuses["flagged"]),
            str(statuses["failed"]),
            top,
        )
    return table
