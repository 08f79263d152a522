"""Open an uploaded file (PDF, JPEG, PNG, TIFF) and hand out its pages, guarding against bad input."""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import (
    CorruptFile,
    EmptyFile,
    EncryptedPdf,
    ImageTooLarge,
    TooManyPages,
    UnsupportedType,
)
from core.model import PageImage, TextLine
from extractors.cleanup import guard_pixels

A4_LONG_INCHES = 11.69

# Pillow's own bomb check fires inside Image.open, before the size can be reported; every
# image opened here goes through `guard_pixels` instead, which names the size and the limit.
Image.MAX_IMAGE_PIXELS = None


MAX_PIXELS = 50_000_000
"""Pixels of one page image: an A4 page at 600 DPI (35 million) or a 50-megapixel photo fit; a
larger one (the 9990×9990 PNG of 307 KB) is refused at upload from its header and never decoded.
Decoding one costs about 4 bytes a pixel, so a page at the bound takes about 300 MB."""

_PDFIUM = threading.Lock()
"""pdfium may not be called from two threads at once, not even for two documents (nor is
pdfplumber's parser shared safely): pages of one file are read on two threads, so every call
into them takes this lock."""


@dataclass(frozen=True)
class InputLimits:
    max_pages: int = 300
    max_pixels: int = MAX_PIXELS
    """A page bigger than this is refused as a decompression bomb (also at upload)."""
    max_bytes: int = 200 * 1024 * 1024


def sniff_type(head: bytes) -> str | None:
    """The file type from its first bytes, never from its name."""
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


def frame_sizes(image: BinaryIO | Path, max_frames: int) -> list[tuple[int, int]]:
    """Width and height of each frame (up to `max_frames` + 1) from the image's headers alone:
    nothing is decoded, so a pixel bomb of a few hundred KB costs nothing to measure.
    Raises what Pillow raises for bytes that are no image (or cut short)."""
    sizes = []
    with Image.open(image) as img:
        for index in range(max_frames + 1):
            try:
                img.seek(index)
            except EOFError:
                break
            sizes.append(img.size)
    return sizes


def pixel_problem(sizes: list[tuple[int, int]], max_pixels: int = MAX_PIXELS) -> str | None:
    """Why frames of these sizes may not be stored (in Chinese), or None."""
    for index, (width, height) in enumerate(sizes):
        if width * height > max_pixels:
            page = f"第 {index + 1} 页" if len(sizes) > 1 else ""
            return (
                f"{page}图像为 {width}×{height} 像素（约 {width * height / 1e4:,.0f} 万像素），"
                f"超过每页 {max_pixels / 1e4:,.0f} 万像素的上限"
            )
    return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class SourceDocument:
    """An opened file: its type, page count and pages at a requested resolution."""

    def __init__(self, path: Path, kind: str, limits: InputLimits):
        self.path = path
        self.kind = kind
        self.limits = limits

    @property
    def page_count(self) -> int:
        raise NotImplementedError

    def page(self, index: int, dpi: float | None = None) -> PageImage:
        """Page `index` as pixels; `dpi` None means the page's own resolution (300 for PDFs)."""
        raise NotImplementedError

    def dpi_for_side(self, index: int, side: int) -> float | None:
        """The resolution at which page `index` is `side` pixels long, when known before decoding
        (a PDF's page box); None otherwise."""
        return None

    def close(self) -> None:
        pass


