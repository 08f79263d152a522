"""Page clean-up of BGR page images: flatten photos, deskew, quarter turns, resize (seal ink: `seals`)."""

from __future__ import annotations

import math

import cv2
import numpy as np

from core.errors import CorruptFile, ImageTooLarge
from extractors.imaging import darkness, shrink, to_grey

Corners = np.ndarray
"""Four (x, y) points as float64, ordered top-left, top-right, bottom-right, bottom-left."""

# Working sizes (long side, pixels) of the downscaled copies each step analyses.
FLATTEN_WORK_SIDE = 800
SKEW_WORK_SIDE = 1200

MIN_SHEET_FRACTION = 0.30  # a sheet must cover at least this share of the photo
FILLS_FRAME_FRACTION = 0.93  # above this share the "sheet" is the whole frame: a flatbed scan
MIN_SHEET_CONTRAST = 30  # grey levels between the sheet and the background around it
# A sheet's edge is a step in brightness along most of its length: where more of an edge than
# this runs on between two sides of one shade, it is a line drawn across the paper (a lighting
# gradient, a printed border), not the sheet's edge.
MAX_EDGE_CONTINUED = 0.45
EDGE_STEP = 12  # grey levels between the two sides of an edge at a point where it is a step
# Print outside the sheet, on paper of the sheet's own shade, is print the crop would cut away:
# more than this share of the print inside means the quadrilateral lies within the document.
MAX_PRINT_LEFT_OUTSIDE = 0.30
MAX_SKEW_DEGREES = 15.0
MIN_DESKEW_DEGREES = 0.2
WHITE = 255


# ---------------------------------------------------------------- shared helpers


def _ink_mask(grey: np.ndarray) -> np.ndarray:
    """Dark ink on paper as a 0/255 mask; empty on a blank page (no Otsu split of paper noise)."""
    histogram = np.bincount(grey.ravel(), minlength=256)
    paper_level = int(np.searchsorted(np.cumsum(histogram), 0.9 * grey.size))
    otsu_level, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    level = min(otsu_level, paper_level - 50)
    if level <= 0:
        return np.zeros_like(grey)
    _, ink = cv2.threshold(grey, level, 255, cv2.THRESH_BINARY_INV)
    return ink


def _drop_border_blobs(mask: np.ndarray) -> np.ndarray:
    """Remove blobs touching the image edge: scanner margins, photo background, cut-off edges."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return mask
    height, width = mask.shape
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    right = left + stats[:, cv2.CC_STAT_WIDTH]
    bottom = top + stats[:, cv2.CC_STAT_HEIGHT]
    touching = (left == 0) | (top == 0) | (right >= width) | (bottom >= height)
    touching[0] = True  # the background label
    if not touching[1:].any():
        return mask
    keep = (~touching).astype(np.uint8) * 255
    return keep[labels]


# ---------------------------------------------------------------- flatten a photographed sheet


def flatten_sheet(image: np.ndarray) -> tuple[np.ndarray, bool]:
    """Find a sheet photographed on a darker background and warp it flat; (copy, False) if none.

    The sheet is the largest bright convex quadrilateral covering at least 30 % of the photo
    that is clearly brighter than what surrounds it. A flatbed scan (the page fills the frame,
    or a table frame on white paper) is returned unchanged.
    """
    grey = to_grey(image)
    small, scale = shrink(grey, FLATTEN_WORK_SIDE)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    corners = _find_sheet(small)
    if corners is None:
        return image.copy(), False
    corners = corners / scale
    width, height = _flat_size(corners, image.shape[1], image.shape[0])
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32
    )
    homography = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    border = (WHITE,) * (1 if image.ndim == 2 else image.shape[2])
    flat = cv2.warpPerspective(
        image,
        homography,
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=border,
    )
    return flat, True


def _find_sheet(small: np.ndarray) -> Corners | None:
    """Corners of the sheet in `small`, or None when there is none or it fills the frame."""
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    bright = cv2.morphologyEx(bright, cv2.MORPH_OPEN, kernel)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, kernel, iterations=2)
    blobs = _largest_contours(bright)

    edges = cv2.dilate(cv2.Canny(small, 40, 120), np.ones((3, 3), np.uint8))
    outlines = _largest_contours(edges)

    candidates = [_quad_from_contour(contour) for contour in blobs + outlines]
    if blobs:  # fallback: the rotated bounding rectangle of the largest bright blob
        candidates.append(cv2.boxPoints(cv2.minAreaRect(blobs[0])))
    for quad in candidates:
        if quad is None:
            continue
        corners = _order_corners(quad.reshape(4, 2).astype(np.float64))
        verdict = _judge_sheet(corners, small)
        if verdict == "fills_frame":
            return None
        if verdict == "sheet":
            return corners
    return None


def _largest_contours(mask: np.ndarray, keep: int = 3) -> list[np.ndarray]:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    minimum = MIN_SHEET_FRACTION * mask.size
    large = [c for c in contours if cv2.contourArea(cv2.convexHull(c)) >= minimum]
    return sorted(large, key=cv2.contourArea, reverse=True)[:keep]


def _quad_from_contour(contour: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for tolerance in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, tolerance * perimeter, True)
        if len(approx) == 4:
            return approx
        if len(approx) < 4:
            return None
    return None


def _order_corners(points: np.ndarray) -> Corners:
    """Sort four points clockwise on screen, starting at the top-left one."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    clockwise = points[np.argsort(angles)]
    start = int(np.argmin(clockwise.sum(axis=1)))
    return np.roll(clockwise, -start, axis=0)


