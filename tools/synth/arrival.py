"""The ways paper reaches the clerk: flatbed scans, phone photos, photocopies, turned pages, files."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tools.synth.layout import PageLayout
from tools.synth.raster import rasterize


class Way(StrEnum):
    TEXTPDF = "textpdf"
    FLATBED = "flatbed"
    PHOTO = "photo"
    PHOTOCOPY = "photocopy"
    UPSIDE_DOWN = "upside_down"
    LOWRES = "lowres"
    TIFF = "tiff"
    BUNDLE = "bundle"


@dataclass(frozen=True)
class Quality:
    """How heavy the output files are; committed samples use a light one."""

    name: str
    scan_dpi: tuple[int, ...]
    lowres_dpi: tuple[int, ...]
    jpeg_quality: tuple[int, int]
    photo_long_side: int
    bundle_dpi: int
    png_colors: int | None = None
    """Save PNG scans as indexed colour with this many colours (None: full colour)."""


QUALITIES: tuple[Quality, ...] = (
    Quality("full", (200, 300), (120, 150), (85, 92), 4000, 200),
    Quality("compact", (150, 200), (120, 150), (78, 84), 2200, 150),
    Quality("light", (130,), (120,), (62, 68), 1500, 120, png_colors=32),
    Quality("tiny", (120,), (100,), (52, 58), 1300, 110, png_colors=32),
)
"""From the benchmark's realistic files down to the committed samples' small ones."""


@dataclass
class ScannedPage:
    """A page as it is stored in the file: pixels, resolution, and how to turn it upright."""

    image: Image.Image
    dpi: int
    rotation: int = 0
    """Clockwise degrees that make the stored pixels upright (after EXIF is honoured)."""
    skew: float = 0.0
    """Degrees the paper lay turned counter-clockwise on the glass."""
    exif_orientation: int | None = None


def _noise(image: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    pixels = np.asarray(image, np.float32)
    generator = np.random.default_rng(rng.randrange(2**32))
    pixels = pixels + generator.normal(0.0, sigma, pixels.shape[:2] + (1,) * (pixels.ndim - 2))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _dust(image: Image.Image, rng: random.Random, count: int) -> None:
    """A few dark specks and short hairs, as a dusty scanner glass leaves them."""
    draw = ImageDraw.Draw(image)
    ink = 60 if image.mode == "L" else (60, 60, 60)
    for _ in range(count):
        x, y = rng.uniform(0, image.width), rng.uniform(0, image.height)
        if rng.random() < 0.8:
            r = rng.uniform(0.6, 2.2)
            draw.ellipse([x - r, y - r, x + r, y + r], fill=ink)
        else:
            draw.line([x, y, x + rng.uniform(-40, 40), y + rng.uniform(-40, 40)], fill=ink, width=1)


def flatbed(page: PageLayout, dpi: int, skew: float, rng: random.Random) -> ScannedPage:
    """A flatbed scan: paper tint, the page turned `skew` degrees, mild noise and dust, a touch of blur."""
    image = rasterize(page, dpi)
    tint = np.array([rng.uniform(0.97, 1.0), rng.uniform(0.965, 0.995), rng.uniform(0.94, 0.985)])
    image = Image.fromarray(np.clip(np.asarray(image, np.float32) * tint, 0, 255).astype(np.uint8))
    lid = tuple(rng.randint(225, 245) for _ in range(3))
    image = image.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=lid)
    _dust(image, rng, rng.randint(3, 20))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.6)))
    return ScannedPage(_noise(image, rng, rng.uniform(1.0, 2.2)), dpi, skew=skew)


def photocopy(page: PageLayout, dpi: int, skew: float, rng: random.Random) -> ScannedPage:
    """A photocopy scanned in grey: hard contrast, toner speckle, seals turned grey."""
    grey = np.asarray(rasterize(page, dpi).convert("L"), np.float32)
    low, high = rng.uniform(70, 100), rng.uniform(200, 225)
    grey = np.clip((grey - low) / (high - low), 0, 1) ** rng.uniform(0.9, 1.3) * 255
    generator = np.random.default_rng(rng.randrange(2**32))
    speckle = generator.random(grey.shape) < rng.uniform(0.0004, 0.002)
    grey[speckle] = generator.uniform(0, 90, int(speckle.sum()))
    grey = grey * rng.uniform(0.9, 0.97)
    image = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8), "L")
    image = image.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=rng.randint(20, 60))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.7)))
    return ScannedPage(_noise(image, rng, 2.0), dpi, skew=skew)


def _background(width: int, height: int, rng: random.Random) -> np.ndarray:
    """A desk under the paper: wood grain or a plain mottled surface (float RGB)."""
    small_w, small_h = max(width // 8, 8), max(height // 8, 8)
    generator = np.random.default_rng(rng.randrange(2**32))
    ys, xs = np.mgrid[0:small_h, 0:small_w].astype(np.float32)
    if rng.random() < 0.6:
        base = np.array([rng.uniform(120, 170), rng.uniform(80, 115), rng.uniform(45, 75)])
        wobble = cv2.GaussianBlur(
            generator.normal(0, 1, (small_h, small_w)).astype(np.float32), (0, 0), 6
        )
        grain = np.sin(ys * rng.uniform(0.15, 0.35) + wobble * 6.0 + xs * 0.01)
        shade = 1.0 + 0.12 * grain[..., None]
    else:
        base = np.full(3, rng.uniform(70, 140))
        blotch = cv2.GaussianBlur(
            generator.normal(0, 1, (small_h, small_w)).astype(np.float32), (0, 0), 4
        )
        shade = 1.0 + 0.08 * blotch[..., None]
    field = (base * shade).astype(np.float32)
    return cv2.resize(field, (width, height), interpolation=cv2.INTER_CUBIC)


def photograph(
    page: PageLayout, long_side: int, orientation: int | None, rng: random.Random
) -> ScannedPage:
    """A phone photo: the page on a desk, perspective from a tilted camera, uneven light, blur.

    Pixels are sometimes stored turned with an EXIF Orientation tag (6, 8 or 3) so that a viewer
    that honours EXIF shows the page upright; `rotation` is then still 0.
    """
    landscape = page.landscape
    width, height = (
        (long_side, long_side * 3 // 4) if landscape else (long_side * 3 // 4, long_side)
    )
    fill = rng.uniform(0.72, 0.86)
    dpi = max(60, round(300 * fill * min(width / page.width, height / page.height)))
    paper = np.asarray(rasterize(page, dpi), np.float32)
    ph, pw = paper.shape[:2]
    cx, cy = (
        width / 2 + rng.uniform(-0.04, 0.04) * width,
        height / 2 + rng.uniform(-0.04, 0.04) * height,
    )
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    keystone = rng.uniform(-0.06, 0.06) * pw
    dst = np.float32([[cx - pw / 2 + keystone, cy - ph / 2], [cx + pw / 2 - keystone, cy - ph / 2],
                      [cx + pw / 2, cy + ph / 2], [cx - pw / 2, cy + ph / 2]])  # fmt: skip
    dst += np.float32(
        [[rng.uniform(-0.03, 0.03) * pw, rng.uniform(-0.03, 0.03) * ph] for _ in range(4)]
    )
    matrix = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(paper, matrix, (width, height), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((ph, pw), np.float32), matrix, (width, height))
    scene = _background(width, height, rng)
    shadow = cv2.GaussianBlur(
        np.roll(mask, (round(height * 0.012), round(width * 0.01)), (0, 1)), (0, 0), 15
    )
    scene *= 1.0 - 0.45 * shadow[..., None]
    scene = scene * (1 - mask[..., None]) + warped * mask[..., None]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    lx, ly = rng.uniform(0, width), rng.uniform(0, height)
    falloff = ((xs - lx) ** 2 + (ys - ly) ** 2) / float(width**2 + height**2)
    light = 1.05 - rng.uniform(0.25, 0.45) * falloff
    warmth = np.array([1.02, 1.0, rng.uniform(0.9, 0.97)], np.float32)
    scene = scene * light[..., None] * warmth
    scene = cv2.GaussianBlur(scene, (0, 0), rng.uniform(0.7, 1.3))
    image = _noise(Image.fromarray(np.clip(scene, 0, 255).astype(np.uint8)), rng, 2.5)
    stored = {
        6: Image.Transpose.ROTATE_90,
        8: Image.Transpose.ROTATE_270,
        3: Image.Transpose.ROTATE_180,
    }
    if orientation in stored:
        image = image.transpose(stored[orientation])
    return ScannedPage(image, 72, rotation=0, exif_orientation=orientation)


def turn(scan: ScannedPage, rotation: int) -> ScannedPage:
    """Store the page turned so that `rotation` degrees clockwise make it upright again."""
    turns = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
             270: Image.Transpose.ROTATE_270}  # fmt: skip
    if rotation % 360:
        scan.image = scan.image.transpose(turns[rotation % 360])
        scan.rotation = (scan.rotation + rotation) % 360
    return scan


def _exif(orientation: int | None, taken: datetime, rng: random.Random) -> bytes:
    exif = Image.Exif()
    make, model = rng.choice((("HUAWEI", "ELE-AL00"), ("Xiaomi", "M2007J1SC"), ("Apple", "iPhone 11"),
                              ("OPPO", "PDEM10"), ("vivo", "V2024A")))  # fmt: skip
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0132] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if orientation is not None:
        exif[0x0112] = orientation
    return exif.tobytes()


def _document_mode(image: Image.Image) -> Image.Image:
    """What scanner software in document mode saves as PNG: the paper's tint clipped to white."""
    pixels = np.asarray(image, np.float32)
    channels = pixels.reshape(-1, pixels.shape[2]) if pixels.ndim == 3 else pixels.reshape(-1, 1)
    white = np.maximum(np.percentile(channels, 80, axis=0) - 4.0, 64.0)
    pixels = np.clip(pixels * (255.0 / (white if pixels.ndim == 3 else white[0])), 0, 255)
    pixels = np.where(pixels > 238, 255, pixels)
    return Image.fromarray(pixels.astype(np.uint8), image.mode)


