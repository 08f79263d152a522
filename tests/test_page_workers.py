"""Pages of one file read on two threads: the same pages, fields and order as one at a time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.model import TextLine
from intake.pipeline.read import Pipeline, PipelineOptions
from tests.api_support import BUNDLE_COLORS, Boom, ScriptedEngine, bundle_engine

COLORS = BUNDLE_COLORS * 2


class Overlapping(ScriptedEngine):
    """The scripted engine, counting how many pages it reads at the same moment."""

    def __init__(self, base: ScriptedEngine):
        super().__init__(base.scripts, delay=0.3)
        self._lock = threading.Lock()
        self.busy = 0
        self.most = 0

    def read(self, image: np.ndarray) -> list[TextLine]:
        with self._lock:
            self.busy += 1
            self.most = max(self.most, self.busy)
        try:
            return super().read(image)
        finally:
            with self._lock:
                self.busy -= 1


def _file(tmp_path: Path, kind: str, colors) -> Path:
    images = [Image.new("RGB", (240, 320), c) for c in colors]
    path = tmp_path / f"bundle.{kind}"
    images[0].save(path, format=kind.upper(), save_all=True, append_images=images[1:])
    return path


def _read(path: Path, workers: int, engine: ScriptedEngine):
    pipeline = Pipeline(
        PipelineOptions(cleanup=False, triage=False, page_workers=workers), engine=engine
    )
    handed, progress = [], []
    result = pipeline.read_document(
        path,
        on_page=lambda page, image: handed.append((page.index, image.shape)),
        progress=lambda done, total: progress.append((done, total)),
    )
    return result, handed, progress


@pytest.mark.parametrize("kind", ["pdf", "tiff"])
def test_two_threads_read_what_one_reads_in_order(tmp_path, kind):
    path = _file(tmp_path, kind, COLORS)
    one, one_handed, one_progress = _read(path, 1, Overlapping(bundle_engine()))
    engine = Overlapping(bundle_engine())
    two, two_handed, two_progress = _read(path, 2, engine)
    assert engine.most == 2  # two pages were read at the same moment
    assert [p.index for p in two.pages] == list(range(len(COLORS)))
    assert [(p.kind, {k: v.value for k, v in p.fields.items()}) for p in two.pages] == [
        (p.kind, {k: v.value for k, v in p.fields.items()}) for p in one.pages
    ]
    if kind == "tiff":  # (a PDF's pages are JPEG: their colours, the scripts' keys, shift)
        assert {p.kind.value for p in two.pages} >= {"business_license", "test_report"}
    assert two_handed == one_handed and [i for i, _ in two_handed] == list(range(len(COLORS)))
    assert two_progress == one_progress == [(i + 1, len(COLORS)) for i in range(len(COLORS))]


def test_a_page_that_fails_on_a_thread_fails_the_read(tmp_path):
    path = _file(tmp_path, "tiff", COLORS)
    engine = bundle_engine()
    engine.scripts[BUNDLE_COLORS[2]] = None  # the test report's page crashes the engine
    started = time.perf_counter()
    with pytest.raises(Boom):
        _read(path, 2, Overlapping(engine))
    assert time.perf_counter() - started < 30
