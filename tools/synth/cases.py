"""Write synthetic cases: filing.json, the scans, and expected.json (ground truth, never OCR)."""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from core.model import PageKind
from tools.synth.arrival import (
    QUALITIES,
    Quality,
    ScannedPage,
    Way,
    flatbed,
    photocopy,
    photograph,
    turn,
    write_scans,
)
from tools.synth.data import SPLITS, NamePools
from tools.synth.plan import WAY_CYCLE, DocumentPlan, PagePlan, plan_documents
from tools.synth.raster import write_text_pdf
from tools.synth.scenario import SCHEDULE, CaseTruth, Scenario, build_truth, scenario_for
from tools.synth.styles import layouts_for

QUALITY_BY_NAME = {q.name: q for q in QUALITIES}


@dataclass
class CasePlan:
    """Everything about one case before a pixel is drawn."""

    case_id: str
    split: str
    seed: int
    index: int
    primary: Way
    quality: Quality
    bundle_pages: int | None
    layouts: str
    truth: CaseTruth
    documents: list[DocumentPlan]


def _rng(split: str, seed: int, index: int, purpose: str) -> random.Random:
    return random.Random(f"intake.synth:{split}:{seed}:{index}:{purpose}")


def plan_case(split: str, seed: int, index: int, quality: Quality, bundle_pages: int | None = None,
              primary: Way | None = None, scenario: Scenario | None = None,
              layouts: str | None = None) -> CasePlan:  # fmt: skip
    """The deterministic plan of case `index` of (split, seed); quality changes pixels, not truth.

    layouts: `fixed` or `random`; by default dev keeps the fixed layouts, held-out draws them."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    layouts = layouts_for(split, layouts)
    scenario = scenario or scenario_for(index)
    primary = primary or WAY_CYCLE[index % len(WAY_CYCLE)]
    truth = build_truth(_rng(split, seed, index, "truth"), NamePools(split), scenario, index)
    pages = bundle_pages or _rng(split, seed, index, "pages").randint(8, 16)
    documents = plan_documents(truth, primary, quality, _rng(split, seed, index, "plan"), pages,
                               layouts)  # fmt: skip
    number = f"{index:03d}" if index >= 0 else f"bundle{pages}"  # index -1: the benchmark bundle
    case_id = f"{split}-{seed}-{number}-{scenario.name}"
    return CasePlan(
        case_id, split, seed, index, primary, quality, bundle_pages, layouts, truth, documents
    )


def _capture(page: PagePlan, document: DocumentPlan, quality: Quality) -> ScannedPage:
    rng = random.Random(page.seed)
    if page.style == "photo":
        scan = photograph(page.layout, quality.photo_long_side, page.exif_orientation, rng)
    elif page.style == "copy":
        scan = photocopy(page.layout, document.dpi, page.skew, rng)
    else:
        scan = flatbed(page.layout, document.dpi, page.skew, rng)
    return turn(scan, page.rotation)


def expected_document(document: DocumentPlan) -> dict[str, Any]:
    pages = []
    for index, page in enumerate(document.pages):
        entry: dict[str, Any] = {"index": index, "kind": page.layout.kind.value, "layout": page.layout.layout,
                                 "rotation": page.rotation}  # fmt: skip
        if page.style in ("scan", "copy"):
            entry["skew_degrees"] = page.skew
        if page.exif_orientation is not None:
            entry["exif_orientation"] = page.exif_orientation
        entry["fields"] = page.layout.fields
        pages.append(entry)
    return {"source": document.name, "arrival": document.way.value, "format": document.fmt,
            "dpi": document.dpi or None, "pages": pages}  # fmt: skip


def expected_json(plan: CasePlan) -> dict[str, Any]:
    """The case's expected.json: every page of every file, its kind and fields, and the flags."""
    used = {d.way for d in plan.documents}
    return {
        "case_id": plan.case_id,
        "split": plan.split,
        "seed": plan.seed,
        "index": plan.index,
        "quality": plan.quality.name,
        "bundle_pages": plan.bundle_pages,
        # the dev split's fixed layouts go unsaid, so the committed samples stay as they were
        **({} if (plan.split, plan.layouts) == ("dev", "fixed") else {"layouts": plan.layouts}),
        "campaign": plan.truth.scenario.campaign.id,
        "scenario": plan.truth.scenario.name,
        "filing_id": plan.truth.filing.filing_id,
        "arrival": [way.value for way in Way if way in used],
        "documents": [expected_document(d) for d in plan.documents],
        "flags": [{"code": code, "field": field} for code, field in expected_flag_keys(plan)],
    }


