"""Draw a PageLayout as pixels (PIL) or as a PDF page with a real text layer (reportlab)."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from tools.synth.layout import (
    LAYOUT_DPI,
    Emblem,
    Font,
    Frame,
    PageLayout,
    QrBlock,
    Rule,
    Seal,
    Text,
    pil_font,
)
from tools.synth.seal import emblem_image, qr_image, seal_image, stamp


def rasterize(page: PageLayout, dpi: int = LAYOUT_DPI) -> Image.Image:
    """The page as an RGB image at `dpi`; seals are pressed last, over the text."""
    scale = dpi / LAYOUT_DPI
    image = Image.new("RGB", (round(page.width * scale), round(page.height * scale)), page.paper)
    draw = ImageDraw.Draw(image)
    seals: list[Seal] = []
    for item in page.items:
        if isinstance(item, Text) and item.angle:
            _draw_slanted(image, item, scale)
        elif isinstance(item, Text):
            _draw_text(draw, item, scale)
        elif isinstance(item, Rule):
            draw.line([item.x0 * scale, item.y0 * scale, item.x1 * scale, item.y1 * scale],
                      fill=item.color, width=max(1, round(item.width * scale)))  # fmt: skip
        elif isinstance(item, Frame):
            draw.rectangle([item.x0 * scale, item.y0 * scale, item.x1 * scale, item.y1 * scale],
                           outline=item.color, width=max(1, round(item.width * scale)))  # fmt: skip
        elif isinstance(item, Emblem | QrBlock):
            picture = (
                emblem_image(item, scale) if isinstance(item, Emblem) else qr_image(item, scale)
            )
            x = item.cx - item.radius if isinstance(item, Emblem) else item.x
            y = item.cy - item.radius if isinstance(item, Emblem) else item.y
            image.paste(picture, (round(x * scale), round(y * scale)), picture)
        elif isinstance(item, Seal):
            seals.append(item)
    for seal in seals:
        stamp(image, seal, scale)
    return image


def _draw_text(draw: ImageDraw.ImageDraw, item: Text, scale: float) -> None:
    font = pil_font(item.font, round(item.size * scale))
    if not item.tracking:
        draw.text(
            (item.x * scale, item.y * scale), item.text, font=font, fill=item.color, anchor="ls"
        )
        return
    x = item.x * scale
    for char in item.text:
        draw.text((x, item.y * scale), char, font=font, fill=item.color, anchor="ls")
        x += font.getlength(char) + item.tracking * scale


def _draw_slanted(image: Image.Image, item: Text, scale: float) -> None:
    """Text turned by item.angle about the left end of its baseline (a watermark)."""
    font = pil_font(item.font, round(item.size * scale))
    width = round(font.getlength(item.text)) + 4
    ascent, descent = font.getmetrics()
    mask = Image.new("L", (width, ascent + descent + 4), 0)
    ImageDraw.Draw(mask).text((2, ascent + 2), item.text, font=font, fill=255, anchor="ls")
    turned = mask.rotate(item.angle, expand=True, resample=Image.Resampling.BICUBIC)
    # the baseline's left end sits at (2, ascent + 2) before the turn; find it after
    cx, cy = mask.width / 2, mask.height / 2
    a = math.radians(item.angle)
    dx, dy = 2 - cx, ascent + 2 - cy
    px = turned.width / 2 + dx * math.cos(a) + dy * math.sin(a)
    py = turned.height / 2 - dx * math.sin(a) + dy * math.cos(a)
    origin = (round(item.x * scale - px), round(item.y * scale - py))
    image.paste(Image.new("RGB", turned.size, item.color), origin, turned)


def _pdf_font(font: Font) -> str:
    if not font.pdf_ok:
        raise ValueError(f"font {font.key} has no TrueType outlines; a text PDF needs a TTF face")
    name = f"synth-{font.key}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, font.path, subfontIndex=font.index))
    return name


def write_text_pdf(pages: list[PageLayout], path: Path, title: str, made: datetime) -> None:
    """A born-digital PDF: every Text item in the text layer, seals and emblems as images."""
    k = 72.0 / LAYOUT_DPI
    pdf = canvas.Canvas(str(path), invariant=1, pageCompression=1)
    pdf.setTitle(title)
    pdf.setCreator("Microsoft Word")
    pdf.setSubject(made.strftime("%Y-%m-%d"))
    for page in pages:
        height = page.height * k
        pdf.setPageSize((page.width * k, height))
        for item in page.items:
            if isinstance(item, Text):
                pdf.setFillColorRGB(*(c / 255 for c in item.color))
                pdf.setFont(_pdf_font(item.font), item.size * k)
                if item.angle:
                    pdf.saveState()
                    pdf.translate(item.x * k, height - item.y * k)
                    pdf.rotate(item.angle)
                    pdf.drawString(0, 0, item.text, charSpace=item.tracking * k)
                    pdf.restoreState()
                    continue
                pdf.drawString(
                    item.x * k, height - item.y * k, item.text, charSpace=item.tracking * k
                )
            elif isinstance(item, Rule):
                pdf.setStrokeColorRGB(*(c / 255 for c in item.color))
                pdf.setLineWidth(item.width * k)
                pdf.line(item.x0 * k, height - item.y0 * k, item.x1 * k, height - item.y1 * k)
            elif isinstance(item, Frame):
                pdf.setStrokeColorRGB(*(c / 255 for c in item.color))
                pdf.setLineWidth(item.width * k)
                pdf.rect(item.x0 * k, height - item.y1 * k, (item.x1 - item.x0) * k,
                         (item.y1 - item.y0) * k, stroke=1, fill=0)  # fmt: skip
        for item in page.items:  # pictures last: a seal lies over the text it stamps
            if isinstance(item, Emblem):
                _picture(pdf, emblem_image(item, 0.5), item.cx - item.radius, item.cy - item.radius,
                         2 * item.radius, height, k)  # fmt: skip
            elif isinstance(item, QrBlock):
                _picture(pdf, qr_image(item, 0.5), item.x, item.y, item.size, height, k)
            elif isinstance(item, Seal):
                picture = seal_image(item, 0.5)
                w, h = picture.width / 0.5, picture.height / 0.5
                pdf.drawImage(ImageReader(picture), (item.cx - w / 2) * k,
                              height - (item.cy + h / 2) * k, w * k, h * k, mask="auto")  # fmt: skip
        pdf.showPage()
    pdf.save()


def _picture(pdf: canvas.Canvas, picture: Image.Image, x: float, y: float, size: float,
             height: float, k: float) -> None:  # fmt: skip
    pdf.drawImage(ImageReader(picture), x * k, height - (y + size) * k, size * k, size * k,
                  mask="auto")  # fmt: skip