def _judge_sheet(corners: Corners, small: np.ndarray) -> str:
    """'sheet', 'fills_frame' (a flatbed scan) or 'reject' for one candidate quadrilateral."""
    area = cv2.contourArea(corners.astype(np.float32))
    if area < MIN_SHEET_FRACTION * small.size:
        return "reject"
    if not cv2.isContourConvex(corners.astype(np.float32)):
        return "reject"
    for index in range(4):
        before = corners[index - 1] - corners[index]
        after = corners[(index + 1) % 4] - corners[index]
        cosine = np.dot(before, after) / (np.linalg.norm(before) * np.linalg.norm(after) + 1e-9)
        if abs(cosine) > 0.6:  # a corner sharper than ~53° or flatter than ~127°
            return "reject"
    if area >= FILLS_FRAME_FRACTION * small.size:
        return "fills_frame"
    inside = np.zeros(small.shape, np.uint8)
    cv2.fillConvexPoly(inside, np.round(corners).astype(np.int32), 255)
    sheet_level = np.median(small[inside > 0])
    background_level = np.median(small[inside == 0])
    if sheet_level - background_level < MIN_SHEET_CONTRAST:
        return "reject"
    if _edge_continued(corners, small) > MAX_EDGE_CONTINUED:
        return "reject"
    if _print_left_outside(inside > 0, small) > MAX_PRINT_LEFT_OUTSIDE:
        return "reject"
    return "sheet"


def _edge_continued(corners: Corners, small: np.ndarray, samples: int = 40) -> float:
    """The largest share of an edge along which the outside looks like the inside.

    Each edge is sampled a little inside and a little outside; points whose outside falls off
    the photo (a sheet cut by the frame) do not count, nor does an edge with too few points.
    """
    height, width = small.shape
    offset = 0.02 * max(height, width)
    centre = corners.mean(axis=0)

    def level(point: np.ndarray) -> float:
        x, y = int(point[0]), int(point[1])
        return float(np.median(small[max(0, y - 3) : y + 4, max(0, x - 3) : x + 4]))

    worst = 0.0
    for index in range(4):
        start, along = corners[index], corners[(index + 1) % 4] - corners[index]
        normal = np.array([along[1], -along[0]]) / (np.linalg.norm(along) + 1e-9)
        if np.dot(centre - start, normal) > 0:
            normal = -normal  # pointing out of the sheet
        steps = continued = 0
        for t in np.linspace(0.05, 0.95, samples):
            point = start + t * along
            outside = point + offset * normal
            if not (0 <= outside[0] < width and 0 <= outside[1] < height):
                continue
            steps += 1
            continued += abs(level(point - offset * normal) - level(outside)) < EDGE_STEP
        if steps >= samples // 5:
            worst = max(worst, continued / steps)
    return worst


def _print_left_outside(inside: np.ndarray, small: np.ndarray) -> float:
    """Dark strokes outside the sheet on paper of the sheet's shade, per stroke inside it."""
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    stroke = paper.astype(np.int16) - small.astype(np.int16) > 30
    sheet_paper = np.abs(paper.astype(np.int16) - int(np.median(paper[inside]))) < 25
    inked = stroke & sheet_paper
    return float((inked & ~inside).sum()) / max(int((inked & inside).sum()), 1)


