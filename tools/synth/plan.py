"""Which files a case's papers arrive as: documents, their pages, and how each page was captured."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.model import PageKind
from tools.synth import covers, licenses, other, render, reports
from tools.synth.arrival import Quality, Way
from tools.synth.data import JIANGSU_CITIES, NamePools
from tools.synth.layout import FontSet, PageLayout, font_set
from tools.synth.scenario import CaseTruth, years_later
from tools.synth.styles import random_fonts

WAY_CYCLE = (Way.FLATBED, Way.PHOTO, Way.TEXTPDF, Way.PHOTOCOPY, Way.BUNDLE, Way.UPSIDE_DOWN,
             Way.LOWRES, Way.TIFF)  # fmt: skip
"""Case i's main way of arriving is WAY_CYCLE[i % 8], so every 8 consecutive cases use all."""

SCAN_FONTS = (("serif_bold", "serif", "serif"), ("zenhei", "ming", "ming"),
              ("sans_bold", "sans", "sans"), ("serif_bold", "kai", "serif"))  # fmt: skip
PDF_FONTS = (
    ("zenhei", "ming", "ming"),
    ("zenhei", "microhei", "microhei"),
    ("ming", "zenhei", "ming"),
)
FORMATS = {
    Way.FLATBED: (("jpeg", "pdf", "png"), (5, 3, 1)),
    Way.PHOTOCOPY: (("jpeg", "pdf", "png"), (4, 3, 2)),
    Way.UPSIDE_DOWN: (("jpeg", "pdf"), (1, 1)),
    Way.LOWRES: (("jpeg", "png", "pdf"), (3, 1, 1)),
    Way.PHOTO: (("jpeg",), (1,)),
    Way.TEXTPDF: (("pdf",), (1,)),
    Way.TIFF: (("tiff",), (1,)),
    Way.BUNDLE: (("pdf",), (1,)),
}
STYLE = {Way.PHOTO: "photo", Way.PHOTOCOPY: "copy", Way.TEXTPDF: "text"}


@dataclass
class PagePlan:
    layout: PageLayout
    style: str
    """scan, copy, photo or text."""
    rotation: int = 0
    skew: float = 0.0
    exif_orientation: int | None = None
    seed: int = 0


@dataclass
class DocumentPlan:
    name: str
    way: Way
    fmt: str
    dpi: int
    pages: list[PagePlan] = field(default_factory=list)


@dataclass
class Unit:
    """One paper document before it is captured: its kind and rendered page layouts."""

    kind: PageKind
    stem: str
    pages: list[PageLayout]


def _fonts(rng: random.Random, for_pdf: bool) -> FontSet:
    return font_set(*rng.choice(PDF_FONTS if for_pdf else SCAN_FONTS))


def _units(truth: CaseTruth, rng: random.Random, text_kinds: set[PageKind]) -> list[Unit]:
    """The papers of the case, laid out; kinds in `text_kinds` use fonts a text PDF can embed."""
    dossier, units = truth.dossier, []
    if PageKind.BUSINESS_LICENSE in truth.present:
        variant = rng.choices(("zhengben", "fuben", "fuben_branch"), weights=(35, 45, 20))[0]
        fonts = _fonts(rng, PageKind.BUSINESS_LICENSE in text_kinds)
        units.append(Unit(PageKind.BUSINESS_LICENSE, "license",
                          [render.license_page(dossier.license, variant, fonts, rng)]))  # fmt: skip
    fonts = _fonts(rng, PageKind.COPYRIGHT_CERTIFICATE in text_kinds)
    page = render.certificate_page(dossier.certificate, rng.choice(("classic", "ruled")), rng.random() < 0.5,
                                   rng.random() < 0.5, fonts, rng)  # fmt: skip
    units.append(Unit(PageKind.COPYRIGHT_CERTIFICATE, "certificate", [page]))
    report = dossier.test_report
    if PageKind.TEST_REPORT in truth.present and report is not None:
        fonts, padded = _fonts(rng, PageKind.TEST_REPORT in text_kinds), rng.random() < 0.5
        cover = reports.report_cover(report, rng.choice(("plain", "boxed")), padded, fonts, rng)
        conclusion = reports.report_conclusion(report, padded, rng.random() < 0.5, fonts, rng)
        units.append(Unit(PageKind.TEST_REPORT, "report", [cover, conclusion]))
    for i, usage in enumerate(dossier.usage_reports):
        fonts = _fonts(rng, PageKind.USAGE_REPORT in text_kinds)
        page = reports.usage_report(
            usage, rng.choice(("letter", "form")), rng.random() < 0.5, fonts, rng
        )
        units.append(Unit(PageKind.USAGE_REPORT, f"usage{i + 1}" if i else "usage", [page]))
    return units