class PdfDocument(SourceDocument):
    def __init__(self, path: Path, limits: InputLimits):
        super().__init__(path, "pdf", limits)
        import pdfplumber
        import pypdfium2 as pdfium

        try:
            with _PDFIUM:
                self._pdfium = pdfium.PdfDocument(str(path))
                n = len(self._pdfium)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise EncryptedPdf(
                    "PDF 文件已加密（需要密码），无法读取；请提交未加密的扫描件"
                ) from None
            raise CorruptFile(f"PDF 文件已损坏，无法打开（{exc}）") from None
        if n == 0:
            raise CorruptFile("PDF 文件没有任何页面")
        if n > limits.max_pages:
            with _PDFIUM:
                self._pdfium.close()
            raise TooManyPages(
                f"PDF 共 {n} 页，超过单个文件 {limits.max_pages} 页的上限；请只上传申报材料相关部分"
            )
        self._n = n
        self._lines: dict[int, list[TextLine] | None] = {}
        """Each page's text layer in points, parsed once whatever resolution is rendered."""
        try:
            with _PDFIUM:
                self._plumber = pdfplumber.open(str(path))
        except Exception:  # noqa: BLE001 - a text layer is optional; pixels still render
            self._plumber = None

    @property
    def page_count(self) -> int:
        return self._n

    def _text_lines(self, index: int, scale: float) -> list[TextLine] | None:
        if index not in self._lines:
            self._lines[index] = self._parse_text_lines(index)
        lines = self._lines[index]
        if lines is None:
            return None
        return [
            TextLine(text=ln.text, box=tuple(v * scale for v in ln.box), confidence=ln.confidence)
            for ln in lines
        ]

    def _parse_text_lines(self, index: int) -> list[TextLine] | None:
        """The page's text layer, boxes in points; None when it has too little text to read."""
        if self._plumber is None:
            return None
        try:
            ppage = self._plumber.pages[index]
            raw = ppage.extract_text_lines(return_chars=False, strip=True)
        except Exception:  # noqa: BLE001 - broken text layer: fall back to OCR
            return None
        lines = [
            TextLine(text=ln["text"], box=(ln["x0"], ln["top"], ln["x1"], ln["bottom"]))
            for ln in raw
            if ln["text"].strip()
        ]
        meaningful = sum(1 for ln in lines for ch in ln.text if ch.isalnum())
        return lines if meaningful >= 20 else None

    def dpi_for_side(self, index: int, side: int) -> float | None:
        with _PDFIUM:
            w_pt, h_pt = self._pdfium[index].get_size()
        return side * 72.0 / max(w_pt, h_pt, 1.0)

    def page(self, index: int, dpi: float | None = None) -> PageImage:
        dpi = dpi or 300.0
        with _PDFIUM:
            return self._page(index, dpi)

    def _page(self, index: int, dpi: float) -> PageImage:
        pdf_page = self._pdfium[index]
        w_pt, h_pt = pdf_page.get_size()
        # A page too large for the requested DPI is rendered at a lower one, never refused:
        # a bomb in a PDF is its page box, and the pixels are what we bound.
        while (w_pt * dpi / 72) * (h_pt * dpi / 72) > self.limits.max_pixels and dpi > 36:
            dpi /= 2
        guard_pixels(int(w_pt * dpi / 72), int(h_pt * dpi / 72), self.limits.max_pixels)
        scale = dpi / 72.0
        try:
            bitmap = pdf_page.render(scale=scale)
            pil = bitmap.to_pil().convert("RGB")
        except Exception as exc:  # noqa: BLE001
            raise CorruptFile(f"PDF 第 {index + 1} 页无法渲染（{exc}）") from None
        image = np.asarray(pil)[:, :, ::-1].copy()
        return PageImage(
            index=index,
            image=image,
            dpi=dpi,
            text_lines=self._text_lines(index, scale),
            width=image.shape[1],
            height=image.shape[0],
        )

    def close(self) -> None:
        with _PDFIUM:
            self._pdfium.close()
            if self._plumber is not None:
                self._plumber.close()


