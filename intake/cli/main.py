"""The `intake` command: check one filing's scans, or a folder of cases, from the terminal."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from core.errors import IntakeError, UsageError
from intake.cli.source_tools import source_tool

ENGINE_NAMES = ["rapidocr", "rapidocr-v4", "rapidocr3", "tesseract"]
"""extractors.ocr.ENGINES' names, without importing the OCR models to print --help."""

EXIT_CLEAN, EXIT_FLAGGED, EXIT_ERROR = 0, 1, 2
SERVICE_COMMANDS = frozenset({"serve", "worker", "users", "db", "bench-service"})


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad arguments as a UsageError (exit 2) in Chinese and English."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"参数有误：{message}\n{self.format_usage()}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="intake", description="首版次软件产品征集材料核验")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = sub.add_parser("check", help="check one filing against its scans")
    check.add_argument("--filing", required=True, type=Path, help="filing JSON (征集信息表)")
    check.add_argument("--format", choices=["text", "json"], default="text")
    check.add_argument("--engine", choices=ENGINE_NAMES, default="rapidocr")
    check.add_argument(
        "--campaign-dir", type=Path, action="append", help="extra campaign YAML folder"
    )
    check.add_argument("scans", nargs="+", type=Path, help="PDF, JPEG, PNG or TIFF files")

    batch = sub.add_parser("batch", help="check every case folder (filing.json + scans) under DIR")
    batch.add_argument("directory", type=Path)
    batch.add_argument("--out", type=Path, help="write one <filing_id>.json report per case here")
    batch.add_argument("--engine", choices=ENGINE_NAMES, default="rapidocr")
    batch.add_argument("--campaign-dir", type=Path, action="append")

    samples = sub.add_parser("samples", help="generate synthetic sample cases")
    samples.add_argument("args", nargs="*", help="see `intake samples --help`")

    bench = sub.add_parser("bench", help="accuracy and speed benchmark on generated held-out cases")
    bench.add_argument("args", nargs="*", help="see `intake bench --help`")

    from intake.cli.serve import add_arguments as add_service_arguments

    add_service_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv and argv[0] in ("samples", "bench"):
            # Their own parsers take every option after the command word.
            tool = source_tool("tools.synth" if argv[0] == "samples" else "tools.bench")
            return tool.main(argv[1:])
        args = build_parser().parse_args(argv)
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr
        )
        if args.command == "check":
            from intake.cli.commands import run_check

            return run_check(args)
        if args.command == "batch":
            from intake.cli.commands import run_batch

            return run_batch(args)
        if args.command in SERVICE_COMMANDS:
            from intake.cli.serve import run as run_service_command

            return run_service_command(args)
    except IntakeError as exc:
        print(f"intake: {exc.message}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("intake: 已中断", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
