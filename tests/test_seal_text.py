"""Reading seals and signatures on drawn pages (tools/synth seals, OpenCV strokes), with the real OCR.

The seals are drawn by the sample generator's own seal painter: ring, star, the name clockwise
along the upper arc, straight words or a code along the lower arc, uneven ink, any turn.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from core.filing import parse_filing
from core.model import PageKind, PagePart
from extractors import seal_text
from extractors.signature import find_signature
from intake.pipeline.check import check_case
from intake.pipeline.read import Pipeline
from intake.pipeline.report import CheckReport
from tests.helpers import SAMPLES, assert_valid_report
from tools.synth.layout import FONTS, PageLayout, Seal, font_set, pil_font
from tools.synth.raster import rasterize
from tools.synth.seal import seal_image
from validators.seal_evidence import special_words

NAME = "南京云帆信息科技有限公司"
INSTITUTION = "江苏省软件产品检测中心"


@pytest.fixture(scope="module")
def engine():
    return Pipeline().seal_engine  # the recogniser the pipeline reads seals with


def page_with(*seals: tuple[Seal, tuple[int, int]], size=(1400, 1100)) -> np.ndarray:
    page = Image.new("RGB", size, (252, 252, 250))
    draw = ImageDraw.Draw(page)
    draw.text(
        (80, 60), "营业执照（副本）  登记机关", font=pil_font(FONTS["ming"], 44), fill=(25, 25, 25)
    )
    for seal, (cx, cy) in seals:
        image = seal_image(seal, 1.0)
        page.paste(image, (cx - image.width // 2, cy - image.height // 2), image)
    return cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR)


@pytest.mark.parametrize("tilt", [0, 28, -41, 172])
def test_a_round_seal_is_read_at_any_turn_with_its_star_and_code(engine, tilt):
    image = page_with((Seal(0, 0, 230, NAME, code="3201000012345", tilt=tilt, seed=3), (700, 600)))
    (reading,) = seal_text.read_seals(image, engine)
    assert reading.text == NAME
    assert reading.code == "3201000012345"
    assert reading.star is True
    assert reading.confidence >= 0.8
    x0, y0, x1, y1 = reading.box
    assert abs((x0 + x1) / 2 - 700) < 25 and abs((y0 + y1) / 2 - 600) < 25
    assert 440 <= x1 - x0 <= 560 and 440 <= y1 - y0 <= 560


def test_an_oval_seal_with_straight_words_inside(engine):
    oval = Seal(0, 0, 230, INSTITUTION, bottom="检验检测专用章", squash=0.72, seed=4)
    (reading,) = seal_text.read_seals(page_with((oval, (700, 550))), engine)
    assert reading.text == INSTITUTION
    assert "检测专用章" in reading.centre_text
    assert special_words(reading) == "检测专用章"
    x0, y0, x1, y1 = reading.box
    assert (x1 - x0) > 1.25 * (y1 - y0)  # wider than tall, as drawn


def test_two_seals_on_one_page_are_both_read(engine):
    image = page_with(
        (Seal(0, 0, 210, "南京市市场监督管理局", seed=7, tilt=-8), (380, 600)),
        (Seal(0, 0, 200, NAME, seed=8, tilt=12, ink=0.7), (1030, 620)),
    )
    texts = sorted(r.text for r in seal_text.read_seals(image, engine))
    assert texts == sorted(["南京市市场监督管理局", NAME])


def test_a_seal_whose_lettering_cannot_be_read_is_kept_as_unread(engine):
    (reading,) = seal_text.read_seals(page_with((Seal(0, 0, 230, "", seed=9), (700, 600))), engine)
    assert reading.text == "" and reading.confidence == 0.0 and reading.star is True
    x0, y0, x1, y1 = reading.box
    assert abs((x0 + x1) / 2 - 700) < 25 and abs((y0 + y1) / 2 - 600) < 25


def test_red_print_a_filled_disc_and_a_grey_page_are_no_seals(engine):
    page = Image.new("RGB", (1400, 1100), (252, 252, 250))
    draw = ImageDraw.Draw(page)
    draw.text((100, 100), "红头文件标题", font=pil_font(FONTS["sans_bold"], 90), fill=(210, 40, 40))
    draw.ellipse((800, 500, 1150, 850), fill=(205, 32, 38))  # the emblem's red disc
    image = cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR)
    assert seal_text.read_seals(image, engine) == []
    grey = cv2.cvtColor(page_with((Seal(0, 0, 230, NAME, seed=3), (700, 600))), cv2.COLOR_BGR2GRAY)
    assert seal_text.read_seals(grey, engine) == []


# --------------------------------------------------------------------------- signatures


def signature_page(mark: str | None) -> np.ndarray:
    """A usage report's foot: 使用人签字 and, beside it, handwriting, a typed name, or nothing."""
    page = Image.new("RGB", (1600, 700), (252, 252, 250))
    draw = ImageDraw.Draw(page)
    font = pil_font(FONTS["ming"], 48)
    draw.text((120, 120), "情况属实，特此证明。", font=font, fill=(25, 25, 25))
    draw.text((120, 300), "使用人签字：", font=font, fill=(25, 25, 25))
    draw.line((420, 360, 900, 360), fill=(25, 25, 25), width=2)
    if mark == "typed":
        draw.text((440, 300), "张晓明", font=font, fill=(25, 25, 25))
    image = cv2.cvtColor(np.asarray(page), cv2.COLOR_RGB2BGR)
    if mark == "handwriting":
        rng = random.Random(11)
        x = 450.0
        for _ in range(3):  # three scrawled characters, strokes joined as a hand joins them
            points = []
            for k in range(14):
                t = k / 13
                points.append((x + 70 * t + rng.uniform(-12, 12),
                               330 + 35 * math.sin(6.3 * t + rng.uniform(0, 3)) + rng.uniform(-8, 8)))  # fmt: skip
            cv2.polylines(image, [np.array(points, np.int32)], False, (40, 40, 60), 4, cv2.LINE_AA)
            x += 95
    return image


