"""Tests for extractors.cleanup on synthetic pages: Chinese text, red seals, photos on a desk."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from core.errors import CorruptFile, ImageTooLarge
from extractors.cleanup import (
    deskew,
    estimate_skew,
    flatten_sheet,
    guard_pixels,
    normalize_size,
    rotate_quarter,
)
from extractors.seals import find_red_seal, find_red_seals, red_mask, suppress_red

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
PROSE = (
    "为落实省委省政府关于软件产业高质量发展的工作部署鼓励企业通过自主创新突破关键核心技术提升市场"
    "竞争力现开展2021年江苏省重点领域首版次软件产品征集工作送征单位须为在江苏省内依法注册具有独立"
    "法人资格的企业成立日期须在2019年12月31日及以前以营业执照为准"
)
SEAL_RED = (40, 35, 215)  # BGR of fresh seal ink
FADED_RED = (120, 110, 235)
WHITE = (255, 255, 255)


@dataclass(frozen=True)
class SealedPage:
    """A page stamped with a seal, with the truth the tests check against."""

    image: np.ndarray
    seal_box: tuple[float, float, float, float]
    text_under_seal: np.ndarray  # bool mask: black text pixels inside the seal's box
    seal_only: np.ndarray  # bool mask: red ink pixels away from any black text


def font(size: int) -> ImageFont.FreeTypeFont:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    pytest.skip("no CJK font installed")


def to_bgr(pil_image: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.array(pil_image), cv2.COLOR_RGB2BGR)


def text_page(
    width: int = 1240,
    height: int = 1754,
    font_px: int = 30,
    line_gap: float = 1.6,
    colour: tuple[int, int, int] = (20, 20, 20),
    seed: int = 0,
) -> np.ndarray:
    """A white page of Chinese prose lines, some of them short like paragraph ends."""
    rng = np.random.default_rng(seed)
    page = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(page)
    typeface = font(font_px)
    left, y = int(width * 0.1), int(height * 0.1)
    per_line = int(width * 0.8 / font_px)
    position = 0
    while y < height * 0.9 - font_px:
        count = per_line if rng.random() > 0.2 else int(per_line * rng.uniform(0.3, 0.9))
        line = "".join(PROSE[(position + k) % len(PROSE)] for k in range(count))
        position += count
        draw.text((left, y), line, fill=colour, font=typeface)
        y += int(font_px * line_gap)
    return to_bgr(page)


def rotated(image: np.ndarray, degrees: float) -> np.ndarray:
    """Counter-clockwise rotation on a same-size white canvas, as a skewed scan looks."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), borderValue=WHITE)