def _flat_size(corners: Corners, image_width: int, image_height: int) -> tuple[int, int]:
    """Output size: the longer measured sides, widened to the sheet's recovered aspect ratio."""
    top_left, top_right, bottom_right, bottom_left = corners
    width = max(np.linalg.norm(top_right - top_left), np.linalg.norm(bottom_right - bottom_left))
    height = max(np.linalg.norm(bottom_left - top_left), np.linalg.norm(bottom_right - top_right))
    measured = width / height
    aspect = _camera_aspect(corners, image_width, image_height)
    if aspect is None or not 0.67 < aspect / measured < 1.5:
        aspect = measured
    if width / height > aspect:
        height = width / aspect
    else:
        width = height * aspect
    return max(1, round(width)), max(1, round(height))


def _camera_aspect(corners: Corners, image_width: int, image_height: int) -> float | None:
    """Width/height of the real rectangle behind a projected one (Zhang & He, 2007).

    Assumes a pinhole camera with square pixels and the principal point at the image centre,
    which holds for phone photos. The focal length is recovered from the quadrilateral when its
    sides converge in both directions; otherwise (or when the estimate is implausible) a typical
    phone focal length is assumed, which only matters when the perspective is strong.
    """
    u0, v0 = image_width / 2.0, image_height / 2.0
    top_left, top_right, bottom_right, bottom_left = (np.append(p, 1.0) for p in corners)
    k2_den = np.dot(np.cross(top_right, bottom_right), bottom_left)
    k3_den = np.dot(np.cross(bottom_left, bottom_right), top_right)
    if abs(k2_den) < 1e-9 or abs(k3_den) < 1e-9:
        return None
    k2 = np.dot(np.cross(top_left, bottom_right), bottom_left) / k2_den
    k3 = np.dot(np.cross(top_left, bottom_right), top_right) / k3_den
    n2 = k2 * top_right - top_left
    n3 = k3 * bottom_left - top_left
    long_side = max(image_width, image_height)
    focal = 0.8 * long_side  # typical phone main camera (26 mm equivalent), uncropped
    denominator = n2[2] * n3[2]
    if abs(denominator) > 1e-12 * (np.linalg.norm(n2) * np.linalg.norm(n3)):
        focal_squared = (
            -(
                (n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0 + denominator * u0 * u0)
                + (n2[1] * n3[1] - (n2[1] * n3[2] + n2[2] * n3[1]) * v0 + denominator * v0 * v0)
            )
            / denominator
        )
        if 0.25 * long_side**2 < focal_squared < 25.0 * long_side**2:
            focal = math.sqrt(focal_squared)
    intrinsics_inv = np.linalg.inv(np.array([[focal, 0, u0], [0, focal, v0], [0, 0, 1.0]]))
    metric = intrinsics_inv.T @ intrinsics_inv
    width_squared, height_squared = n2 @ metric @ n2, n3 @ metric @ n3
    if width_squared <= 0 or height_squared <= 0:
        return None
    return math.sqrt(width_squared / height_squared)


# ---------------------------------------------------------------- skew and orientation


