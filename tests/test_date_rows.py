"""A date under its label that the page's reading broke into pieces, read again as one row."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from core.model import PageKind, TextLine
from extractors.date_rows import date_rows, read_date_rows
from extractors.fields import extract_fields
from extractors.ocr import LineChars, get_engine, recognize_line
from intake.pipeline.read import Pipeline, PipelineOptions

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
ISSUE = ["issue_date"]


def box(text: str, x: float, y: float, size: float = 40) -> TextLine:
    return TextLine(text, (x, y, x + size * len(text), y + size), 0.99)


LABEL = box("登记机关", 1000, 900)
PIECES = [
    box("2019", 1280, 1030),
    box("年", 1370, 1035),
    box("09", 1420, 1025),
    box("月", 1500, 1035),
]


def reads(text: str):
    seen: list[tuple[int, int]] = []

    def recognise(strip: np.ndarray) -> LineChars:
        seen.append(strip.shape[:2])
        return LineChars(text, 0.97)

    recognise.seen = seen  # type: ignore[attr-defined]
    return recognise


def test_the_row_under_the_label_is_placed_by_its_pieces_and_widened_for_what_was_lost():
    (row,) = date_rows(PageKind.BUSINESS_LICENSE, [LABEL, *PIECES], ISSUE)
    assert set(row.pieces) == set(PIECES)
    x0, y0, x1, y1 = row.box
    assert x0 < 1280 - 40 and x1 > 1540 + 80  # room for a lost 二〇 or 19 日
    assert y0 < 1025 and y1 > 1075 and y1 < 1130


def test_the_row_read_as_one_line_takes_the_place_of_its_pieces_and_gives_the_date():
    lines = [LABEL, *PIECES]
    rows = date_rows(PageKind.BUSINESS_LICENSE, lines, ISSUE)
    recognise = reads("2019年09月19日")
    again = read_date_rows(np.full((1400, 2000), 255, np.uint8), rows, recognise, lines)
    assert recognise.seen and [line.text for line in again] == ["登记机关", "2019年09月19日"]
    assert extract_fields(PageKind.BUSINESS_LICENSE, again)["issue_date"].value == "2019-09-19"


def test_a_row_read_unlike_the_digits_its_pieces_read_is_not_taken():
    lines = [LABEL, *PIECES]
    rows = date_rows(PageKind.BUSINESS_LICENSE, lines, ISSUE)
    image = np.full((1400, 2000), 255, np.uint8)
    assert read_date_rows(image, rows, reads("2018年09月19日"), lines) is lines
    assert read_date_rows(image, rows, reads("2019年09月"), lines) is lines  # no date at all


def test_a_sentence_that_names_the_label_places_no_row():
    sentence = box("登记事项发生变化，应当向公司登记机关申请变更登记", 600, 900, 20)
    rule = box("每年三月一日至六月三十日", 600, 960, 20)
    assert date_rows(PageKind.BUSINESS_LICENSE, [sentence, rule, *PIECES], ISSUE) == []


def test_the_row_never_reaches_into_another_line_beside_it():
    beside = box("（依法须经批准的项目）", 700, 1030, 30)
    (row,) = date_rows(PageKind.BUSINESS_LICENSE, [LABEL, beside, *PIECES], ISSUE)
    assert row.box[0] > beside.box[2]


def test_a_long_line_under_the_label_is_no_piece_of_its_date():
    long_line = box("2019年09月19日起至长期有效的各项经营许可", 1000, 1030, 30)
    assert date_rows(PageKind.BUSINESS_LICENSE, [LABEL, long_line], ISSUE) == []


def _spaced_date() -> np.ndarray:
    page = Image.new("L", (900, 160), 255)
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(FONT, 40)
    for text, x in (("2019", 60), ("年", 165), ("09", 220), ("月", 280), ("19", 335), ("日", 390)):
        draw.text((x, 60), text, font=font, fill=20)
    return np.array(page)


def test_the_row_recogniser_reads_the_whole_row_where_the_page_found_only_some_pieces():
    at = {"2019": (58, 62, 152, 106), "年": (163, 60, 207, 106), "09": (218, 62, 264, 106)}
    pieces = [TextLine(text, place, 0.99) for text, place in at.items()]
    label = TextLine("登记机关", (60, 0, 300, 40), 0.99)
    lines = [label, *pieces]
    rows = date_rows(PageKind.BUSINESS_LICENSE, lines, ISSUE)
    engine = get_engine("rapidocr3")
    again = read_date_rows(_spaced_date(), rows, lambda s: recognize_line(engine, s), lines)
    assert extract_fields(PageKind.BUSINESS_LICENSE, again)["issue_date"].value == "2019-09-19"


class _Pieces:
    """OCR that reads a licence with its issue date in pieces, and the row whole when asked."""

    name = "pieces"

    def __init__(self) -> None:
        self.rows: list[tuple[int, int]] = []

    def read(self, image: np.ndarray) -> list[TextLine]:
        return [
            box("营业执照", 800, 100),
            box("名称 南京示例软件有限公司", 200, 300),
            box("类型 有限责任公司", 200, 400),
            box("法定代表人 张三", 200, 500),
            box("住所 南京市玄武区珠江路1号", 200, 600),
            box("成立日期 2016年07月04日", 200, 700),
            LABEL,
            *PIECES,
        ]

    def recognize_line(self, image: np.ndarray) -> LineChars:
        self.rows.append(image.shape[:2])
        return LineChars("2019年09月19日", 0.95)


def test_the_pipeline_reads_a_licences_lost_issue_date_from_its_row(tmp_path: Path):
    path = tmp_path / "licence.png"
    cv2.imwrite(str(path), np.full((1400, 2000, 3), 250, np.uint8))
    engine = _Pieces()
    options = PipelineOptions(cleanup=False, triage=False, read_seals=False)
    page = Pipeline(options, engine).read_document(path).pages[0]
    assert len(engine.rows) == 1
    assert page.fields["issue_date"].value == "2019-09-19"
    assert "2019年09月19日" in [line.text for line in page.lines]
