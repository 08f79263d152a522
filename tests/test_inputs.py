"""Bad input: each unreadable file gets a clear error on its own document, never a traceback."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.errors import (
    CorruptFile,
    EmptyFile,
    EncryptedPdf,
    ImageTooLarge,
    TooManyPages,
    UnsupportedType,
)
from intake.pipeline.sources import (
    MAX_PIXELS,
    InputLimits,
    frame_sizes,
    open_source,
    pixel_problem,
    sniff_type,
)
from tests.api_support import ROOT_DIR


def _png_claiming(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose header claims a huge size: a decompression bomb."""
    Image.new("L", (8, 8), 255).save(path)
    data = bytearray(path.read_bytes())
    ihdr = 8 + 8  # signature, then length+type of the IHDR chunk
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr - 4 : ihdr + 13])) & 0xFFFFFFFF
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    path.write_bytes(bytes(data))
    return path


def _pdf_with_pages(path: Path, pages: int) -> Path:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    for _ in range(pages):
        doc.new_page(595, 842)
    doc.save(str(path))
    doc.close()
    return path


def _encrypted_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), encrypt="secret")
    c.drawString(100, 700, "confidential")
    c.save()
    return path


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not a pdf body\n")
    text_as_jpg = tmp_path / "licence.jpg"
    text_as_jpg.write_text("营业执照 这是一个文本文件，不是图片", encoding="utf-8")
    truncated_jpg = tmp_path / "truncated.jpg"
    Image.fromarray(np.full((600, 400, 3), 200, np.uint8)).save(truncated_jpg, quality=90)
    truncated_jpg.write_bytes(truncated_jpg.read_bytes()[:300])
    return {
        "empty": empty,
        "corrupt": corrupt,
        "encrypted": _encrypted_pdf(tmp_path / "encrypted.pdf"),
        "text_as_jpg": text_as_jpg,
        "bomb": _png_claiming(tmp_path / "bomb.png", 40000, 40000),
        "many_pages": _pdf_with_pages(tmp_path / "many.pdf", 2000),
        "truncated_jpg": truncated_jpg,
    }


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("empty", EmptyFile, "0 字节"),
        ("corrupt", CorruptFile, "损坏"),
        ("encrypted", EncryptedPdf, "加密"),
        ("text_as_jpg", UnsupportedType, "不是 PDF、JPEG、PNG 或 TIFF"),
        ("bomb", ImageTooLarge, "40000×40000"),
        ("many_pages", TooManyPages, "2000 页"),
    ],
)
def test_bad_file_is_refused_with_a_clear_reason(bad_files, name, error, words):
    with pytest.raises(error) as caught:
        open_source(bad_files[name], InputLimits())
    assert words in caught.value.message


def test_truncated_image_fails_on_its_page_not_the_process(bad_files):
    from intake.pipeline.read import Pipeline, PipelineOptions

    result = Pipeline(PipelineOptions(cleanup=False)).read_document(bad_files["truncated_jpg"])
    assert result.error and result.error_code in {"corrupt_file"}
    assert len(result.sha256) == 64


def test_every_bad_file_becomes_a_document_error(bad_files):
    from intake.pipeline.read import Pipeline

    pipeline = Pipeline()
    for name, path in bad_files.items():
        result = pipeline.read_document(path)
        assert result.error, name
        assert result.error_code, name
        assert result.sha256 and len(result.sha256) == 64


def test_type_comes_from_bytes_not_name(tmp_path: Path):
    png = tmp_path / "really_png.pdf"
    Image.new("RGB", (10, 10)).save(png, format="PNG")
    assert sniff_type(png.read_bytes()[:16]) == "png"
    assert open_source(png).kind == "png"


def test_exif_orientation_is_honoured(tmp_path: Path):
    # Stored sideways (landscape pixels) with Orientation=6: a viewer shows it portrait.
    img = Image.new("RGB", (300, 200), "white")
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    img.save(path, exif=exif)
    page = open_source(path).page(0)
    assert (page.width, page.height) == (200, 300)


def test_multipage_tiff_gives_every_page(tmp_path: Path):
    frames = [Image.new("RGB", (100, 140), c) for c in ("white", "grey", "black")]
    path = tmp_path / "pages.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    doc = open_source(path)
    assert doc.page_count == 3
    means = [float(doc.page(i).image.mean()) for i in range(3)]
    assert means[0] > means[1] > means[2]


DECODE_AT_THE_BOUND = """
import re, sys
from pathlib import Path
from intake.pipeline.sources import open_source
page = open_source(Path(sys.argv[1])).page(0, dpi=300)
status = Path("/proc/self/status").read_text()  # VmHWM: this process only (not its parent's)
print(page.width, page.height, int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1)) // 1024)
"""


def test_a_page_at_the_pixel_bound_decodes_in_bounded_memory(tmp_path: Path):
    """A colour PNG just under MAX_PIXELS (7000×7000, 49 million pixels): one decoded copy,
    brought to 300 DPI before it is copied; the whole process stays far below 1 GB (the
    earlier path held six copies: 9990×9990 took the service from 350 to 1,743 MB)."""
    side = int(MAX_PIXELS**0.5) - 71
    path = tmp_path / "big.png"
    image = Image.new("RGB", (side, side), (250, 250, 245))
    image.paste((20, 20, 20), (100, 100, 3000, 160))
    image.save(path, compress_level=1)
    del image
    run = subprocess.run(
        [sys.executable, "-c", DECODE_AT_THE_BOUND, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT_DIR,
        env={**os.environ, "PYTHONPATH": str(ROOT_DIR)},
        check=True,
    )
    width, height, peak_mb = (int(v) for v in run.stdout.split())
    assert (width, height) == (round(side * 300 / (side / 11.69)),) * 2
    assert peak_mb < 450, f"decoding a {side}×{side} page peaked at {peak_mb} MB"


def test_frame_sizes_come_from_headers_alone(tmp_path: Path):
    bomb = _png_claiming(tmp_path / "bomb.png", 9990, 9990)
    assert bomb.stat().st_size < 1000
    assert frame_sizes(bomb, 300) == [(9990, 9990)]
    assert "9990×9990 像素" in pixel_problem(frame_sizes(bomb, 300))
    assert pixel_problem([(2480, 3508), (7000, 7000)]) is None
    pages = tmp_path / "pages.tif"
    Image.new("L", (20, 30)).save(pages, save_all=True, append_images=[Image.new("L", (40, 50))])
    assert frame_sizes(pages, 300) == [(20, 30), (40, 50)]
    assert frame_sizes(pages, 0) == [(20, 30)]  # at most max_frames + 1 are looked at