def estimate_skew(image: np.ndarray) -> float:
    """Skew of the text lines in degrees, counter-clockwise positive, within ±15°; 0.0 if blank.

    Projection-profile search on a downscaled ink mask: the angle whose projection of ink
    pixels gives the sharpest row profile (largest sum of squared bin counts) wins.
    """
    small, _ = shrink(darkness(image), SKEW_WORK_SIDE)
    ink = _drop_border_blobs(_ink_mask(small))
    ys, xs = np.nonzero(ink)
    if len(xs) < 200:
        return 0.0
    xs = xs.astype(np.float32) - np.float32(xs.mean())
    ys = ys.astype(np.float32) - np.float32(ys.mean())
    coarse_step = max(1, len(xs) // 40_000)
    fine_step = max(1, len(xs) // 160_000)

    def sharpness(degrees: float, step: int) -> float:
        radians = math.radians(degrees)
        rows = ys[::step] * math.cos(radians) + xs[::step] * math.sin(radians)
        counts = np.bincount((rows - rows.min()).astype(np.int32))
        return float(np.dot(counts, counts))

    coarse = np.arange(-MAX_SKEW_DEGREES, MAX_SKEW_DEGREES + 0.01, 0.5)
    best = float(coarse[np.argmax([sharpness(a, coarse_step) for a in coarse])])
    fine = np.arange(best - 0.5, best + 0.51, 0.05)
    scores = np.array([sharpness(a, fine_step) for a in fine])
    peak = int(np.argmax(scores))
    angle = float(fine[peak])
    if 0 < peak < len(fine) - 1:  # parabolic refinement between the neighbouring samples
        left, middle, right = scores[peak - 1 : peak + 2]
        curvature = left - 2 * middle + right
        if curvature < 0:
            angle += 0.05 * 0.5 * (left - right) / curvature
    if abs(angle) < 1e-6:
        return 0.0
    return float(np.clip(angle, -MAX_SKEW_DEGREES, MAX_SKEW_DEGREES))


def deskew_matrix(width: int, height: int, degrees: float) -> tuple[np.ndarray, tuple[int, int]]:
    """The 2×3 affine map `deskew` applies, and the size of its grown canvas (width, height)."""
    rotation = cv2.getRotationMatrix2D(((width - 1) / 2, (height - 1) / 2), -degrees, 1.0)
    cosine, sine = abs(rotation[0, 0]), abs(rotation[0, 1])
    new_width = math.ceil(height * sine + width * cosine - 1e-6)
    new_height = math.ceil(height * cosine + width * sine - 1e-6)
    rotation[0, 2] += (new_width - width) / 2
    rotation[1, 2] += (new_height - height) / 2
    return rotation, (new_width, new_height)


def deskew(image: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate by -degrees about the centre on a white canvas grown to keep every corner."""
    if abs(degrees) < MIN_DESKEW_DEGREES:
        return image.copy()
    height, width = image.shape[:2]
    rotation, (new_width, new_height) = deskew_matrix(width, height, degrees)
    border = (WHITE,) * (1 if image.ndim == 2 else image.shape[2])
    return cv2.warpAffine(
        image,
        rotation,
        (new_width, new_height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=border,
    )


_QUARTER_TURNS = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


def rotate_quarter(image: np.ndarray, clockwise_degrees: int) -> np.ndarray:
    """Exact rotation by 0, 90, 180 or 270 degrees clockwise (negatives and 360+ wrap around)."""
    turn = clockwise_degrees % 360
    if turn == 0:
        return image.copy()
    if turn not in _QUARTER_TURNS:
        raise ValueError(f"rotate_quarter takes a multiple of 90 degrees, not {clockwise_degrees}")
    return cv2.rotate(image, _QUARTER_TURNS[turn])


# ---------------------------------------------------------------- red seal ink


# ---------------------------------------------------------------- size


def normalize_size(
    image: np.ndarray, dpi: float, target_dpi: float = 300, max_side: int = 4000
) -> tuple[np.ndarray, float]:
    """Rescale to `target_dpi` with the long side at most `max_side`; returns (image, scale)."""
    if not dpi > 0 or not target_dpi > 0 or max_side < 1:
        raise ValueError(f"normalize_size needs positive sizes, got dpi={dpi} target={target_dpi}")
    height, width = image.shape[:2]
    scale = min(target_dpi / dpi, max_side / max(height, width))
    if abs(scale - 1.0) < 0.01:
        return image.copy(), 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_CUBIC
    return cv2.resize(image, size, interpolation=interpolation), scale


def guard_pixels(width: int, height: int, max_pixels: int = 100_000_000) -> None:
    """Refuse images larger than `max_pixels` before decoding them (decompression bombs)."""
    if width <= 0 or height <= 0:
        raise CorruptFile(
            f"图像尺寸无效（{width}×{height} 像素），文件可能已损坏，请重新扫描上传。"
            f" / Invalid image size ({width}×{height} pixels); the file may be corrupt,"
            " please scan and upload it again."
        )
    pixels = width * height
    if pixels > max_pixels:
        megapixels, limit = pixels / 1e6, max_pixels / 1e6
        raise ImageTooLarge(
            f"图像过大：{width}×{height} 像素（约 {megapixels:.0f} 百万像素），超过上限"
            f" {limit:.0f} 百万像素；请以 300 DPI 重新扫描后上传。"
            f" / Image too large: {width}×{height} pixels (about {megapixels:.0f} megapixels)"
            f" exceeds the limit of {limit:.0f} megapixels; please rescan at 300 DPI and upload."
        )