DEPENDENT_LICENCES = ("license_branch_", "license_partnership_", "license_individual_")
"""Randomised licence layouts (tools/synth/licenses.py) whose printed 类型 is no legal entity."""


def expected_flag_keys(plan: CasePlan) -> list[tuple[str, str | None]]:
    """The scenario's flags, and `not_independent_legal_entity` where the licence printed is a
    branch's, a partnership's or an individual's (its family is drawn with the layout)."""
    keys = {(f.code, f.field) for f in plan.truth.flags}
    printed = (
        page.layout.layout
        for document in plan.documents
        for page in document.pages
        if page.layout.kind == PageKind.BUSINESS_LICENSE
    )
    if plan.truth.scenario.campaign.independent_legal_entity and any(
        layout.startswith(DEPENDENT_LICENCES) for layout in printed
    ):
        keys.add(("not_independent_legal_entity", "company_type"))
    return sorted(keys, key=lambda k: (k[0], k[1] or ""))


def filing_json(plan: CasePlan) -> dict[str, Any]:
    return plan.truth.filing.model_dump(mode="json")


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_case(plan: CasePlan, out_dir: Path) -> Path:
    """Draw, degrade and save every file of `plan` into out_dir/<case_id>/ (replacing it)."""
    case_dir = Path(out_dir) / plan.case_id
    if case_dir.exists():
        shutil.rmtree(case_dir)
    case_dir.mkdir(parents=True)
    made = plan.truth.filing.submitted_at - timedelta(days=2, hours=3)
    jpeg_low, jpeg_high = plan.quality.jpeg_quality
    for number, document in enumerate(plan.documents):
        path = case_dir / document.name
        if document.way is Way.TEXTPDF:
            write_text_pdf([p.layout for p in document.pages], path, document.name, made)
            continue
        rng = random.Random(f"{plan.case_id}:{number}")
        scans = [_capture(page, document, plan.quality) for page in document.pages]
        quality = rng.randint(jpeg_low, jpeg_high)
        write_scans(scans, path, document.fmt, quality, made, rng, plan.quality.png_colors)
    _dump(case_dir / "filing.json", filing_json(plan))
    _dump(case_dir / "expected.json", expected_json(plan))
    return case_dir


def case_size(case_dir: Path) -> int:
    return sum(p.stat().st_size for p in case_dir.iterdir() if p.is_file())


def _ladder(quality: str) -> tuple[Quality, ...]:
    if quality not in QUALITY_BY_NAME:
        raise ValueError(f"quality must be one of {sorted(QUALITY_BY_NAME)}, not {quality!r}")
    start = [q.name for q in QUALITIES].index(quality)
    return QUALITIES[start:]


def generate_case(out_dir: Path, split: str, seed: int, index: int, bundle_pages: int | None = None,
                  quality: str = "full", max_mb: float | None = None, primary: Way | None = None,
                  scenario: Scenario | None = None, layouts: str | None = None) -> Path:  # fmt: skip
    """Write one case; with max_mb, step down the quality ladder until the case fits."""
    case_dir = Path(out_dir)
    for rung in _ladder(quality):
        plan = plan_case(split, seed, index, rung, bundle_pages, primary, scenario, layouts)
        case_dir = write_case(plan, out_dir)
        if max_mb is None or case_size(case_dir) <= max_mb * 1_000_000:
            break
    return case_dir


def generate_cases(out_dir: Path, split: str, count: int, seed: int, bundle_pages: int | None = None,
                   quality: str = "full", max_mb: float | None = None,
                   layouts: str | None = None) -> list[Path]:  # fmt: skip
    """Write cases 0..count-1 of (split, seed); the first 15 cover every flag code and every way."""
    return [
        generate_case(out_dir, split, seed, i, bundle_pages, quality, max_mb, layouts=layouts)
        for i in range(count)
    ]


def generate_bundle_case(out_dir: Path, seed: int, pages: int = 40, split: str = "heldout",
                         quality: str = "full", layouts: str | None = None) -> Path:  # fmt: skip
    """One bound application of `pages` pages as a single scanned PDF, for the benchmark."""
    scenario = SCHEDULE[random.Random(f"intake.synth:bundle:{seed}").randrange(len(SCHEDULE))]
    return generate_case(out_dir, split, seed, -1, pages, quality, None, Way.BUNDLE, scenario,
                         layouts)  # fmt: skip