def test_a_handwritten_signature_beside_the_label_is_found(engine):
    image = signature_page("handwriting")
    found = find_signature(image, engine.read(image))
    assert found is not None and found.value is True
    x0, y0, x1, y1 = found.box
    assert 410 <= x0 and x1 <= 910 and 270 <= y0 and y1 <= 420  # beside the label, on its line


@pytest.mark.parametrize("mark", [None, "typed"])
def test_a_blank_or_typed_signature_space_is_no_signature(engine, mark):
    image = signature_page(mark)
    assert find_signature(image, engine.read(image)) is None


# --------------------------------------------------------------------------- the pipeline


def _cover(company: str, seal: str | None) -> PageLayout:
    fonts = font_set("serif_bold", "ming", "ming")
    page = PageLayout(PageKind.OTHER, "cover")
    page.centered(900, "2021年江苏省重点领域首版次软件产品", fonts.title, 96)
    page.centered(1100, "征 集 报 告", fonts.title, 130)
    page.text(420, 1750, f"送征单位（盖章）：{company}", fonts.label, 56)
    page.text(420, 1900, "产品名称：云帆工业互联网平台V2.0", fonts.label, 56)
    if seal:
        page.add(Seal(1650, 1760, 230, seal, tilt=6, seed=21))
    return page


def _usage_report(user: str, seal: str) -> PageLayout:
    fonts = font_set("serif_bold", "ming", "ming")
    page = PageLayout(PageKind.USAGE_REPORT, "usage")
    page.centered(560, "用户使用报告", fonts.title, 110)
    page.text(300, 900, f"使用单位：{user}", fonts.label, 54)
    page.text(300, 1030, "产品名称：云帆工业互联网平台V2.0", fonts.label, 54)
    page.text(
        300,
        1160,
        "使用情况：该软件部署以来运行稳定，功能完善，达到了预期的应用效果。",
        fonts.label,
        54,
    )
    page.text(1100, 2900, f"使用单位（盖章）：{user}", fonts.label, 50)
    page.add(Seal(1850, 2900, 230, seal, tilt=-9, seed=22))
    return page


def _filing(campaign: str, submitted: str) -> object:
    data = json.loads((SAMPLES / "dev-2021-000-clean" / "filing.json").read_text("utf-8"))
    data["campaign"] = campaign
    data["submitted_at"] = submitted
    data["applicant"]["name"] = NAME
    return parse_filing(data, origin="测试")


def _scan(tmp_path: Path, name: str, layout: PageLayout) -> Path:
    path = tmp_path / name
    rasterize(layout, 300).convert("RGB").save(path, quality=92)
    return path


def test_seals_are_read_on_the_page_and_reach_the_flags_and_the_report(tmp_path):
    pipeline = Pipeline()
    cover = pipeline.read_document(_scan(tmp_path, "cover.jpg", _cover(NAME, seal=None)))
    usage = pipeline.read_document(
        _scan(
            tmp_path, "usage.jpg", _usage_report("常州恒通机械制造有限公司", "无锡远景物流有限公司")
        )
    )
    (cover_page,) = cover.pages
    assert cover_page.kind is PageKind.OTHER and cover_page.part is PagePart.REPORT_COVER
    assert cover_page.seals == []
    (usage_page,) = usage.pages
    assert usage_page.kind is PageKind.USAGE_REPORT
    (usage_seal,) = usage_page.seals
    assert usage_seal.text == "无锡远景物流有限公司"

    jiangsu = check_case(
        _filing("jiangsu-2021-first-edition", "2021-03-10T10:00:00+08:00"), [cover]
    )
    (unstamped,) = [f for f in jiangsu if f.code == "report_not_stamped_by_applicant"]
    assert (
        unstamped.source == "cover.jpg"
        and unstamped.page == 0
        and "未发现印章" in unstamped.message
    )

    citif_filing = _filing("citif-2021-2022-excellent", "2022-09-01T09:00:00+08:00")
    flags = check_case(citif_filing, [usage])
    (mismatch,) = [f for f in flags if f.code == "usage_report_seal_mismatch"]
    assert mismatch.box == usage_seal.box and mismatch.source == "usage.jpg"
    assert "无锡远景物流有限公司" in mismatch.message

    report = CheckReport(citif_filing, [usage], flags).to_dict()
    assert_valid_report(report)
    (page,) = report["documents"][0]["pages"]
    assert page["seals"][0]["text"] == "无锡远景物流有限公司"
    assert page["seals"][0]["box"] == [round(v, 1) for v in usage_seal.box]


def test_a_cover_stamped_by_the_applicant_passes(tmp_path):
    cover = Pipeline().read_document(_scan(tmp_path, "cover.jpg", _cover(NAME, seal=NAME)))
    (page,) = cover.pages
    assert page.part is PagePart.REPORT_COVER and [s.text for s in page.seals] == [NAME]
    flags = check_case(_filing("jiangsu-2021-first-edition", "2021-03-10T10:00:00+08:00"), [cover])
    assert "report_not_stamped_by_applicant" not in [f.code for f in flags]