def _random_units(truth: CaseTruth, rng: random.Random, text_kinds: set[PageKind]) -> list[Unit]:
    """The papers of the case in layouts drawn at random: family, geometry, spellings, fonts."""
    dossier, units = truth.dossier, []
    if PageKind.BUSINESS_LICENSE in truth.present:
        page = licenses.random_license_page(
            dossier.license, rng, PageKind.BUSINESS_LICENSE in text_kinds
        )
        units.append(Unit(PageKind.BUSINESS_LICENSE, "license", [page]))
    page = covers.random_certificate_page(
        dossier.certificate, rng, PageKind.COPYRIGHT_CERTIFICATE in text_kinds
    )
    units.append(Unit(PageKind.COPYRIGHT_CERTIFICATE, "certificate", [page]))
    report = dossier.test_report
    if PageKind.TEST_REPORT in truth.present and report is not None:
        for_pdf = PageKind.TEST_REPORT in text_kinds
        cover = covers.random_report_cover(report, rng, for_pdf)
        conclusion = reports.report_conclusion(report, rng.random() < 0.5, rng.random() < 0.5,
                                               random_fonts(rng, for_pdf), rng)  # fmt: skip
        units.append(Unit(PageKind.TEST_REPORT, "report", [cover, conclusion]))
    for i, usage in enumerate(dossier.usage_reports):
        fonts = random_fonts(rng, PageKind.USAGE_REPORT in text_kinds)
        page = reports.usage_report(
            usage, rng.choice(("letter", "form")), rng.random() < 0.5, fonts, rng
        )
        units.append(Unit(PageKind.USAGE_REPORT, f"usage{i + 1}" if i else "usage", [page]))
    return units


def _page(layout: PageLayout, way: Way, rng: random.Random) -> PagePlan:
    style = STYLE.get(way, "scan")
    plan = PagePlan(layout, style, seed=rng.randrange(2**31))
    if style in ("scan", "copy"):
        plan.skew = round(
            rng.choice((-1, 1)) * rng.uniform(0.5, 3.0 if style == "scan" else 2.5), 2
        )
    if style == "photo":
        plan.exif_orientation = rng.choices((None, 1, 6, 8, 3), weights=(3, 2, 4, 1, 1))[0]
    if way is Way.UPSIDE_DOWN:
        plan.rotation = rng.choices((180, 90, 270), weights=(3, 1, 1))[0]
    return plan


def _dpi(way: Way, quality: Quality, pick: float) -> int:
    if way is Way.PHOTO:
        return 72
    if way is Way.TEXTPDF:
        return 0
    if way is Way.BUNDLE:
        return quality.bundle_dpi
    options = quality.lowres_dpi if way is Way.LOWRES else quality.scan_dpi
    return options[min(int(pick * len(options)), len(options) - 1)]


def _kinds(truth: CaseTruth) -> list[PageKind]:
    order = (PageKind.BUSINESS_LICENSE, PageKind.COPYRIGHT_CERTIFICATE, PageKind.TEST_REPORT,
             PageKind.USAGE_REPORT)  # fmt: skip
    return [kind for kind in order if kind in truth.present]


def _focus(kinds: list[PageKind], way: Way, rng: random.Random) -> list[PageKind]:
    """The papers the case's main way applies to."""
    if way is Way.FLATBED:
        return kinds
    if way is Way.TIFF:
        chosen = [k for k in kinds if k in (PageKind.COPYRIGHT_CERTIFICATE, PageKind.TEST_REPORT)]
        return (
            chosen if len(chosen) > 1 else [k for k in kinds if k is not PageKind.BUSINESS_LICENSE]
        )
    preference = {
        Way.PHOTO: (PageKind.BUSINESS_LICENSE, PageKind.COPYRIGHT_CERTIFICATE),
        Way.PHOTOCOPY: (PageKind.BUSINESS_LICENSE, PageKind.COPYRIGHT_CERTIFICATE),
        Way.TEXTPDF: (PageKind.TEST_REPORT, PageKind.USAGE_REPORT, PageKind.COPYRIGHT_CERTIFICATE),
        Way.UPSIDE_DOWN: rng.sample((PageKind.COPYRIGHT_CERTIFICATE, PageKind.TEST_REPORT), 2),
        Way.LOWRES: (PageKind.COPYRIGHT_CERTIFICATE, PageKind.TEST_REPORT),
    }
    for kind in preference[way]:
        if kind in kinds:
            return [kind]
    raise ValueError(f"no paper to capture by {way}")


