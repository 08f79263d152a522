"""Red ink seals, the national-emblem placeholder and QR blocks, drawn as small RGBA images."""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from tools.synth.layout import FONTS, Emblem, QrBlock, Seal, pil_font

GOLD = (236, 196, 72)
EMBLEM_RED = (205, 32, 38)


def _star_points(cx: float, cy: float, radius: float, rotation: float = -90.0) -> list[tuple]:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = math.radians(rotation + i * 36)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def _arc_text(mask: Image.Image, text: str, centre: float, radius: float, char_size: float) -> None:
    """Lay `text` clockwise along the upper arc, each character's top pointing outwards."""
    font = pil_font(FONTS["sans_bold"], round(char_size))
    count = len(text)
    span = min(265.0, 19.0 * count + 40.0)
    start = -90.0 - span / 2
    cell = round(char_size * 1.5)
    for i, char in enumerate(text):
        theta = start + span * (i + 0.5) / count
        glyph = Image.new("L", (cell, cell), 0)
        ImageDraw.Draw(glyph).text((cell / 2, cell / 2), char, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-(theta + 90.0), resample=Image.Resampling.BICUBIC, expand=True)
        x = centre + radius * math.cos(math.radians(theta)) - glyph.width / 2
        y = centre + radius * math.sin(math.radians(theta)) - glyph.height / 2
        mask.paste(255, (round(x), round(y)), glyph)


def _lower_arc_text(
    mask: Image.Image, text: str, centre: float, radius: float, size: float
) -> None:
    """Lay `text` left to right along the lower arc, each character's top towards the centre."""
    font = pil_font(FONTS["sans_bold"], round(size))
    count = len(text)
    span = min(80.0, 6.0 * count + 5.0)
    cell = round(size * 1.6)
    for i, char in enumerate(text):
        theta = 90.0 + span / 2 - span * (i + 0.5) / count
        glyph = Image.new("L", (cell, cell), 0)
        ImageDraw.Draw(glyph).text((cell / 2, cell / 2), char, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-(theta - 90.0), resample=Image.Resampling.BICUBIC, expand=True)
        x = centre + radius * math.cos(math.radians(theta)) - glyph.width / 2
        y = centre + radius * math.sin(math.radians(theta)) - glyph.height / 2
        mask.paste(255, (round(x), round(y)), glyph)


def seal_mask(seal: Seal, scale: float) -> Image.Image:
    """The seal's ink coverage (L, 0..255) at `scale` pixels per layout pixel, ink unevenness included."""
    rng = random.Random(seal.seed)
    radius = seal.radius * scale
    pad = round(radius * 0.1) + 4
    size = round(2 * radius) + 2 * pad
    centre = size / 2
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    ring = max(2, round(radius * 0.055))
    draw.ellipse([centre - radius, centre - radius, centre + radius, centre + radius],
                 outline=255, width=ring)  # fmt: skip
    star_y = centre - (radius * 0.06 if seal.bottom else 0.0)
    draw.polygon(_star_points(centre, star_y, radius * 0.26), fill=255)
    _arc_text(mask, seal.name, centre, radius * 0.70, radius * 0.27)
    if seal.code:
        _lower_arc_text(mask, seal.code, centre, radius * 0.84, radius * 0.1)
    if seal.bottom:
        font = pil_font(FONTS["sans_bold"], max(4, round(radius * 0.15)))
        draw.text((centre, centre + radius * 0.45), seal.bottom, font=font, fill=255, anchor="mm")
    if seal.squash != 1.0:
        mask = mask.resize((size, max(8, round(size * seal.squash))), Image.Resampling.BICUBIC)
    if seal.tilt:
        mask = mask.rotate(seal.tilt, resample=Image.Resampling.BICUBIC, expand=True)
    # Uneven ink: a smooth field of pressure times a fine grain, a little bleed.
    coarse = np.array(
        [[rng.uniform(0.55, 1.0) for _ in range(6)] for _ in range(6)], dtype=np.float32
    )
    field = Image.fromarray((coarse * 255).astype(np.uint8)).resize(
        mask.size, Image.Resampling.BICUBIC
    )
    grain = np.random.default_rng(seal.seed).uniform(0.75, 1.0, (mask.height, mask.width))
    ink = np.asarray(mask, np.float32) / 255 * np.asarray(field, np.float32) / 255 * grain
    ink *= seal.ink
    out = Image.fromarray(np.clip(ink * 255, 0, 255).astype(np.uint8))
    return out.filter(ImageFilter.GaussianBlur(max(0.4, 0.8 * scale)))


