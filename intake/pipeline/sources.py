"""Open an uploaded file (PDF, JPEG, PNG, TIFF) and hand out its pages, guarding against bad input."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

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


@dataclass(frozen=True)
class InputLimits:
    max_pages: int = 300
    max_pixels: int = 100_000_000
    """A page bigger than this (e.g. 10000×10000) is refused as a decompression bomb."""
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

    def close(self) -> None:
        pass


class PdfDocument(SourceDocument):
    def __init__(self, path: Path, limits: InputLimits):
        super().__init__(path, "pdf", limits)
        import pdfplumber
        import pypdfium2 as pdfium

        try:
            self._pdfium = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise EncryptedPdf(
                    "PDF 文件已加密（需要密码），无法读取；请提交未加密的扫描件"
                ) from None
            raise CorruptFile(f"PDF 文件已损坏，无法打开（{exc}）") from None
        n = len(self._pdfium)
        if n == 0:
            raise CorruptFile("PDF 文件没有任何页面")
        if n > limits.max_pages:
            self._pdfium.close()
            raise TooManyPages(
                f"PDF 共 {n} 页，超过单个文件 {limits.max_pages} 页的上限；请只上传申报材料相关部分"
            )
        self._n = n
        try:
            self._plumber = pdfplumber.open(str(path))
        except Exception:  # noqa: BLE001 - a text layer is optional; pixels still render
            self._plumber = None

    @property
    def page_count(self) -> int:
        return self._n

    def _text_lines(self, index: int, scale: float) -> list[TextLine] | None:
        if self._plumber is None:
            return None
        try:
            ppage = self._plumber.pages[index]
            raw = ppage.extract_text_lines(return_chars=False, strip=True)
        except Exception:  # noqa: BLE001 - broken text layer: fall back to OCR
            return None
        lines = [
            TextLine(
                text=ln["text"],
                box=(ln["x0"] * scale, ln["top"] * scale, ln["x1"] * scale, ln["bottom"] * scale),
            )
            for ln in raw
            if ln["text"].strip()
        ]
        meaningful = sum(1 for ln in lines for ch in ln.text if ch.isalnum())
        return lines if meaningful >= 20 else None

    def page(self, index: int, dpi: float | None = None) -> PageImage:
        dpi = dpi or 300.0
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
        try:
            frame = next(f for i, f in enumerate(ImageSequence.Iterator(self._img)) if i == index)
            guard_pixels(*frame.size, self.limits.max_pixels)
            frame = ImageOps.exif_transpose(frame.copy())
            native_dpi = _image_dpi(frame)
            rgb = frame.convert("RGB")
        except (OSError, SyntaxError, ValueError) as exc:
            raise CorruptFile(f"图片第 {index + 1} 页数据损坏，无法解码（{exc}）") from None
        if dpi and dpi < native_dpi * 0.95:
            factor = dpi / native_dpi
            rgb = rgb.resize(
                (max(1, round(rgb.width * factor)), max(1, round(rgb.height * factor))),
                Image.Resampling.BILINEAR,
            )
            native_dpi = dpi
        image = np.asarray(rgb)[:, :, ::-1].copy()
        return PageImage(
            index=index, image=image, dpi=native_dpi, width=image.shape[1], height=image.shape[0]
        )

    def close(self) -> None:
        self._img.close()


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
