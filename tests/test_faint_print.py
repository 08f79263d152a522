"""Light print across the text (a copy's watermark) removed for a second reading of the page."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from core.model import TextLine
from extractors.faint_print import darkest_ink, ink_thresholds
from intake.pipeline.read import Pipeline, PipelineOptions
from tests.api_support import text_lines

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
PAPER, WATERMARK, INK = 245, 170, 25
DATE = "2016年07月04日"


def _watermarked() -> tuple[np.ndarray, np.ndarray]:
    """A licence's row in black, crossed by a large grey watermark drawn over it (as a copy's
    仅限…使用 stamp is); and the mask of the watermark's pixels that lie on no print."""
    size = (1200, 400)
    text = Image.new("L", size, 0)
    ImageDraw.Draw(text).text(
        (60, 170), f"成立日期  {DATE}", font=ImageFont.truetype(FONT, 44), fill=255
    )
    mark = Image.new("L", size, 0)
    ImageDraw.Draw(mark).text(
        (20, 60), "仅限办理投标业务使用", font=ImageFont.truetype(FONT, 120), fill=255
    )
    mark = mark.rotate(8, center=(600, 200))
    text_px, mark_px = np.array(text) > 128, np.array(mark) > 128
    page = np.full(size[::-1], PAPER, np.uint8)
    page[mark_px] = WATERMARK
    page[text_px] = INK
    return cv2.cvtColor(page, cv2.COLOR_GRAY2BGR), mark_px & ~cv2.dilate(
        text_px.astype(np.uint8), np.ones((5, 5), np.uint8)
    ).astype(bool)


def test_three_classes_of_grey_are_split_between_ink_light_print_and_paper():
    grey = np.concatenate(
        [np.full(3000, INK), np.full(5000, WATERMARK), np.full(20000, PAPER)]
    ).astype(np.uint8)
    grey = np.clip(grey.astype(int) + np.random.default_rng(3).integers(-8, 9, grey.size), 0, 255)
    ink, light = ink_thresholds(grey.astype(np.uint8))
    assert INK + 8 <= ink < WATERMARK - 8 and WATERMARK + 8 <= light < PAPER - 8


def test_the_watermark_goes_and_the_print_it_crossed_stays():
    page, watermark_only = _watermarked()
    ink = darkest_ink(page)
    assert ink is not None and ink.ndim == 2
    assert (ink[watermark_only] == 255).all()
    assert (ink < 100).sum() > 0.9 * (cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) < 100).sum()


def test_a_page_of_paper_and_ink_only_has_no_lighter_print_to_remove():
    page = np.full((200, 400), 255, np.uint8)
    page[80:120, 50:350] = 0
    assert darkest_ink(page) is None


def test_the_darkest_ink_reads_the_date_the_watermark_crossed():
    from extractors.ocr import get_engine

    ink = darkest_ink(_watermarked()[0])
    read = "".join(line.text for line in get_engine("rapidocr").read(ink))
    assert DATE in read.replace(" ", "")


LICENCE = ["营业执照", "名称 南京示例软件有限公司", "类型 有限责任公司", "法定代表人 张三",
           "住所 南京市玄武区珠江路1号"]  # fmt: skip


class _TwoReadings:
    """OCR that reads `first` on the page as printed and, on its darkest ink (a grey image),
    the 成立日期 row the first reading lost, with the name misread."""

    name = "two readings"

    def __init__(self, first: list[str]) -> None:
        self.first = first
        self.images: list[np.ndarray] = []

    def read(self, image: np.ndarray) -> list[TextLine]:
        self.images.append(image)
        if len(self.images) == 1:
            return text_lines(self.first)
        return text_lines(["营业执照", "名称 南京示例软件有限公", f"成立日期 {DATE}"])


def _read(tmp_path: Path, engine: _TwoReadings):
    path = tmp_path / "licence.png"
    cv2.imwrite(str(path), _watermarked()[0])
    pipeline = Pipeline(PipelineOptions(cleanup=False, triage=False, read_seals=False), engine)
    return pipeline.read_document(path).pages[0]


def test_a_field_every_licence_prints_lost_on_the_page_comes_from_its_darkest_ink(tmp_path: Path):
    engine = _TwoReadings(LICENCE)
    result = _read(tmp_path, engine)
    assert len(engine.images) == 2 and engine.images[1].ndim == 2
    assert result.fields["established_date"].value == "2016-07-04"
    assert result.fields["name"].value == "南京示例软件有限公司"  # the first reading stands
    assert [line.text for line in result.ink_lines][-1] == f"成立日期 {DATE}"
    assert f"成立日期 {DATE}" not in [line.text for line in result.lines]


def test_a_licence_read_in_full_is_read_once(tmp_path: Path):
    engine = _TwoReadings([*LICENCE, f"成立日期 {DATE}"])
    result = _read(tmp_path, engine)
    assert len(engine.images) == 1 and result.ink_lines == []
    assert result.fields["established_date"].value == "2016-07-04"


def test_a_second_reading_recognises_only_the_lines_not_read_in_the_same_place():
    from extractors.ocr import get_engine

    engine = get_engine("rapidocr")
    ink = darkest_ink(_watermarked()[0])
    first = engine.read(ink)
    assert first, "the darkest ink of the row reads"
    stand_in = [TextLine("已读的行", line.box, 0.5) for line in first]  # same places, other words
    assert [line.text for line in engine.read_new(ink, stand_in)] == ["已读的行"] * len(first)
    assert [line.text for line in engine.read_new(ink, [])] == [line.text for line in first]


def test_a_second_reading_at_a_smaller_size_gives_boxes_in_the_pages_pixels():
    from extractors.ocr import read_again

    class Halved:
        def read(self, image: np.ndarray) -> list[TextLine]:
            assert image.shape == (350, 600)
            return [TextLine("成立日期", (35.0, 70.0, 175.0, 105.0), 0.9)]

    got = read_again(Halved(), np.zeros((500, 857), np.uint8), [], scale=0.7)
    assert [round(v) for v in got[0].box] == [50, 100, 250, 150]