def _secondary_way(kind: PageKind, rng: random.Random) -> Way:
    ways = [Way.FLATBED, Way.LOWRES, Way.PHOTO]
    weights = [6, 1, 1]
    if kind is not PageKind.USAGE_REPORT:  # a grey copy cannot show whether the seal is red
        ways.append(Way.PHOTOCOPY)
        weights.append(1)
    if kind in (PageKind.TEST_REPORT, PageKind.USAGE_REPORT):
        ways.append(Way.TEXTPDF)
        weights.append(1)
    return rng.choices(ways, weights=weights)[0]


def plan_documents(truth: CaseTruth, primary: Way, quality: Quality, rng: random.Random,
                   bundle_pages: int, layouts: str = "fixed") -> list[DocumentPlan]:  # fmt: skip
    """The files of one case; the ground truth of every page travels with its plan.

    layouts: `fixed` (the dev layouts) or `random` (see tools/synth/styles.py)."""
    units_of = _random_units if layouts == "random" else _units
    if primary is Way.BUNDLE:
        return [_bundle(truth, units_of(truth, rng, set()), quality, rng, bundle_pages)]
    kinds = _kinds(truth)
    focus = _focus(kinds, primary, rng)
    ways = {kind: primary if kind in focus else _secondary_way(kind, rng) for kind in kinds}
    if PageKind.USAGE_REPORT in ways and ways[PageKind.USAGE_REPORT] is Way.PHOTOCOPY:
        ways[PageKind.USAGE_REPORT] = Way.FLATBED
    units = units_of(truth, rng, {kind for kind, way in ways.items() if way is Way.TEXTPDF})
    documents: list[DocumentPlan] = []
    tiff: DocumentPlan | None = None
    used: set[str] = set()
    taken = truth.filing.submitted_at.date() - timedelta(days=rng.randint(1, 20))
    for unit in units:
        way = ways[unit.kind]
        formats, weights = FORMATS[way]
        fmt = rng.choices(formats, weights=weights)[0]
        dpi = _dpi(way, quality, rng.random())
        pages = [_page(layout, way, rng) for layout in unit.pages]
        if way is Way.TIFF:
            if tiff is None:
                tiff = DocumentPlan(_name("scans", "tif", used, rng, way, taken), way, "tiff", dpi)
                documents.append(tiff)
            tiff.pages.extend(pages)
        elif fmt in ("jpeg", "png") and len(pages) > 1:
            ext = "jpg" if fmt == "jpeg" else "png"
            for i, page in enumerate(pages):
                name = _name(f"{unit.stem}_{i + 1}", ext, used, rng, way, taken)
                documents.append(DocumentPlan(name, way, fmt, dpi, [page]))
        else:
            ext = {"jpeg": "jpg", "png": "png", "pdf": "pdf"}[fmt]
            documents.append(
                DocumentPlan(_name(unit.stem, ext, used, rng, way, taken), way, fmt, dpi, pages)
            )
    return documents


def _name(stem: str, ext: str, used: set[str], rng: random.Random, way: Way, taken: date) -> str:
    """A file name as clerks receive them: descriptive, scanner-numbered or a phone's IMG_…."""
    if way is Way.PHOTO:
        clock = f"{rng.randint(8, 19):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}"
        base = f"IMG_{taken:%Y%m%d}_{clock}"
    elif rng.random() < 0.25:
        base = f"scan_{rng.randint(1, 9999):04d}"
    else:
        base = stem
    name = f"{base}.{ext}"
    while name in used:
        base += "b"
        name = f"{base}.{ext}"
    used.add(name)
    return name


FILLER_LIMITS = {"pledge": 1, "description": 8, "dividers": 4, "rd": 1, "inner": 8, "honour": 3,
                 "customers": 2, "screenshot": 4, "blank": 4}  # fmt: skip
"""How many `other` pages of each sort a bundle may hold; beyond all of them, more description."""


def _fillers(count: int, has_report: bool) -> dict[str, int]:
    """Share `count` filler pages among the sorts in turn."""
    extras = dict.fromkeys(FILLER_LIMITS, 0)
    cycle = itertools.cycle(FILLER_LIMITS)
    for _ in range(count):
        key = "description"
        for _ in range(len(FILLER_LIMITS)):
            candidate = next(cycle)
            if extras[candidate] < FILLER_LIMITS[candidate] and (
                candidate != "inner" or has_report
            ):
                key = candidate
                break
        extras[key] += 1
    return extras