def write_scans(pages: list[ScannedPage], path: Path, fmt: str, quality: int, made: datetime,
                rng: random.Random, png_colors: int | None = None) -> None:  # fmt: skip
    """Save scanned pages as one file: jpeg/png (one page), pdf (image-only) or tiff (multi-page)."""
    first = pages[0]
    if fmt in ("jpeg", "png") and len(pages) != 1:
        raise ValueError(f"a {fmt} file holds one page, not {len(pages)}")
    if fmt == "jpeg":
        extra = {}
        if first.exif_orientation is not None or first.dpi == 72:
            extra["exif"] = _exif(first.exif_orientation, made, rng)
        first.image.save(path, "JPEG", quality=quality, dpi=(first.dpi, first.dpi), **extra)
    elif fmt == "png":
        image = _document_mode(first.image)
        if png_colors and image.mode == "RGB":
            image = image.quantize(
                png_colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
            )
        image.save(path, "PNG", dpi=(first.dpi, first.dpi), optimize=True)
    elif fmt == "pdf":
        stamp = time.struct_time(
            (made.year, made.month, made.day, made.hour, made.minute, 0, 0, 1, 0)
        )
        first.image.save(path, "PDF", save_all=True, append_images=[p.image for p in pages[1:]],
                         resolution=float(first.dpi), quality=quality, title="扫描文档",
                         producer="Scanner", creationDate=stamp, modDate=stamp)  # fmt: skip
    elif fmt == "tiff":
        frames = [p.image.convert("YCbCr") if p.image.mode == "RGB" else p.image for p in pages]
        frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:], compression="jpeg",
                       quality=quality, dpi=(first.dpi, first.dpi))  # fmt: skip
    else:
        raise ValueError(f"unknown scan format {fmt!r}")