def seal_layer(
    width: int,
    height: int,
    centre: tuple[int, int],
    axes: tuple[int, int],
    colour: tuple[int, int, int] = SEAL_RED,
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """A white layer with a round/oval seal: rim, star, name along the rim, title below."""
    layer = np.full((height, width, 3), 255, np.uint8)
    cx, cy = centre
    rim = max(3, int(min(axes) * 0.06))
    cv2.ellipse(layer, centre, axes, 0, 0, 360, colour, rim, cv2.LINE_AA)
    star = []
    for k in range(10):
        radius = axes[1] * (0.25 if k % 2 == 0 else 0.1)
        angle = -math.pi / 2 + k * math.pi / 5
        star.append((cx + radius * math.cos(angle), cy - axes[1] * 0.15 + radius * math.sin(angle)))
    cv2.fillPoly(layer, [np.round(np.array(star)).astype(np.int32)], colour, cv2.LINE_AA)
    pil_layer = Image.fromarray(cv2.cvtColor(layer, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(pil_layer)
    typeface = font(max(10, int(min(axes) * 0.2)))
    rgb = colour[::-1]
    draw.text((cx, cy + axes[1] * 0.4), "检测专用章", fill=rgb, font=typeface, anchor="mm")
    for k, char in enumerate("江苏省软件产品检测中心"):
        angle = math.radians(-165 + k * 150 / 10)
        x, y = cx + axes[0] * 0.76 * math.cos(angle), cy + axes[1] * 0.76 * math.sin(angle)
        draw.text((x, y), char, fill=rgb, font=typeface, anchor="mm")
    half = rim / 2
    box = (cx - axes[0] - half, cy - axes[1] - half, cx + axes[0] + half, cy + axes[1] + half)
    return to_bgr(pil_layer), box


def stamp(page: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """Seal ink over the page: multiplied, so black text under the ink stays black."""
    return (page.astype(np.uint16) * layer // 255).astype(np.uint8)


def scanned(image: np.ndarray, seed: int = 0, jpeg_quality: int = 80) -> np.ndarray:
    """Blur, sensor noise and a JPEG round trip (chroma subsampling smears colour edges)."""
    rng = np.random.default_rng(seed)
    blurred = cv2.GaussianBlur(image, (3, 3), 0.8).astype(np.int16)
    noisy = np.clip(blurred + rng.normal(0, 4, image.shape), 0, 255).astype(np.uint8)
    _, encoded = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)


def sealed_page(
    axes: tuple[int, int] = (150, 150), colour: tuple[int, int, int] = SEAL_RED
) -> SealedPage:
    width, height = 1240, 1754
    page = text_page(width, height, seed=3)
    centre = (880, 1350)
    writing = Image.new("RGB", (width, height), WHITE)
    ImageDraw.Draw(writing).text(
        (centre[0] - 230, centre[1] - 30),
        "盖章日期：2021年5月18日",
        fill=(15, 15, 15),
        font=font(40),
    )
    writing = to_bgr(writing)
    page = np.minimum(page, writing)
    layer, box = seal_layer(width, height, centre, axes, colour)
    image = scanned(stamp(page, layer))

    core = np.ones((3, 3), np.uint8)
    black = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) < 100
    in_box = np.zeros((height, width), bool)
    x0, y0, x1, y1 = (round(v) for v in box)
    in_box[y0:y1, x0:x1] = True
    text_core = cv2.erode(black.astype(np.uint8), core).astype(bool)
    ink = (cv2.cvtColor(layer, cv2.COLOR_BGR2GRAY) < 200).astype(np.uint8)
    near_text = cv2.dilate(black.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    seal_core = cv2.erode(ink, core).astype(bool) & ~near_text
    return SealedPage(image, box, text_core & in_box, seal_core)


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    overlap = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - overlap
    return overlap / union


def desk(width: int, height: int, seed: int) -> np.ndarray:
    """A darker wood-grain texture with noise for the sheet to lie on."""
    rng = np.random.default_rng(seed)
    blotches = rng.normal(0, 1, (height // 8 + 1, width // 8 + 1)).astype(np.float32)
    blotches = cv2.resize(cv2.GaussianBlur(blotches, (0, 0), 2), (width, height))
    grain = np.sin(np.linspace(0, 60, width)[None, :] + 3 * blotches) * 25
    level = np.clip(95 + 20 * blotches + grain + rng.normal(0, 12, (height, width)), 0, 255)
    return np.dstack([level * 0.75, level * 0.9, level]).astype(np.uint8)


def rotation_matrix(axis: str, degrees: float) -> np.ndarray:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    if axis == "x":
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    if axis == "y":
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def photograph(
    page: np.ndarray,
    tilt: tuple[float, float, float],
    focal_ratio: float,
    size: tuple[int, int] = (1200, 1600),
    seed: int = 0,
) -> np.ndarray:
    """A pinhole-camera photo of `page` tilted by (x, y, z) degrees, lying on a desk."""
    page_height, page_width = page.shape[:2]
    width, height = size
    focal = focal_ratio * max(width, height)
    distance = focal * page_height / (0.7 * height)
    corners = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]], float) * np.array(
        [page_width / 2, page_height / 2, 0]
    )
    turn = rotation_matrix("x", tilt[0]) @ rotation_matrix("y", tilt[1])
    turn = turn @ rotation_matrix("z", tilt[2])
    world = corners @ turn.T + np.array([0, 0, distance])
    projected = focal * world[:, :2] / world[:, 2:] + np.array([width / 2, height / 2])
    assert projected.min() > 5 and (projected < np.array(size) - 5).all(), "sheet left the frame"
    source = np.array([[0, 0], [page_width, 0], [page_width, page_height], [0, page_height]])
    homography = cv2.getPerspectiveTransform(
        source.astype(np.float32), projected.astype(np.float32)
    )
    sheet = cv2.warpPerspective(page, homography, size)
    coverage = cv2.warpPerspective(np.full(page.shape[:2], 255, np.uint8), homography, size)
    photo = desk(width, height, seed)
    photo[coverage > 127] = sheet[coverage > 127]
    shading = np.linspace(0.88, 1.0, height)[:, None, None]  # light falls off towards the top
    return scanned(np.clip(photo * shading, 0, 255).astype(np.uint8), seed)


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return text_page()


@pytest.fixture(scope="module")
def sealed() -> SealedPage:
    return sealed_page()


# ---------------------------------------------------------------- skew


@pytest.mark.parametrize("degrees", [3.5, -6.0, 1.2, -0.7, 11.0, -14.0])
def test_estimate_skew_recovers_known_rotation(page: np.ndarray, degrees: float) -> None:
    assert estimate_skew(scanned(rotated(page, degrees))) == pytest.approx(degrees, abs=0.5)


def test_estimate_skew_of_straight_page_is_near_zero(page: np.ndarray) -> None:
    assert abs(estimate_skew(page)) < 0.2


def test_estimate_skew_not_thrown_by_a_seal(sealed: SealedPage) -> None:
    assert estimate_skew(rotated(sealed.image, -4.0)) == pytest.approx(-4.0, abs=0.5)


def test_estimate_skew_of_blank_page_is_zero() -> None:
    blank = scanned(np.full((1754, 1240, 3), 248, np.uint8))
    assert estimate_skew(blank) == 0.0


def test_deskew_straightens_a_skewed_page(page: np.ndarray) -> None:
    skewed = rotated(page, 4.0)
    straight = deskew(skewed, estimate_skew(skewed))
    assert abs(estimate_skew(straight)) < 0.3


def test_deskew_grows_canvas_so_corners_survive() -> None:
    marks = np.full((600, 400, 3), 255, np.uint8)
    for x, y in [(0, 0), (380, 0), (0, 580), (380, 580)]:
        marks[y : y + 20, x : x + 20] = 0
    turned = deskew(marks, 10.0)
    expected_width = 600 * math.sin(math.radians(10)) + 400 * math.cos(math.radians(10))
    assert turned.shape[1] == pytest.approx(expected_width, abs=2)
    dark = np.count_nonzero(cv2.cvtColor(turned, cv2.COLOR_BGR2GRAY) < 128)
    assert dark == pytest.approx(4 * 20 * 20, rel=0.1)
    assert (turned[0, 0] == 255).all() and (turned[-1, -1] == 255).all()  # white fill


def test_deskew_below_threshold_is_a_copy(page: np.ndarray) -> None:
    result = deskew(page, 0.15)
    assert np.array_equal(result, page) and result is not page


# ---------------------------------------------------------------- quarter turns


def test_rotate_quarter_is_exact() -> None:
    grid = np.arange(24, dtype=np.uint8).reshape(4, 6)
    assert np.array_equal(rotate_quarter(grid, 90), np.rot90(grid, -1))
    assert np.array_equal(rotate_quarter(grid, 180), np.rot90(grid, 2))
    assert np.array_equal(rotate_quarter(grid, 270), np.rot90(grid, 1))
    assert np.array_equal(rotate_quarter(grid, -90), np.rot90(grid, 1))
    assert np.array_equal(rotate_quarter(rotate_quarter(grid, 90), 270), grid)
    assert np.array_equal(rotate_quarter(grid, 360), grid)


def test_rotate_quarter_refuses_other_angles() -> None:
    with pytest.raises(ValueError):
        rotate_quarter(np.zeros((4, 4), np.uint8), 45)


# ---------------------------------------------------------------- flattening photos


@pytest.mark.parametrize(
    ("tilt", "focal_ratio"),
    [
        ((15.0, 0.0, 0.0), 0.8),  # phone tipped forward: a trapezoid
        ((12.0, -10.0, 5.0), 0.9),
        ((0.0, 18.0, -4.0), 1.1),
        ((20.0, 10.0, 8.0), 0.7),
        ((0.0, 0.0, 6.0), 1.0),  # flat but turned on the desk
    ],
)
def test_flatten_sheet_recovers_page(tilt: tuple[float, float, float], focal_ratio: float) -> None:
    page = text_page(1000, 1414, font_px=26, seed=7)
    photo = photograph(page, tilt, focal_ratio, seed=int(abs(sum(tilt))))
    before = photo.copy()
    flat, flattened = flatten_sheet(photo)
    assert flattened
    assert np.array_equal(photo, before)
    height, width = flat.shape[:2]
    assert (width / height) / (1000 / 1414) == pytest.approx(1.0, abs=0.03)
    assert abs(estimate_skew(flat)) < 1.0
    edge = max(3, width // 100)  # no desk left along the edges
    strips = [flat[:edge], flat[-edge:], flat[:, :edge], flat[:, -edge:]]
    assert min(float(strip.mean()) for strip in strips) > 190


def test_flatten_sheet_leaves_flatbed_scan_alone(page: np.ndarray) -> None:
    form = page.copy()
    cv2.rectangle(form, (100, 150), (1140, 1600), (0, 0, 0), 3)  # a table frame on white paper
    form = scanned(form)
    result, flattened = flatten_sheet(form)
    assert not flattened
    assert np.array_equal(result, form) and result is not form


def test_flatten_sheet_ignores_scanner_edge_shadow(page: np.ndarray) -> None:
    scan = page.copy()
    scan[:, -25:] = 60  # the lid's shadow along one edge
    scan[-15:, :] = 70
    result, flattened = flatten_sheet(scanned(scan))
    assert not flattened and result.shape == scan.shape


def test_flatten_sheet_does_not_cut_a_page_its_light_falls_across(page: np.ndarray) -> None:
    # A photo filling the frame, lit from one side: its darker side is no desk to crop.
    photo = page.astype(np.float32)
    light = np.linspace(0.5, 1.0, photo.shape[1], dtype=np.float32)
    photo = scanned(np.clip(photo * light[None, :, None], 0, 255).astype(np.uint8))
    result, flattened = flatten_sheet(photo)
    assert not flattened and result.shape == photo.shape


def test_flatten_sheet_without_sheet_returns_input() -> None:
    photo = desk(900, 1200, seed=5)
    result, flattened = flatten_sheet(photo)
    assert not flattened and np.array_equal(result, photo)


# ---------------------------------------------------------------- red seals


def test_red_mask_sees_seal_inks_and_not_grey() -> None:
    swatches = np.array(
        [[SEAL_RED, FADED_RED, (52, 66, 227), (90, 90, 90), (20, 20, 20)]], np.uint8
    )
    assert red_mask(swatches)[0].tolist() == [255, 255, 255, 0, 0]  # (52, 66, 227) is vermilion
    grey = cv2.cvtColor(cv2.cvtColor(swatches, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    assert not red_mask(grey).any()
    assert not red_mask(swatches[:, :, 0]).any()


def test_find_red_seal_boxes_round_seal(sealed: SealedPage) -> None:
    box = find_red_seal(sealed.image)
    assert box is not None and iou(box, sealed.seal_box) >= 0.7


@pytest.mark.parametrize(
    ("axes", "colour"),
    [((190, 120), SEAL_RED), ((95, 95), SEAL_RED), ((150, 150), FADED_RED)],
    ids=["oval", "small", "faded"],
)
def test_find_red_seal_other_seals(axes: tuple[int, int], colour: tuple[int, int, int]) -> None:
    page = sealed_page(axes, colour)
    box = find_red_seal(page.image)
    assert box is not None and iou(box, page.seal_box) >= 0.7


def test_find_red_seal_ignores_red_text_and_underlines(page: np.ndarray) -> None:
    marked = Image.fromarray(cv2.cvtColor(page, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(marked)
    red = SEAL_RED[::-1]
    draw.text((200, 60), "江苏省工业和信息化厅文件", fill=red, font=font(56))
    draw.text((900, 1500), "（盖章）", fill=red, font=font(28))
    draw.text((150, 1620), "注：此栏由检测机构填写", fill=red, font=font(24))
    draw.ellipse((1000, 1450, 1030, 1480), outline=red, width=3)  # a tiny red circle mark
    marked = to_bgr(marked)
    cv2.line(marked, (120, 140), (1120, 140), SEAL_RED, 4)
    cv2.line(marked, (300, 900), (700, 905), SEAL_RED, 3)
    assert find_red_seal(scanned(marked)) is None


def test_find_red_seal_ignores_photocopy(sealed: SealedPage) -> None:
    grey = cv2.cvtColor(sealed.image, cv2.COLOR_BGR2GRAY)
    yellowed = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR).astype(np.float32) * (0.9, 0.97, 1.0)
    assert find_red_seal(scanned(yellowed.astype(np.uint8))) is None
    assert find_red_seal(grey) is None


def test_find_red_seals_lists_two_seals() -> None:
    page = text_page(seed=4)
    first, first_box = seal_layer(1240, 1754, (350, 1400), (140, 140))
    second, second_box = seal_layer(1240, 1754, (900, 1400), (150, 110))
    seals = find_red_seals(scanned(stamp(stamp(page, first), second)))
    assert len(seals) == 2
    assert {max(iou(s, truth) for s in seals) >= 0.7 for truth in (first_box, second_box)} == {True}


def test_suppress_red_keeps_text_under_seal(sealed: SealedPage) -> None:
    clean = suppress_red(sealed.image)
    assert clean.shape == sealed.image.shape[:2] and clean.dtype == np.uint8
    assert sealed.text_under_seal.sum() > 500 and sealed.seal_only.sum() > 2000
    assert clean[sealed.text_under_seal].mean() < 100
    assert clean[sealed.seal_only].mean() > 200
    grey = cv2.cvtColor(sealed.image, cv2.COLOR_BGR2GRAY)
    assert grey[sealed.seal_only].mean() < 150  # the seal was dark in a plain grey conversion


def test_suppress_red_without_red_is_plain_grey(page: np.ndarray) -> None:
    assert np.array_equal(suppress_red(page), cv2.cvtColor(page, cv2.COLOR_BGR2GRAY))


# ---------------------------------------------------------------- size and guards


def test_normalize_size_to_target_dpi() -> None:
    image = np.full((3000, 2000, 3), 200, np.uint8)
    smaller, scale = normalize_size(image, dpi=600)
    assert scale == pytest.approx(0.5) and smaller.shape == (1500, 1000, 3)
    larger, scale = normalize_size(np.full((900, 600, 3), 200, np.uint8), dpi=150)
    assert scale == pytest.approx(2.0) and larger.shape == (1800, 1200, 3)
    same, scale = normalize_size(image, dpi=300)
    assert scale == 1.0 and same.shape == image.shape and same is not image


def test_normalize_size_respects_max_side() -> None:
    image = np.full((3508, 2480, 3), 200, np.uint8)
    resized, scale = normalize_size(image, dpi=150, max_side=4000)
    assert max(resized.shape[:2]) == 4000
    assert scale == pytest.approx(4000 / 3508)
    resized, scale = normalize_size(image, dpi=300, max_side=2000)
    assert max(resized.shape[:2]) == 2000 and scale < 1


def test_normalize_size_refuses_nonsense_dpi() -> None:
    with pytest.raises(ValueError):
        normalize_size(np.zeros((10, 10, 3), np.uint8), dpi=0)


def test_guard_pixels_refuses_huge_images() -> None:
    with pytest.raises(ImageTooLarge) as raised:
        guard_pixels(40000, 40000)
    assert "40000×40000" in raised.value.message and "图像过大" in raised.value.message
    assert raised.value.code == "image_too_large"
    guard_pixels(10000, 10000)  # exactly the limit is allowed
    guard_pixels(2480, 3508)
    with pytest.raises(ImageTooLarge):
        guard_pixels(2000, 2000, max_pixels=3_000_000)
    with pytest.raises(CorruptFile):
        guard_pixels(0, 100)


# ---------------------------------------------------------------- purity and speed


def test_no_step_changes_its_input(sealed: SealedPage) -> None:
    image = sealed.image
    before = image.copy()
    flatten_sheet(image)
    estimate_skew(image)
    deskew(image, 3.0)
    rotate_quarter(image, 90)
    red_mask(image)
    find_red_seal(image)
    suppress_red(image)
    normalize_size(image, dpi=600)
    assert np.array_equal(image, before)