class ImageDocument(SourceDocument):
    """JPEG, PNG or (multi-page) TIFF; EXIF orientation is honoured."""

    def __init__(self, path: Path, kind: str, limits: InputLimits):
        super().__init__(path, kind, limits)
        try:
            self._img = Image.open(path)
            guard_pixels(*self._img.size, limits.max_pixels)
            self._n = getattr(self._img, "n_frames", 1)
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise CorruptFile(f"图片文件已损坏或格式不符，无法读取（{exc}）") from None
        if self._n > limits.max_pages:
            raise TooManyPages(f"TIFF 共 {self._n} 页，超过 {limits.max_pages} 页的上限")

    @property
    def page_count(self) -> int:
        return self._n

    def page(self, index: int, dpi: float | None = None) -> PageImage:
        """The frame decoded once, on an image opened for this page alone (its pixels are freed
        before anything is copied), and shrunk to `dpi` strip by strip: a PNG or TIFF frame
        costs about 4 bytes a pixel while decoded, a JPEG is decoded at the reduced size."""
        try:
            with Image.open(self.path) as frame:
                frame.seek(index)
                small, native_dpi, orientation = self._decode(frame, dpi)
            if orientation:
                exif = Image.Exif()
                exif[_EXIF_ORIENTATION] = orientation
                small.info["exif"] = exif.tobytes()
                small = ImageOps.exif_transpose(small)
            rgb = small if small.mode == "RGB" else small.convert("RGB")
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise CorruptFile(f"图片第 {index + 1} 页数据损坏，无法解码（{exc}）") from None
        del small
        image = np.asarray(rgb)[:, :, ::-1].copy()
        return PageImage(
            index=index, image=image, dpi=native_dpi, width=image.shape[1], height=image.shape[0]
        )

    def _decode(
        self, frame: Image.Image, dpi: float | None
    ) -> tuple[Image.Image, float, int | None]:
        """(the frame at `dpi` and at most MAX_SIDE long, its DPI, its EXIF orientation)."""
        guard_pixels(*frame.size, self.limits.max_pixels)
        native_dpi = _image_dpi(frame)
        factor = dpi / native_dpi if dpi and dpi < native_dpi * 0.95 else 1.0
        factor = min(factor, MAX_SIDE / max(frame.size))
        size = (max(1, round(frame.width * factor)), max(1, round(frame.height * factor)))
        if factor < 1.0 and frame.format == "JPEG":
            frame.draft("RGB", size)  # decoded at 1/2, 1/4 or 1/8 scale directly
        orientation = frame.getexif().get(_EXIF_ORIENTATION)
        frame.load()
        mode = "L" if frame.mode in _GREY else frame.mode if frame.mode in _RESIZABLE else "RGB"
        return _shrink(frame, size, mode), native_dpi * factor, orientation

    def close(self) -> None:
        self._img.close()


MAX_SIDE = 4000
"""No page image is handed on longer than this (clean-up's own bound), whatever DPI it claims."""
_RESIZABLE = frozenset({"L", "RGB", "RGBA", "RGBX", "CMYK", "LA"})
"""Modes resized as they are and converted after; bilevel and 16-bit frames become grey
first, palette and other modes RGB."""
_GREY = frozenset({"1", "I;16", "I;16B", "I;16L", "I", "F"})
_EXIF_ORIENTATION = 0x0112
_STRIP_ROWS = 256


def _shrink(image: Image.Image, size: tuple[int, int], mode: str) -> Image.Image:
    """`image` in `mode` at `size`, made strip by strip: no second full-size copy is made."""
    if image.size == size and image.mode == mode:
        return image.copy()
    out = Image.new(mode, size)
    scale = image.height / size[1]
    margin = math.ceil(scale) + 2  # what the bilinear filter reads beyond a strip
    for top in range(0, size[1], _STRIP_ROWS):
        bottom = min(size[1], top + _STRIP_ROWS)
        y0, y1 = top * scale, bottom * scale
        first, last = max(0, math.floor(y0) - margin), min(image.height, math.ceil(y1) + margin)
        piece = image.crop((0, first, image.width, last))
        if piece.mode != mode:
            piece = piece.convert(mode)
        if piece.size != (size[0], bottom - top) or y0 != first:
            box = (0.0, y0 - first, float(image.width), y1 - first)
            piece = piece.resize((size[0], bottom - top), Image.Resampling.BILINEAR, box=box)
        out.paste(piece, (0, top))
    return out


def _image_dpi(img: Image.Image) -> float:
    """Declared DPI when plausible, else estimated from the pixel size of an A4 sheet."""
    declared = img.info.get("dpi")
    if declared:
        try:
            value = float(declared[0])
            if 72 <= value <= 1200:
                return value
        except (TypeError, ValueError, IndexError):
            pass
    return max(img.size) / A4_LONG_INCHES


def open_source(path: Path, limits: InputLimits | None = None) -> SourceDocument:
    """Open `path` by what its bytes say it is, or raise a DocumentUnreadable subclass."""
    limits = limits or InputLimits()
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise CorruptFile(f"找不到文件：{path.name}") from None
    if size == 0:
        raise EmptyFile("文件为空（0 字节），可能上传中断；请重新上传")
    if size > limits.max_bytes:
        raise ImageTooLarge(
            f"文件大小 {size / 1048576:.0f} MB 超过上限 {limits.max_bytes / 1048576:.0f} MB"
        )
    with path.open("rb") as fh:
        head = fh.read(2048)
    kind = sniff_type(head)
    if kind is None:
        raise UnsupportedType(
            f"文件「{path.name}」的内容不是 PDF、JPEG、PNG 或 TIFF（不能只看扩展名）；请上传扫描件或照片"
        )
    if kind == "pdf":
        return PdfDocument(path, limits)
    return ImageDocument(path, kind, limits)
