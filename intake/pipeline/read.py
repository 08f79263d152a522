"""The check pipeline: stored file → pages → clean-up → OCR lines → fields with evidence → flags."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from core.errors import DocumentUnreadable, OcrEngineUnavailable
from core.model import (
    CleanPage,
    DocumentResult,
    PageImage,
    PageKind,
    PagePart,
    PageResult,
    TextLine,
)
from extractors import (
    certificate_numbers,
    cleanup,
    date_rows,
    faint_print,
    qr,
    seal_text,
    seals,
    under_seals,
)
from extractors.classify import classify_lines, classify_part
from extractors.fields import extract_fields, fill_from_darkest_ink
from extractors.fingerprint import page_fingerprint
from extractors.label_specs import always_printed, dates_under_seal
from extractors.ocr import (
    OcrEngine,
    RapidOcrEngine,
    RapidOcrV6RecEngine,
    get_engine,
    read_again,
    recognize_line,
)
from extractors.orientation import upright_lines
from extractors.second_reading import with_second_readings
from extractors.signature import find_signature
from extractors.triage import TRIAGE_SIDE, Triager
from intake.pipeline.sources import InputLimits, open_source, sha256_of

TRIAGE_DPI = 100
"""Resolution for the first pass when a page's size is not known before it is decoded; a PDF
page is rendered straight at the size the first pass looks at (TRIAGE_SIDE long, ~94 DPI)."""
INK_READING_SCALE = 0.7
"""The darkest ink is read at this share of the page's size: clean black print on white, its
lines are found in less time at a smaller size (on five tune pages, 2.3 times faster for the
same fields but one date under a seal; on the whole tune part one date fewer than full size)."""
SMALL_DOCUMENT_PAGES = 3
"""Documents this short are read in full: each of their pages is likely to matter."""


@dataclass(frozen=True)
class PipelineOptions:
    engine: str = "rapidocr"
    dpi: float = 300.0
    cleanup: bool = True
    """Orientation, flattening, deskew and seal suppression before OCR."""
    triage: bool = True
    """Read only the pages that the cheap first pass finds interesting in longer documents."""
    limits: InputLimits = field(default_factory=InputLimits)
    ocr_threads: int | None = None
    """CPU threads per OCR model; None uses every core (one process per core: set 1)."""
    read_seals: bool = True
    """Read the lettering of red seals on the key pages and the parts of a bound report."""
    read_twice: bool = True
    """Read each field compared with the filing again from its box by the second recogniser
    (extractors/second_reading.py)."""
    page_workers: int = 1
    """Pages of one file read at once on threads. Two overlap one page's line detection (one
    at a time) with the rest of the other page, but hold two pages and their OCR's memory:
    a 40-page bound report peaks near 1.3 GB against about 1 GB for one (README, Figures)."""


class Pipeline:
    """Reads documents into fields; one instance holds the OCR models for many documents."""

    def __init__(self, options: PipelineOptions | None = None, engine: OcrEngine | None = None):
        self.options = options or PipelineOptions()
        self.engine = engine or get_engine(self.options.engine, self.options.ocr_threads)
        self._triager: Triager | None = None

    @property
    def triager(self) -> Triager:
        if self._triager is None:
            shared = self.engine.models if isinstance(self.engine, RapidOcrEngine) else None
            self._triager = Triager(threads=self.options.ocr_threads, ocr=shared)
        return self._triager

    @property
    def row_engine(self) -> OcrEngine:
        """What reads a row of print already placed on the page (extractors/date_rows.py):
        the PP-OCRv6 recogniser, the default engine's own (beside RapidOCR 1.4 as shipped too:
        on the tune part's date rows it read 8 of the dates the page's reading lost and none
        wrong, PP-OCRv4's 6 and 3 wrong). Any other engine reads its own rows."""
        return self._beside(RapidOcrEngine, "rapidocr")

    @property
    def seal_engine(self) -> OcrEngine:
        """What reads a seal's unwrapped ring: PP-OCRv4's recogniser. Bent lettering read by the
        PP-OCRv6 recogniser, with its 18,708 characters, comes out traditional (無錫 for 无锡)
        or loses the straight 专用章 words (tests/test_seal_text.py)."""
        return self._beside(RapidOcrV6RecEngine, "rapidocr-v4")

    @property
    def second_engine(self) -> OcrEngine | None:
        """What reads a compared field's box again (extractors/second_reading.py): the other of
        the two RapidOCR recognisers; None for any other engine, or the option off."""
        if not self.options.read_twice:
            return None
        other = self.seal_engine if type(self.engine) is RapidOcrV6RecEngine else self.row_engine
        return other if other is not self.engine else None

    def _beside(self, kind: type, name: str) -> OcrEngine:
        """The engine `name` (loaded once per process) where the pipeline's engine is exactly a
        `kind`; else, or where `name` cannot be loaded, the pipeline's own."""
        if type(self.engine) is not kind:
            return self.engine
        try:
            return get_engine(name, self.options.ocr_threads)
        except OcrEngineUnavailable:
            return self.engine

    # -- documents -------------------------------------------------------------------------
    def read_document(
        self,
        path: Path,
        source: str | None = None,
        progress: Callable[[int, int], None] | None = None,
        on_page: Callable[[PageResult, np.ndarray | None], None] | None = None,
        kinds: dict[int, PageKind] | None = None,
        turns: dict[int, int] | None = None,
    ) -> DocumentResult:
        """Every page of one file with its kind and fields; an unreadable file gets `error`.

        `progress(done, total)` is called after each page; `on_page(result, image)` receives the
        upright page image that the page's boxes refer to (for storing and drawing). `kinds`:
        pages whose kind a person set (index → kind), read in full as that kind, unclassified.
        `turns`: pages a person turned (index → degrees clockwise of the page as scanned), read
        turned so, their orientation not looked for.
        """
        kinds, turns = kinds or {}, turns or {}
        source = source or path.name
        try:
            sha = sha256_of(path)
        except OSError as exc:
            return DocumentResult(
                source, "0" * 64, error=f"无法读取文件：{exc}", error_code="io_error"
            )
        result = DocumentResult(source=source, sha256=sha)
        try:
            doc = open_source(path, self.options.limits)
        except DocumentUnreadable as exc:
            result.error, result.error_code = exc.message, exc.code
            return result
        try:
            result.page_count = doc.page_count
            read_all = not self.options.triage or doc.page_count <= SMALL_DOCUMENT_PAGES
            for index, (page, image) in enumerate(self._pages(doc, read_all, kinds, turns)):
                result.pages.append(page)
                if on_page:
                    on_page(page, image)
                if progress:
                    progress(index + 1, doc.page_count)
        finally:
            doc.close()
        return result

    def _pages(
        self, doc, read_all: bool, kinds: dict[int, PageKind], turns: dict[int, int]
    ) -> Iterator[tuple[PageResult, np.ndarray | None]]:
        """Every page read, in order; with more than one worker, the next pages are read on
        threads while one is handed on (at most one more page in flight than workers)."""
        workers = min(max(1, self.options.page_workers), doc.page_count)
        if workers <= 1:
            for index in range(doc.page_count):
                yield self._read_page_or_error(doc, index, read_all, kinds, turns)
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="intake-page") as pool:
            pending: deque = deque()
            following = iter(range(doc.page_count))
            try:
                for index in following:
                    pending.append(
                        pool.submit(self._read_page_or_error, doc, index, read_all, kinds, turns)
                    )
                    if len(pending) > workers:
                        break
                while pending:
                    done = pending.popleft().result()
                    for index in following:
                        pending.append(
                            pool.submit(
                                self._read_page_or_error, doc, index, read_all, kinds, turns
                            )
                        )
                        break
                    yield done
            finally:
                for future in pending:
                    future.cancel()

    def _read_page_or_error(
        self, doc, index: int, read_all: bool, kinds: dict[int, PageKind], turns: dict[int, int]
    ):
        try:
            return self._read_page(doc, index, read_all, kinds.get(index), turns.get(index))
        except DocumentUnreadable as exc:
            return PageResult(index=index, kind=PageKind.OTHER, error=exc.message), None

    # -- pages -----------------------------------------------------------------------------
    def _read_page(
        self, doc, index: int, read_all: bool, kind: PageKind | None = None, turn: int | None = None
    ) -> tuple[PageResult, np.ndarray]:
        # a kind or a turn set by hand: no first pass decides
        read_all = read_all or kind is not None or turn is not None
        first_turn = 0  # the first pass's quarter turn: a turned key page is read once, turned
        if doc.kind == "pdf" and not read_all:
            quick = doc.page(index, dpi=doc.dpi_for_side(index, TRIAGE_SIDE) or TRIAGE_DPI)
            if quick.text_lines is None:
                kind_hint, first_turn, flat, part = self._triage(quick.image)
                if kind_hint == PageKind.OTHER and part is None:
                    return self._unread(index, first_turn, flat)
                del flat
            del quick
        page = doc.page(index, dpi=self.options.dpi)
        if turn is not None:  # turned by hand, a text layer too: the pixels are read turned so
            flat, flattened = (
                cleanup.flatten_sheet(page.image) if self.options.cleanup else (page.image, False)
            )
            if hasattr(self.engine, "read_raw"):
                return self._read_in_one_pass(page, flat, flattened, kind, turn % 360)
            return self._read_scan_page(page, flat, turn % 360, flattened, kind)
        if page.text_lines is not None:
            return self._read_text_page(page, kind), page.image
        if not self.options.cleanup:
            return self._read_scan_page(page, page.image, 0, False, kind)
        if read_all or doc.kind == "pdf":
            flat, flattened = cleanup.flatten_sheet(page.image)
            rotation = None
        else:  # a long multi-page TIFF: the first pass decides here, on the full page
            kind_hint, rotation, flat, part = self._triage(page.image)
            if kind_hint == PageKind.OTHER and part is None:
                return self._unread(index, rotation, flat)
            flattened = flat is not page.image
            first_turn = rotation
        if hasattr(self.engine, "read_raw"):  # RapidOCR 1.4 and 3: one pass tells the turn
            return self._read_in_one_pass(page, flat, flattened, kind, first_turn=first_turn)
        if rotation is None:  # a PDF looked at by the first pass has its turn already
            rotation = first_turn if doc.kind == "pdf" and not read_all else self._triage(flat)[1]
        return self._read_scan_page(page, flat, rotation, flattened, kind)

    def _read_in_one_pass(
        self,
        page: PageImage,
        image: np.ndarray,
        flattened: bool,
        kind: PageKind | None = None,
        turn: int | None = None,
        first_turn: int = 0,
    ) -> tuple[PageResult, np.ndarray]:
        """OCR the page as it lies (turned by `first_turn`, the first pass's verdict, if any);
        its lines tell the quarter turn and skew, boxes follow. `turn`: the quarter turn a
        person set, applied first; the lines then tell the skew."""
        if not flattened and page.dpi > self.options.dpi:
            # Only ever shrink: PP-OCR reads 120-DPI print well, and enlarging costs time.
            image, _ = cleanup.normalize_size(image, page.dpi, self.options.dpi)
        if turn is not None:
            image = cleanup.rotate_quarter(image, turn)
            raw = self.engine.read_raw(seals.suppress_red(image))
            height, width = image.shape[:2]
            geometry, lines, _size = upright_lines(raw, width, height, rotation=0)
            upright = cleanup.deskew(image, geometry.skew)
            return self._page_result(page.index, turn, upright, lines, kind), upright
        if first_turn:
            image = cleanup.rotate_quarter(image, first_turn)
        raw = self.engine.read_raw(seals.suppress_red(image))
        height, width = image.shape[:2]
        geometry, lines, _size = upright_lines(raw, width, height)
        rotation = geometry.rotation
        if rotation:
            # Lines read upside down or sideways are read less well: turn the page and read
            # it again. Upright pages, by far the most, are read once.
            image = cleanup.rotate_quarter(image, rotation)
            raw = self.engine.read_raw(seals.suppress_red(image))
            height, width = image.shape[:2]
            geometry, lines, _size = upright_lines(raw, width, height)
            rotation = (rotation + geometry.rotation) % 360
        upright = cleanup.deskew(cleanup.rotate_quarter(image, geometry.rotation), geometry.skew)
        rotation = (rotation + first_turn) % 360
        return self._page_result(page.index, rotation, upright, lines, kind), upright

    def _unread(
        self, index: int, rotation: int, image: np.ndarray
    ) -> tuple[PageResult, np.ndarray]:
        """A page the first pass found to be none of the four documents: kept, not read."""
        upright = cleanup.rotate_quarter(image, rotation)
        height, width = upright.shape[:2]
        page = PageResult(
            index=index, kind=PageKind.OTHER, rotation=rotation, width=width, height=height
        )
        return page, upright

    def first_pass_kind(self, image: np.ndarray) -> PageKind:
        """The kind the first pass sends a page of a bound report on as (`other`: not read)."""
        return self._triage(image)[0]

    def _triage(self, image: np.ndarray) -> tuple[PageKind, int, np.ndarray, PagePart | None]:
        """The first pass: page kind hint, quarter turn, the sheet flattened if photographed, and
        for an `other` page the part of a bound report it is (its cover, the 征集信息表)."""
        flat, flattened = cleanup.flatten_sheet(image)
        triage = self.triager.triage(flat)
        verdict = classify_lines(triage.lines, triage.height, candidate=True)
        part = (
            classify_part(triage.lines, triage.height) if verdict.kind == PageKind.OTHER else None
        )
        return verdict.kind, triage.rotation, flat if flattened else image, part

    def _read_text_page(self, page: PageImage, kind: PageKind | None = None) -> PageResult:
        return self._page_result(
            page.index, 0, page.image, page.text_lines or [], kind, text_layer=True
        )

    def clean(
        self, page: PageImage, image: np.ndarray, rotation: int, flattened: bool
    ) -> CleanPage:
        """Upright, straight page at the working resolution, with a seal-free OCR copy.

        `image` is the page's pixels, already flattened when `flattened` (a photographed sheet).
        """
        skew = 0.0
        image = cleanup.rotate_quarter(image, rotation)
        if self.options.cleanup:
            skew = cleanup.estimate_skew(image)
            image = cleanup.deskew(image, skew)
            if not flattened:
                image, _ = cleanup.normalize_size(image, page.dpi, self.options.dpi)
        ocr_image = seals.suppress_red(image) if self.options.cleanup else image
        return CleanPage(
            index=page.index,
            image=image,
            rotation=rotation,
            skew_degrees=skew,
            flattened=flattened,
            ocr_image=ocr_image,
        )

    def _read_scan_page(
        self,
        page: PageImage,
        image: np.ndarray,
        rotation: int,
        flattened: bool,
        kind: PageKind | None = None,
    ) -> tuple[PageResult, np.ndarray]:
        clean = self.clean(page, image, rotation, flattened)
        lines = self.engine.read(clean.ocr_image)
        return self._page_result(page.index, rotation, clean.image, lines, kind), clean.image

    def _page_result(
        self,
        index: int,
        rotation: int,
        image: np.ndarray,
        lines: list[TextLine],
        kind: PageKind | None = None,
        text_layer: bool = False,
    ) -> PageResult:
        height, width = image.shape[:2]
        found = seals.find_red_seals(image)  # found once: for the lettering, the seals, has_seal
        lines = seals.without_seal_lettering(lines, image, found)
        verdict = classify_lines(lines, height)
        if kind is not None:  # set by a person: read as that kind whatever the titles say
            verdict = replace(verdict, kind=kind)
        result = PageResult(
            index=index,
            kind=verdict.kind,
            rotation=rotation,
            width=width,
            height=height,
            lines=lines,
        )
        if verdict.kind == PageKind.OTHER:
            result.part = classify_part(lines, height)
        result.fields = extract_fields(verdict.kind, lines)
        lost = [name for name in always_printed(verdict.kind) if name not in result.fields]
        if lost and not text_layer:  # a text layer holds its words whatever crosses them
            self._read_darkest_ink(result, image)
        self._read_lost_dates(result, image, found, text_layer)
        second = None if text_layer else self.second_engine  # a text layer is read exactly
        if second is not None:
            result.fields = with_second_readings(
                verdict.kind,
                result.fields,
                image,
                lambda crop: recognize_line(second, crop, with_steps=True),
            )
        lines = result.lines
        if verdict.kind == PageKind.BUSINESS_LICENSE:
            # The QR code is a second reading of the printed codes: it confirms, never invents.
            fields = result.fields | qr.qr_fields(qr.read_qr_codes(image))
            result.fields = qr.confirm_printed(fields)
        if verdict.kind == PageKind.COPYRIGHT_CERTIFICATE:
            # 证书号 and 登记号 fit their year's offset: each confirms the other's digits.
            result.fields = certificate_numbers.confirm_numbers(result.fields)
        if verdict.kind == PageKind.USAGE_REPORT:
            result.fields["has_seal"] = _seal_field(image, found)
            signed = find_signature(image, lines)
            if signed is not None:
                result.fields["has_signature"] = signed
        if self.options.read_seals and (verdict.kind != PageKind.OTHER or result.part):
            result.seals = seal_text.read_seals(image, self.seal_engine, found)
        if verdict.kind != PageKind.OTHER:
            result.fingerprint = page_fingerprint(image, lines)
        return result

    def _read_lost_dates(
        self, result: PageResult, image: np.ndarray, found: list[seals.SealBox], text_layer: bool
    ) -> None:
        """A date printed under its label (and often under a seal) that the page's reading lost:
        the seals' regions read again alone, then the row under the label, placed by the pieces
        of the date that were read, read as one line; the fields still lost taken from them."""

        def lost() -> list[str]:
            return [name for name in dates_under_seal(result.kind) if name not in result.fields]

        def take(lines: list[TextLine], names: list[str]) -> None:
            result.lines = lines
            again = extract_fields(result.kind, lines)
            result.fields |= {name: again[name] for name in names if name in again}

        names = lost()
        if names and found:
            extra = under_seals.lines_under_seals(image, self.engine, found, result.lines)
            if extra:
                take(sorted(result.lines + extra, key=lambda ln: (ln.box[1], ln.box[0])), names)
        names = lost()
        rows = date_rows.date_rows(result.kind, result.lines, tuple(names)) if names else []
        if rows and not text_layer:
            read = date_rows.read_date_rows(
                seals.suppress_red(image),
                rows,
                lambda strip: recognize_line(self.row_engine, strip),
                result.lines,
            )
            if read is not result.lines:
                take(read, names)

    def _read_darkest_ink(self, result: PageResult, image: np.ndarray) -> None:
        """A field every such page prints was lost: read the page again with only its darkest
        ink (a watermark or an emblem crossed the line) and take the fields the first reading
        lacks from that second reading, kept on the page as its `ink_lines`."""
        ink = faint_print.darkest_ink(seals.suppress_red(image))
        if ink is None:
            return
        result.ink_lines = read_again(self.engine, ink, result.lines, scale=INK_READING_SCALE)
        result.fields = fill_from_darkest_ink(result.kind, result.fields, result.ink_lines)


def _seal_field(image: np.ndarray | None, found: list[seals.SealBox] | None = None):
    from core.model import FieldValue

    box = seals.find_red_stamp(image, found) if image is not None else None
    return FieldValue(
        name="has_seal",
        value=box is not None,
        raw=None,
        confidence=1.0,
        box=tuple(float(v) for v in box) if box else None,
    )
