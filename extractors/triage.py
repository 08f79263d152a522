"""The cheap first pass over a page: its upright orientation and a few lines read at low resolution."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.model import TextLine
from extractors.ocr import onnx_threads, quad_to_box

TRIAGE_SIDE = 1100
"""Long side in pixels of the image the first pass looks at (about 95 DPI for A4)."""
DETECT_SIDE = 800
"""Long side of the copy the first pass finds lines on; crops are read from the larger image."""
MAX_TRIAGE_LINES = 12


@dataclass(frozen=True)
class Triage:
    rotation: int
    """Clockwise degrees that turn the page upright."""
    lines: list[TextLine]
    """Lines read at low resolution, boxes in pixels of the upright small image."""
    scale: float
    """Small image pixels per original pixel."""
    height: int


def _rotate(image: np.ndarray, clockwise: int) -> np.ndarray:
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[clockwise]) if clockwise else image


class Triager:
    """Orientation and quick reading with the PP-OCR detector, classifier and recogniser."""

    def __init__(self, det_side: int = 480, threads: int | None = None, ocr=None):
        """`ocr`: a loaded RapidOCR whose classifier and recogniser to share (saves loading)."""
        from rapidocr_onnxruntime import RapidOCR
        from rapidocr_onnxruntime.ch_ppocr_det import TextDetector
        from rapidocr_onnxruntime.main import DEFAULT_CFG_PATH
        from rapidocr_onnxruntime.utils import read_yaml, update_model_path

        config = update_model_path(read_yaml(DEFAULT_CFG_PATH))
        det_config = dict(
            config["Det"], limit_side_len=det_side, limit_type="min", **onnx_threads(threads)
        )
        self._ocr = ocr or RapidOCR(**onnx_threads(threads))
        self._det = TextDetector(det_config)

    def _boxes(self, image: np.ndarray) -> list[np.ndarray]:
        """Line quads found on a smaller copy (finding lines needs less than reading them)."""
        factor = min(1.0, DETECT_SIDE / max(image.shape[:2]))
        small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        boxes, _ = self._det(small)
        if boxes is None or len(boxes) == 0:
            return []
        return [box / factor for box in self._ocr.sorted_boxes(boxes)]

    def _upside_down_votes(self, image: np.ndarray, boxes: list[np.ndarray]) -> float:
        """Share of confident line-classifier votes saying the lines are upside down."""
        widest = sorted(boxes, key=lambda b: -np.linalg.norm(b[0] - b[1]))[:12]
        crops = self._ocr.get_crop_img_list(image, widest)
        _, cls_res, _ = self._ocr.text_cls(crops)
        votes = [(label == "180") * 2 - 1 for label, score in cls_res if score > 0.75]
        return float(np.mean(votes)) if votes else -1.0

    def triage(self, image: np.ndarray) -> Triage:
        scale = min(1.0, TRIAGE_SIDE / max(image.shape[:2]))
        small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        # No lock: onnxruntime's sessions run concurrently, and at this size two pages' line
        # detection at once takes little memory (two pages are looked at on two threads).
        boxes = self._boxes(small)
        rotation = 0
        if boxes and _mostly_vertical(boxes):
            small = _rotate(small, 90)
            rotation = 90
            boxes = self._boxes(small)
        if boxes and self._upside_down_votes(small, boxes) > 0:
            small = _rotate(small, 180)
            rotation = (rotation + 180) % 360
            boxes = self._boxes(small)
        lines = self._read_some(small, boxes)
        return Triage(rotation=rotation, lines=lines, scale=scale, height=small.shape[0])

    def _read_some(self, image: np.ndarray, boxes: list[np.ndarray]) -> list[TextLine]:
        """Recognise the lines that tell a page's kind: titles and short labels first."""
        if not boxes:
            return []
        heights = np.array([np.linalg.norm(b[0] - b[3]) for b in boxes])
        widths = np.array([np.linalg.norm(b[0] - b[1]) for b in boxes])
        median_h = float(np.median(heights))
        priority = []
        for i, (h, w) in enumerate(zip(heights, widths)):
            tall = h >= 1.3 * median_h
            label_like = w <= 12 * h
            priority.append((0 if tall else 1 if label_like else 2, boxes[i][0][1], i))
        # Titles and label-like lines tell the kind; long prose lines cost the most to read.
        wanted = [item for item in sorted(priority) if item[0] < 2] or sorted(priority)
        chosen = [i for *_, i in wanted[:MAX_TRIAGE_LINES]]
        chosen.sort()
        crops = self._ocr.get_crop_img_list(image, [boxes[i] for i in chosen])
        crops, _, _ = self._ocr.text_cls(crops)
        rec, _ = self._ocr.text_rec(crops)
        lines = []
        for i, (text, score, *_rest) in zip(chosen, rec):
            if text.strip():
                lines.append(TextLine(text.strip(), quad_to_box(boxes[i]), float(score)))
        return lines


def _mostly_vertical(boxes: list[np.ndarray]) -> bool:
    """True when text lines run top-to-bottom: the page lies on its side."""
    tall = wide = 0.0
    for b in boxes:
        w = np.linalg.norm(b[0] - b[1])
        h = np.linalg.norm(b[0] - b[3])
        if max(w, h) < 12:
            continue
        if h > 1.5 * w:
            tall += h
        elif w > 1.5 * h:
            wide += w
    return tall > wide
