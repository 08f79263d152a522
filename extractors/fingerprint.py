"""A page's fingerprint: what stays the same when one sheet of paper is scanned again.

Two parts, both needed to call two pages the same paper:
- the *text* the page carries, as a MinHash of its character 3-grams: robust to rescans, JPEG,
  turns and small crops (a lost line moves it little), and different for two licences of one
  template (their names, codes, addresses and scopes differ);
- the *picture*, as a perceptual hash (the low frequencies of the grey page): the same text
  typed into another template, or printed afresh, is not the same scan.

`tools/fingerprint_bench.py` measures both on real licences: a global picture hash alone cannot
tell a rescan from another licence of the same template, so it only confirms the text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

import cv2
import numpy as np

from core.model import PageFingerprint, TextLine

TEXT_HASHES = 128
"""MinHash functions: the text similarity is estimated to about ±0.045 (one standard error at 0.5)."""
IMAGE_SIDE = 64
IMAGE_KEEP = 16
SHINGLE = 3
MIN_SHINGLES = 40
"""A page with fewer 3-grams (a blank or nearly blank page) has no text fingerprint."""

_SEEDS = np.random.default_rng(20261201).integers(1, 2**63, size=(2, TEXT_HASHES), dtype=np.uint64)
_NOT_TEXT = re.compile(r"[\s\W_]+")


def _shingles(lines: Iterable[TextLine]) -> set[int]:
    """The 3-grams within each line (line order and line breaks do not matter)."""
    grams = set()
    for line in lines:
        text = _NOT_TEXT.sub("", unicodedata.normalize("NFKC", line.text))
        grams.update(text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1))
    return {
        int.from_bytes(hashlib.blake2b(g.encode(), digest_size=7).digest(), "big") for g in grams
    }


def text_signature(lines: Iterable[TextLine]) -> str | None:
    shingles = _shingles(lines)
    if len(shingles) < MIN_SHINGLES:
        return None
    values = np.fromiter(shingles, dtype=np.uint64)
    a, b = _SEEDS[0] | np.uint64(1), _SEEDS[1]
    # (a·x + b) mod 2^64, high 32 bits: one multiply-shift hash per function (numpy wraps).
    hashed = (values[:, None] * a[None, :] + b[None, :]) >> np.uint64(32)
    return "".join(f"{int(m):08x}" for m in hashed.min(axis=0))


def image_signature(image: np.ndarray) -> str:
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(grey, (IMAGE_SIDE, IMAGE_SIDE), interpolation=cv2.INTER_AREA)
    coefficients = cv2.dct(small.astype(np.float32))[:IMAGE_KEEP, :IMAGE_KEEP].flatten()
    bits = coefficients > np.median(coefficients[1:])
    return np.packbits(bits).tobytes().hex()


def page_fingerprint(image: np.ndarray, lines: list[TextLine]) -> PageFingerprint:
    """The fingerprint of an upright page from its image and the lines read on it."""
    return PageFingerprint(text_signature(lines), image_signature(image))


def text_similarity(a: PageFingerprint, b: PageFingerprint) -> float:
    """Estimated Jaccard similarity of the two pages' 3-grams (0 when either has no text)."""
    if not a.text or not b.text:
        return 0.0
    left = [a.text[i : i + 8] for i in range(0, len(a.text), 8)]
    right = [b.text[i : i + 8] for i in range(0, len(b.text), 8)]
    return sum(x == y for x, y in zip(left, right, strict=True)) / len(left)


def image_distance(a: PageFingerprint, b: PageFingerprint) -> float:
    """Fraction of perceptual-hash bits that differ (0 the same picture, ~0.5 unrelated)."""
    left = np.unpackbits(np.frombuffer(bytes.fromhex(a.image), dtype=np.uint8))
    right = np.unpackbits(np.frombuffer(bytes.fromhex(b.image), dtype=np.uint8))
    return float((left != right).mean())


BAND_ROWS = 4
"""MinHash values per band: pages sharing any band are candidates. Pages of text similarity
0.6 share one of the 32 bands with probability 0.99, pages of 0.3 with 0.23."""


def text_bands(fingerprint: PageFingerprint) -> list[int]:
    """The fingerprint's MinHash bands as signed 63-bit integers (an indexed column each)."""
    text = fingerprint.text
    if not text:
        return []
    width = 8 * BAND_ROWS
    bands = []
    for number, start in enumerate(range(0, len(text), width)):
        digest = hashlib.blake2b(f"{number}:{text[start : start + width]}".encode(), digest_size=8)
        bands.append(int.from_bytes(digest.digest(), "big") >> 1)
    return bands