def _bundle(truth: CaseTruth, units: list[Unit], quality: Quality, rng: random.Random,
            target: int) -> DocumentPlan:  # fmt: skip
    """One scanned PDF of the whole bound application, padded with `other` pages to `target`."""
    app, campaign = truth.application, truth.scenario.campaign.id
    submitted = truth.filing.submitted_at.date()
    fonts = _fonts(rng, False)
    by_kind: dict[PageKind, list[PageLayout]] = {}
    for unit in units:
        by_kind.setdefault(unit.kind, []).extend(unit.pages)
    report = truth.dossier.test_report if PageKind.TEST_REPORT in by_kind else None
    core = sum(len(pages) for pages in by_kind.values()) + 3
    extras = _fillers(max(target - core, 0), report is not None)
    titles = {PageKind.BUSINESS_LICENSE: "营业执照（副本）复印件", PageKind.COPYRIGHT_CERTIFICATE: "计算机软件著作权登记证书",
              PageKind.TEST_REPORT: "软件产品检测报告", PageKind.USAGE_REPORT: "用户使用报告"}  # fmt: skip
    info = [other.info_table(app, campaign, fonts)] + [other.rd_table(app, fonts, rng)] * extras[
        "rd"
    ]
    sections: list[tuple[str, list[PageLayout]]] = [("征集信息表", info)]
    dividers = extras["dividers"]
    for kind in titles:
        if kind not in by_kind and kind is PageKind.USAGE_REPORT:
            continue
        pages: list[PageLayout] = []
        if dividers and kind in by_kind:
            pages.append(other.divider(titles[kind], fonts))
            dividers -= 1
        pages.extend(by_kind.get(kind, []))
        if kind is PageKind.TEST_REPORT and report is not None:
            pages.extend(
                other.report_inner(report, 3 + i, fonts, rng) for i in range(extras["inner"])
            )
        sections.append((titles[kind], pages))
    if extras["customers"]:
        names = [u.user_organization for u in truth.dossier.usage_reports]
        pools = NamePools(truth.split)
        names += [pools.user_organization(rng, rng.choice(JIANGSU_CITIES)) for _ in range(12)]
        tables = [
            other.customer_table(app, names[i * 8 : i * 8 + 8], fonts, rng)
            for i in range(extras["customers"])
        ]
        sections.append(("主要用户名单", tables))
    honours = [other.honour_certificate(app, years_later(submitted, -rng.randint(1, 3)), fonts, rng)
               for _ in range(extras["honour"])]  # fmt: skip
    if honours:
        sections.append(("企业资质证明", honours))
    described = [
        other.description(app, i, fonts, rng) for i in range(extras["description"] + dividers)
    ]
    described[1:1] = [other.screenshot(app, fonts, rng) for _ in range(extras["screenshot"])]
    sections.append(("产品介绍", described))
    if extras["pledge"]:
        sections.append(("承诺书", [other.pledge(app, submitted, fonts, rng)]))
    flat = [page for _, pages in sections for page in pages]
    for _ in range(extras["blank"]):
        flat.insert(rng.randint(1, len(flat)), other.blank(rng, fonts))
    entries, number = [], 3
    for title, pages in sections:
        entries.append((f"{'一二三四五六七八九十'[len(entries)]}、{title}", number))
        number += len(pages)
    flat[:0] = [other.application_cover(app, campaign, fonts, rng), other.contents(entries, fonts)]
    name = _name("bundle", "pdf", set(), rng, Way.BUNDLE, submitted)
    document = DocumentPlan(name, Way.BUNDLE, "pdf", quality.bundle_dpi)
    turned = rng.randrange(3, len(flat)) if rng.random() < 0.35 else -1
    for i, layout in enumerate(flat):
        copy = layout.kind is PageKind.BUSINESS_LICENSE and rng.random() < 0.5
        page = PagePlan(layout, "copy" if copy else "scan", seed=rng.randrange(2**31),
                        skew=round(rng.choice((-1, 1)) * rng.uniform(0.3, 2.0), 2))  # fmt: skip
        if layout.landscape:
            page.rotation = rng.choice((90, 270))
        elif i == turned:
            page.rotation = 180
        document.pages.append(page)
    return document
