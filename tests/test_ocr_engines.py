"""The rapidocr 3 engine: the models of its wheel (never a download), lines and raw lines read."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from extractors.ocr import ENGINES, RAPIDOCR3_MODELS, get_engine

rapidocr = pytest.importorskip("rapidocr")

TEXT = "91320100MA1PQR23KH"


@pytest.fixture(scope="module")
def engine():
    return get_engine("rapidocr3")


def page(upside_down: bool = False) -> np.ndarray:
    image = np.full((900, 1400, 3), 255, np.uint8)
    cv2.putText(image, TEXT, (80, 300), cv2.FONT_HERSHEY_SIMPLEX, 2.2, (0, 0, 0), 5)
    cv2.putText(image, "2015-06-01", (80, 500), cv2.FONT_HERSHEY_SIMPLEX, 2.2, (0, 0, 0), 5)
    return cv2.rotate(image, cv2.ROTATE_180) if upside_down else image


def test_rapidocr3_is_selectable_and_loads_the_models_of_its_wheel(engine):
    assert ENGINES["rapidocr3"] is type(engine) and engine.name == "rapidocr3"
    shipped = Path(rapidocr.__file__).parent / "models"
    cfg = engine._ocr.cfg
    for key, file in RAPIDOCR3_MODELS.items():
        section = getattr(cfg, key.split(".")[0])
        assert Path(section.model_path) == shipped / file  # a given path is never downloaded


def test_rapidocr3_reads_lines_with_boxes(engine):
    lines = engine.read(page())
    texts = [line.text.replace(" ", "") for line in lines]
    assert TEXT in texts and "2015-06-01" in texts
    code = next(line for line in lines if line.text.replace(" ", "") == TEXT)
    x0, y0, x1, y1 = code.box
    assert 60 <= x0 <= 110 and 230 <= y0 <= 270 and x1 > 700 and 290 <= y1 <= 340


def test_rapidocr3_raw_lines_tell_an_upside_down_page(engine):
    upright = engine.read_raw(page())
    turned = engine.read_raw(page(upside_down=True))
    assert upright and not any(line.flipped for line in upright)
    assert turned and all(line.flipped for line in turned)
    assert TEXT in [line.text.replace(" ", "") for line in turned]


def test_rapidocr3_recognises_one_line_with_each_characters_place(engine):
    strip = np.full((64, 900, 3), 255, np.uint8)
    cv2.putText(strip, TEXT, (30, 48), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (0, 0, 0), 3)
    reading = engine.recognize_line(strip)
    assert reading.text.replace(" ", "") == TEXT and reading.confidence > 0.8
    places = [place for _, place, _ in reading.chars]
    assert [c for c, _, _ in reading.chars] == list(TEXT)
    assert places == sorted(places) and 0.0 < places[0] < 0.15 and 0.6 < places[-1] < 1.0
    # the engine's next page is read as before: detection is on and no word boxes are kept
    assert TEXT in [line.text.replace(" ", "") for line in engine.read(page())]


FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def _printed(text: str) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1200, 160), "white")
    ImageDraw.Draw(image).text((40, 50), text, font=ImageFont.truetype(FONT, 48), fill="black")
    return np.array(image)[:, :, ::-1].copy()


def test_the_default_engine_is_rapidocr_14s_detector_with_the_pp_ocrv6_recogniser():
    default, shipped = get_engine("rapidocr"), get_engine("rapidocr-v4")
    assert default.name == "rapidocr" and shipped.name == "rapidocr-v4"
    assert (
        Path(default.rec_model)
        == Path(rapidocr.__file__).parent / "models" / (RAPIDOCR3_MODELS["Rec.model_path"])
    )
    assert shipped.rec_model is None
    from intake.cli.main import ENGINE_NAMES

    assert sorted(ENGINE_NAMES) == sorted(ENGINES)


def test_the_default_engine_reads_characters_pp_ocrv4_has_not():
    name = "宁波市北仑区大碶街道长堎工业区"  # 碶 and 堎 are not among PP-OCRv4's 6,623
    read = "".join(line.text for line in get_engine("rapidocr").read(_printed(name)))
    assert read.replace(" ", "") == name


def test_the_default_engine_writes_punctuation_beside_chinese_full_width_and_drops_other_scripts():
    tidy = get_engine("rapidocr")._text
    assert tidy(" 有限责任公司(自然人投资或控股) ") == "有限责任公司（自然人投资或控股）"
    assert tidy("住所:南京市,玄武区;") == "住所：南京市，玄武区；"
    assert tidy("GB/T 25000.51-2016 (V1.0)") == "GB/T 25000.51-2016 (V1.0)"
    assert tidy("è") == "" and tidy("アイ") == ""
    # of the characters only PP-OCRv6 knows, the Han ones stay and the symbols go
    assert tidy("☑型") == "型" and tidy("⇧深圳市颢天电子有限公司") == "深圳市颢天电子有限公司"
    assert tidy("注册资本 100万元 ©") == "注册资本 100万元"
    assert (
        tidy("代码 ９１３２０１００ＭＡ１Ｘ") == "代码 ９１３２０１００ＭＡ１Ｘ"
    )  # full-width stays


def test_seals_are_read_by_pp_ocrv4_and_rows_by_pp_ocrv6_whatever_the_rapidocr_engine():
    from intake.pipeline.read import Pipeline, PipelineOptions

    default = Pipeline()
    assert default.seal_engine.name == "rapidocr-v4" and default.row_engine is default.engine
    shipped = Pipeline(PipelineOptions(engine="rapidocr-v4"))
    assert shipped.seal_engine is shipped.engine and shipped.row_engine.name == "rapidocr"


@pytest.mark.parametrize("name", ["rapidocr-v4", "rapidocr"])
def test_a_line_recognised_with_its_steps_reads_the_same_and_a_blank_strip_too(name):
    engine = get_engine(name)
    strip = np.full((64, 900, 3), 255, np.uint8)
    cv2.putText(strip, TEXT, (30, 48), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (0, 0, 0), 3)
    plain, stepped = engine.recognize_line(strip), engine.recognize_line(strip, with_steps=True)
    assert plain.steps is None and stepped.text == plain.text
    assert stepped.steps is not None and stepped.steps.text == TEXT
    assert stepped.steps.support(TEXT) == pytest.approx(1.0)
    assert stepped.steps.support(TEXT.replace("M", "W")) < 0.5
    blank = engine.recognize_line(np.full((40, 300, 3), 255, np.uint8), with_steps=True)
    assert blank.steps is not None and blank.steps.text == ""
