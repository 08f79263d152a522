"""What OCR read of a seal's own red lettering is dropped; black print under the seal is kept."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from core.model import TextLine
from extractors.seals import without_seal_lettering

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
RED, BLACK = (238, 138, 138), (20, 20, 20)  # RGB: stamp ink as scanned, lighter than print


def _page() -> tuple[np.ndarray, dict[str, tuple[int, int, int, int]]]:
    """A report cover's foot: a red seal (ring, star, straight lettering) over the
    institution's name and the date printed in black."""
    image = Image.new("RGB", (900, 900), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 40)
    draw.ellipse((250, 250, 650, 650), outline=RED, width=22)
    for n in range(24):  # the lettering round the ring, crowding every box inside it
        a = 2 * np.pi * n / 24
        x, y = 450 + 165 * np.cos(a), 450 + 165 * np.sin(a)
        draw.text((x - 18, y - 18), "章", font=ImageFont.truetype(FONT, 36), fill=RED)
    star = [(450 + r * np.sin(a), 450 - r * np.cos(a))
            for i, a in enumerate(np.linspace(0, 4 * np.pi, 6)[:-1]) for r in (120,)]  # fmt: skip
    draw.polygon(star, fill=RED)
    boxes = {}
    for key, text, xy, colour in (
        ("lettering", "检验检测专用章", (310, 560), RED),
        ("institution", "山东省软件评测中心", (270, 425), BLACK),
        ("date", "二〇二〇年三月二十三日", (230, 640), BLACK),
    ):
        draw.text(xy, text, font=font, fill=colour)
        x0, y0, x1, y1 = draw.textbbox(xy, text, font=font)
        boxes[key] = (x0 - 6, y0 - 16, x1 + 6, y1 + 16)  # as loose as OCR draws them
    return cv2.cvtColor(np.array(image), cv2.COLOR_RGB2BGR), boxes


def test_black_print_under_a_seal_stays_and_the_seals_lettering_goes():
    image, boxes = _page()
    texts = {"lettering": "检验检测专用章", "institution": "山东省软件评测中心",
             "date": "二〇二〇年三月二十三日"}  # fmt: skip
    lines = [TextLine(texts[k], tuple(float(v) for v in box), 0.95) for k, box in boxes.items()]
    kept = [line.text for line in without_seal_lettering(lines, image, [(240, 240, 660, 660)])]
    assert kept == ["山东省软件评测中心", "二〇二〇年三月二十三日"]


def test_print_under_a_seal_is_read_again_from_the_seals_region_in_page_pixels():
    from extractors.normalize import find_dates
    from extractors.ocr import get_engine
    from extractors.under_seals import lines_under_seals

    image, boxes = _page()
    page = np.full((1400, 1600, 3), 255, np.uint8)
    page[300:1200, 500:1400] = image  # the seal's foot placed on a larger page
    held = TextLine("山东省软件评测中心", (770.0, 709.0, 1130.0, 781.0), 0.9)
    extra = lines_under_seals(page, get_engine("rapidocr"), [(740, 540, 1160, 960)], [held])
    dated = [line for line in extra if find_dates(line.text)]
    assert [line.text for line in dated] == ["二〇二〇年三月二十三日"]
    x0, y0, x1, y1 = boxes["date"]
    box = dated[0].box
    assert abs(box[0] - (x0 + 500)) < 30 and abs(box[1] - (y0 + 300)) < 30
    assert not any("山东省" in line.text for line in extra)  # a line already held is not added


def test_a_line_already_held_is_not_recognised_again_in_the_seals_region():
    from extractors.ocr import get_engine
    from extractors.under_seals import lines_under_seals

    image, _boxes = _page()
    page = np.full((1400, 1600, 3), 255, np.uint8)
    page[300:1200, 500:1400] = image
    engine = get_engine("rapidocr")
    recognised: list[int] = []
    recognise = engine._recognise

    def counting(img, quads, page_quads, keep_empty=False):
        recognised.append(len(quads))
        return recognise(img, quads, page_quads, keep_empty)

    engine._recognise = counting
    try:
        region = [(740, 540, 1160, 960)]
        lines_under_seals(page, engine, region, [])
        alone = sum(recognised)
        recognised.clear()
        held = TextLine("山东省软件评测中心", (770.0, 709.0, 1130.0, 781.0), 0.9)
        lines_under_seals(page, engine, region, [held])
        assert sum(recognised) == alone - 1  # the institution's line is held: one crop fewer
    finally:
        engine._recognise = recognise
