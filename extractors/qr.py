"""The licence's QR code: found and decoded with zxing-cpp, and the codes its payload carries.

Since 2014 a 营业执照 carries a QR code that the registration office printed with it. What it
holds varies by year and province: a 国家企业信用信息公示系统 URL ending `?uniscid=<credit code>`,
a provincial URL (`cid=`, `zch=`), plain text (`统一社会信用代码：…；注册号：…；名称：…`), or on an
electronic licence a JSON `parm` whose `ei` is the code. Rather than a parser per form, the payload
is searched for an 18-character run that passes its GB 32100-2015 check character and a 15-digit
run that passes ISO 7064 MOD 11,10: a code in a QR is a second reading of the printed one, used to
confirm it (`confirm_printed`), never to stand in for a code that was not read on the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import cv2
import numpy as np

from core.model import Box, FieldValue
from extractors.normalize import (
    codes_alike,
    is_valid_credit_code,
    is_valid_registration_number,
    misread_of,
    normalize_credit_code,
)

CONFIRMED_CONFIDENCE = 0.99
"""Confidence of a printed code that the QR code's payload (Reed-Solomon checked) agrees with."""
UPSCALE_BELOW = 2500
"""Pages (or crops) smaller than this on their long side are also tried enlarged 2×."""

_CREDIT_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")
_NUMBER_RUN = re.compile(r"(?<![0-9])[0-9]{15}(?![0-9])")


@dataclass(frozen=True)
class QrReading:
    """One decoded QR code: its payload, where it stands, and the codes it carries."""

    text: str
    box: Box
    """Around the symbol, in pixels of the image given to `read_qr_codes`."""
    credit_code: str | None = None
    registration_number: str | None = None


def codes_in_payload(text: str) -> tuple[str | None, str | None]:
    """The credit code and the 15-digit 注册号 a payload carries, each only if its check passes."""
    credit = next(
        (c.upper() for c in _CREDIT_RUN.findall(text) if is_valid_credit_code(c.upper())), None
    )
    number = next((n for n in _NUMBER_RUN.findall(text) if is_valid_registration_number(n)), None)
    return credit, number


def _decode(grey: np.ndarray, **options) -> list:
    import zxingcpp

    # QR Model 2 only: zxing-cpp 3's `QRCode` family also holds Micro QR, whose few check
    # symbols let blurred print decode into short nonsense.
    found = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCodeModel2, **options)
    return [r for r in found if r.valid or options.get("return_errors")]


def _box(result, scale: float, dx: int, dy: int) -> Box:
    p = result.position
    xs = [pt.x for pt in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
    ys = [pt.y for pt in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
    return (
        round(min(xs) / scale + dx, 1),
        round(min(ys) / scale + dy, 1),
        round(max(xs) / scale + dx, 1),
        round(max(ys) / scale + dy, 1),
    )


def _enlarged(grey: np.ndarray, factor: float) -> np.ndarray:
    return cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)


def _attempts(grey: np.ndarray):
    """(image, scale, dx, dy, options) to try in turn, cheapest first; stops at the first find."""
    import zxingcpp

    yield grey, 1.0, 0, 0, {}
    yield grey, 1.0, 0, 0, {"binarizer": zxingcpp.Binarizer.GlobalHistogram}
    # A symbol that was found but did not decode: its neighbourhood enlarged, then thresholded.
    for failed in _decode(grey, return_errors=True):
        x0, y0, x1, y1 = (int(v) for v in _box(failed, 1.0, 0, 0))
        margin = int(0.3 * max(x1 - x0, y1 - y0)) + 10
        dx, dy = max(0, x0 - margin), max(0, y0 - margin)
        crop = grey[dy : y1 + margin, dx : x1 + margin]
        for factor in (2.0, 3.0):
            big = _enlarged(crop, factor)
            yield big, factor, dx, dy, {}
            _, binary = cv2.threshold(big, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
            yield binary, factor, dx, dy, {}
    height, width = grey.shape[:2]
    if max(height, width) < UPSCALE_BELOW:
        yield _enlarged(grey, 2.0), 2.0, 0, 0, {}
    # Small symbols in one corner of a large photo: each quarter, enlarged.
    for dy, dx in ((0, width // 2), (0, 0), (height // 2, width // 2), (height // 2, 0)):
        quarter = grey[dy : dy + height // 2, dx : dx + width // 2]
        if max(quarter.shape[:2]) < UPSCALE_BELOW:
            yield _enlarged(quarter, 2.0), 2.0, dx, dy, {}


def read_qr_codes(image: np.ndarray) -> list[QrReading]:
    """The QR codes decoded on a page image (BGR or grey); [] when there is none or none decodes.

    The whole page first; only if nothing decodes, a symbol found but not decoded is enlarged and
    thresholded, then a small page is enlarged, then each quarter of the page.
    """
    if image is None or image.size == 0:
        return []
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    grey = np.ascontiguousarray(grey)
    for candidate, scale, dx, dy, options in _attempts(grey):
        found = _decode(candidate, **options)
        if found:
            readings = []
            for result in found:
                credit, number = codes_in_payload(result.text)
                box = _box(result, scale, dx, dy)
                readings.append(QrReading(result.text, box, credit, number))
            return readings
    return []


def qr_fields(readings: list[QrReading]) -> dict[str, FieldValue]:
    """The codes the page's QR codes carry, as fields with the symbol's box as evidence."""
    fields: dict[str, FieldValue] = {}
    for reading in readings:
        for name, value in (
            ("qr_credit_code", reading.credit_code),
            ("qr_registration_number", reading.registration_number),
        ):
            if value and name not in fields:
                raw = reading.text[:500]
                fields[name] = FieldValue(name, value, raw, confidence=1.0, box=reading.box)
    return fields


def _alike(qr_code: str, read: str) -> bool:
    return codes_alike(read, qr_code)


def confirm_printed(fields: dict[str, FieldValue]) -> dict[str, FieldValue]:
    """The page's fields with the printed codes checked against the QR's reading of them.

    Where the printed code reads the same as the QR's, its confidence is raised. Where the
    printed reading fails its own check character and differs from the QR's code only by
    characters OCR confuses (1/L, 0/O, 8/B …) — or, for a credit code, in one character (two
    valid codes differ in two at least: extractors/normalize.misread_of) — it is the same
    printed code misread: the QR's characters are taken, the OCR text kept as `raw`. A code the page did not yield is never
    filled in from the QR; a valid printed code that differs is left for the rules to flag.
    """
    out = dict(fields)
    for printed_name, qr_name, valid, close in (
        ("credit_code", "qr_credit_code", is_valid_credit_code, misread_of),
        ("registration_number", "qr_registration_number", is_valid_registration_number, _alike),
    ):
        printed, qr = fields.get(printed_name), fields.get(qr_name)
        if printed is None or qr is None or printed.value is None:
            continue
        read = normalize_credit_code(str(printed.value))
        if read == qr.value:
            confidence = max(printed.confidence, CONFIRMED_CONFIDENCE)
            out[printed_name] = replace(printed, confidence=confidence)
        elif not valid(read) and close(qr.value, read):
            confidence = max(printed.confidence, CONFIRMED_CONFIDENCE)
            out[printed_name] = replace(printed, value=qr.value, confidence=confidence)
    return out
