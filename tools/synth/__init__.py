"""Synthetic filings and scans with ground truth, for testing and benchmarking the OCR pipeline."""

from __future__ import annotations

from tools.synth.cases import generate_bundle_case, generate_case, generate_cases
from tools.synth.cli import main

__all__ = ["generate_bundle_case", "generate_case", "generate_cases", "main"]
