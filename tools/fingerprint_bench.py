"""Page fingerprints on real licences: a rescan of a page against another page of its template.

For `reused_scan` (issue 10): over the real licences of one part of tests/real/truth.yaml, each
licence is compared with a rescan-like copy of itself (a crop of up to 3% per side, scale
0.6–1.2, rotation up to ±1.5°, brightness and contrast, JPEG quality 55) and with every other
licence (byte-identical copies left out). A usable fingerprint keeps the first distances well
below the second.

Without `--read`: global picture hashes only (fractions of differing bits). With `--read`: both
copies are read by the pipeline (the one the service runs) and the service's fingerprint
(extractors/fingerprint.py: text MinHash and picture hash) is compared: how many rescans are
found (the same paper) and how many pairs of different licences would be called one sheet, at
the campaign's thresholds.

    .venv/bin/python -m tools.fingerprint_bench [--split tune|heldout] [--read]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import yaml

REAL_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "real-dev"
TRUTH = Path(__file__).resolve().parents[1] / "tests" / "real" / "truth.yaml"


def _ink(image: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = 800 / max(grey.shape)
    grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(
        grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15
    )
    ys, xs = np.nonzero(ink)
    if len(xs) > 100:  # trimmed to the inked area, so margins cropped away do not count
        x0, x1 = np.percentile(xs, [1, 99]).astype(int)
        y0, y1 = np.percentile(ys, [1, 99]).astype(int)
        ink = ink[y0 : y1 + 1, x0 : x1 + 1]
    return ink.astype(np.float32)


def _above_median(values: np.ndarray) -> np.ndarray:
    return values > np.median(values)


def page_dct(image: np.ndarray) -> np.ndarray:
    """The classic pHash: 64×64 grey page, 16×16 low DCT coefficients."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32)
    small = cv2.resize(grey, (64, 64), interpolation=cv2.INTER_AREA)
    return _above_median(cv2.dct(small)[:16, :16].flatten()[1:])


def ink_grid(cells: int) -> Callable[[np.ndarray], np.ndarray]:
    def hash_(image: np.ndarray) -> np.ndarray:
        grid = cv2.resize(_ink(image), (cells, cells), interpolation=cv2.INTER_AREA)
        return _above_median(grid.flatten())

    return hash_


def ink_dct(keep: int) -> Callable[[np.ndarray], np.ndarray]:
    def hash_(image: np.ndarray) -> np.ndarray:
        grid = cv2.resize(_ink(image), (64, 64), interpolation=cv2.INTER_AREA)
        return _above_median(cv2.dct(grid)[:keep, :keep].flatten()[1:])

    return hash_


HASHES = {
    "page DCT 16×16": page_dct,
    "ink grid 16×16": ink_grid(16),
    "ink grid 32×32": ink_grid(32),
    "ink DCT 8×8": ink_dct(8),
    "ink DCT 12×12": ink_dct(12),
}