def seal_image(seal: Seal, scale: float) -> Image.Image:
    """The seal as an RGBA image of its ink colour."""
    mask = seal_mask(seal, scale)
    image = Image.new("RGBA", mask.size, (*seal.color, 0))
    image.putalpha(mask)
    return image


def stamp(page: Image.Image, seal: Seal, scale: float) -> None:
    """Press `seal` onto an RGB page in place; ink multiplies, so text under it stays visible."""
    mask = seal_mask(seal, scale)
    x0 = round(seal.cx * scale - mask.width / 2)
    y0 = round(seal.cy * scale - mask.height / 2)
    box = (
        max(x0, 0),
        max(y0, 0),
        min(x0 + mask.width, page.width),
        min(y0 + mask.height, page.height),
    )
    if box[0] >= box[2] or box[1] >= box[3]:
        return
    region = np.asarray(page.crop(box), np.float32)
    alpha = np.asarray(mask, np.float32)[box[1] - y0 : box[3] - y0, box[0] - x0 : box[2] - x0] / 255
    tint = 1.0 - alpha[..., None] * (1.0 - np.array(seal.color, np.float32) / 255)
    page.paste(Image.fromarray(np.clip(region * tint, 0, 255).astype(np.uint8)), box[:2])


def emblem_image(emblem: Emblem, scale: float) -> Image.Image:
    """A simple stand-in for the national emblem: red disc, gold ring, stars and a gate."""
    r = emblem.radius * scale
    size = round(2 * r) + 4
    c = size / 2
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse([c - r, c - r, c + r, c + r], fill=(*GOLD, 255))
    inner = r * 0.82
    draw.ellipse([c - inner, c - inner, c + inner, c + inner], fill=(*EMBLEM_RED, 255))
    draw.polygon(_star_points(c, c - inner * 0.45, inner * 0.26), fill=(*GOLD, 255))
    for k in range(4):
        angle = math.radians(-150 + k * 40)
        sx, sy = (
            c + inner * 0.62 * math.cos(angle),
            c - inner * 0.15 + inner * 0.5 * math.sin(angle),
        )
        draw.polygon(_star_points(sx, sy, inner * 0.09), fill=(*GOLD, 255))
    gate = [c - inner * 0.5, c + inner * 0.15, c + inner * 0.5, c + inner * 0.5]
    draw.rectangle(gate, fill=(*GOLD, 255))
    draw.rectangle([c - inner * 0.6, c + inner * 0.5, c + inner * 0.6, c + inner * 0.62],
                   fill=(*GOLD, 255))  # fmt: skip
    for side in (-1, 1):
        box = [c - inner * 0.95, c - inner * 0.95, c + inner * 0.95, c + inner * 0.95]
        start, end = (100, 230) if side < 0 else (-50, 80)
        draw.arc(box, start, end, fill=(*GOLD, 255), width=max(2, round(inner * 0.08)))
    return image


def qr_image(block: QrBlock, scale: float) -> Image.Image:
    """A QR-code-like block: three finder squares and random modules (not decodable)."""
    modules = 25
    rng = random.Random(block.seed)
    cell = max(1, round(block.size * scale / modules))
    image = Image.new("RGBA", (cell * modules, cell * modules), (255, 255, 255, 255))
    draw = ImageDraw.Draw(image)
    finders = [(0, 0), (modules - 7, 0), (0, modules - 7)]
    for row in range(modules):
        for col in range(modules):
            if any(fx - 1 <= col <= fx + 7 and fy - 1 <= row <= fy + 7 for fx, fy in finders):
                continue
            if rng.random() < 0.5:
                draw.rectangle([col * cell, row * cell, col * cell + cell - 1, row * cell + cell - 1],
                               fill=(0, 0, 0, 255))  # fmt: skip
    for fx, fy in finders:
        x, y = fx * cell, fy * cell
        draw.rectangle([x, y, x + 7 * cell - 1, y + 7 * cell - 1], fill=(0, 0, 0, 255))
        draw.rectangle(
            [x + cell, y + cell, x + 6 * cell - 1, y + 6 * cell - 1], fill=(255, 255, 255, 255)
        )
        draw.rectangle(
            [x + 2 * cell, y + 2 * cell, x + 5 * cell - 1, y + 5 * cell - 1], fill=(0, 0, 0, 255)
        )
    return image
