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