def rescanned(image: np.ndarray, rng: random.Random) -> np.ndarray:
    height, width = image.shape[:2]
    top, bottom = (int(rng.uniform(0, 0.03) * height) for _ in range(2))
    left, right = (int(rng.uniform(0, 0.03) * width) for _ in range(2))
    copy = image[top : height - bottom, left : width - right]
    scale = rng.uniform(0.6, 1.2)
    copy = cv2.resize(copy, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = copy.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-1.5, 1.5), 1)
    copy = cv2.warpAffine(copy, turn, (w, h), borderValue=(255, 255, 255))
    copy = cv2.convertScaleAbs(copy, alpha=rng.uniform(0.85, 1.15), beta=rng.uniform(-20, 20))
    _, jpeg = cv2.imencode(".jpg", copy, [cv2.IMWRITE_JPEG_QUALITY, 55])
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def _read_fingerprints(images, args) -> None:
    """Both copies of each licence through the pipeline; similarities at the campaign's rule."""
    import tempfile

    from extractors.fingerprint import image_distance, page_fingerprint, text_similarity
    from intake.pipeline.read import Pipeline, PipelineOptions
    from validators.campaign import load_campaign

    rule = load_campaign("jiangsu-2021-first-edition").reused_scan
    pipeline = Pipeline(PipelineOptions())
    rng = random.Random(7)
    pairs = []
    with tempfile.TemporaryDirectory() as work:
        for number, (image, sha) in enumerate(images):
            prints = []
            for copy_no, copy in enumerate((image, rescanned(image, rng))):
                path = Path(work) / f"{number}-{copy_no}.png"
                cv2.imwrite(str(path), copy)
                first: list = []

                def keep(page, img, first=first) -> None:
                    first.append(page_fingerprint(img, page.lines))

                pipeline.read_document(path, on_page=keep)
                prints.append(first[0])
            pairs.append((prints[0], prints[1], sha))
            print(f"  read {number + 1}/{len(images)}", flush=True)
    if args.dump:
        args.dump.write_text(
            json.dumps([[a.to_text(), b.to_text(), sha] for a, b, sha in pairs]), "utf-8"
        )
    own_text = [text_similarity(a, b) for a, b, _ in pairs]
    own_image = [image_distance(a, b) for a, b, _ in pairs]
    found = sum(rule.same(a, b) for a, b, _ in pairs)
    cross = [
        (text_similarity(a, b), image_distance(a, b), rule.same(a, b))
        for (a, _, sha_a), (b, _, sha_b) in itertools.combinations(pairs, 2)
        if sha_a != sha_b
    ]
    print(
        f"rescans of themselves: text similarity min {min(own_text):.3f} "
        f"(median {sorted(own_text)[len(own_text) // 2]:.3f}), picture distance max "
        f"{max(own_image):.3f}; found as the same paper {found}/{len(pairs)}"
    )
    print(
        f"pairs of different licences: {len(cross)}, text similarity max "
        f"{max(t for t, _, _ in cross):.3f}; called the same paper: {sum(s for _, _, s in cross)}"
    )
    print(
        f"rule: text similarity ≥ {rule.min_text_similarity}, picture distance ≤ "
        f"{rule.max_image_distance} (validators/campaigns/jiangsu-2021-first-edition.yaml)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("tune", "heldout"), default="tune")
    parser.add_argument("--read", action="store_true", help="read both copies with the pipeline")
    parser.add_argument("--limit", type=int, default=None, help="only the first N licences")
    parser.add_argument("--dump", type=Path, help="write both copies' fingerprints here (JSON)")
    args = parser.parse_args(argv)
    if not REAL_DEV.is_dir():
        print(f"跳过：没有真实材料目录 {REAL_DEV}（skipped: ../shared/real-dev is absent）")
        return 0
    truth = yaml.safe_load(TRUTH.read_text("utf-8"))
    entries = sorted(
        (path, entry["sha256"])
        for path, entry in truth.items()
        if path.startswith("licenses/") and entry.get("split") == args.split
    )
    entries = entries[: args.limit] if args.limit else entries
    images = [(cv2.imread(str(REAL_DEV / path)), sha) for path, sha in entries]
    print(f"{len(images)} real licences of the {args.split} part ({REAL_DEV / 'licenses'})")
    if args.read:
        _read_fingerprints(images, args)
        return 0
    for name, hash_ in HASHES.items():
        rng = random.Random(7)
        hashes = [(hash_(image), sha) for image, sha in images]
        own = [
            float((h != hash_(rescanned(image, rng))).mean())
            for (h, _), (image, _) in zip(hashes, images, strict=True)
        ]
        other = [
            float((a != b).mean())
            for (a, sha_a), (b, sha_b) in itertools.combinations(hashes, 2)
            if sha_a != sha_b
        ]
        print(
            f"{name:16s} rescan of itself: max {max(own):.3f}  "
            f"another licence: min {min(other):.3f}  "
            f"{'separates' if max(own) < min(other) else 'does NOT separate'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
