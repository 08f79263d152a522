"""Where a value was read, against the hand-drawn field regions of the real licences (YOLO boxes).

`../shared/real-dev/licenses/NNNN.txt` holds one line per field region (label and value together):
`class cx cy w h`, normalised to the image size. A field's evidence box counts as inside when at
least half of it lies within the region of its class (grown by 2% of the image on each side, as
the boxes are drawn by hand). Boxes refer to the upright stored page; only pages stored at the
image's own size and orientation (not turned, flattened or resized) can be compared, and how many
those are is reported with the figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.model import Box, DocumentResult

YOLO_FIELDS = {
    0: "credit_code",
    1: "name",
    2: "registered_capital",
    3: "legal_representative",
    4: "address",
    6: "business_term",
    7: "established_date",
    8: "company_type",
}
MARGIN = 0.02


def yolo_regions(label_file: Path, width: int, height: int) -> dict[str, list[Box]]:
    """The regions of each field in pixels of an image `width` × `height`."""
    regions: dict[str, list[Box]] = {}
    for line in label_file.read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) != 5 or int(parts[0]) not in YOLO_FIELDS:
            continue
        cx, cy, w, h = (float(v) for v in parts[1:])
        regions.setdefault(YOLO_FIELDS[int(parts[0])], []).append(
            (
                (cx - w / 2 - MARGIN) * width,
                (cy - h / 2 - MARGIN) * height,
                (cx + w / 2 + MARGIN) * width,
                (cy + h / 2 + MARGIN) * height,
            )
        )
    return regions


def share_inside(box: Box, region: Box) -> float:
    x0, y0 = max(box[0], region[0]), max(box[1], region[1])
    x1, y1 = min(box[2], region[2]), min(box[3], region[3])
    area = max(box[2] - box[0], 1e-6) * max(box[3] - box[1], 1e-6)
    return max(0.0, x1 - x0) * max(0.0, y1 - y0) / area


@dataclass
class RegionTally:
    documents: int = 0
    comparable: int = 0
    """Pages stored at the image's own size and orientation."""
    inside: dict[str, list[int]] = field(default_factory=dict)
    """Per field: [inside, read with a box where a region is drawn]."""

    def add(self, document: DocumentResult, label_file: Path, width: int, height: int) -> None:
        self.documents += 1
        page = next((p for p in document.pages if p.kind.value == "business_license"), None)
        if page is None or page.rotation or (page.width, page.height) != (width, height):
            return
        self.comparable += 1
        regions = yolo_regions(label_file, width, height)
        for name, boxes in regions.items():
            read = page.fields.get(name)
            if read is None or read.box is None:
                continue
            counts = self.inside.setdefault(name, [0, 0])
            counts[1] += 1
            if any(share_inside(read.box, region) >= 0.5 for region in boxes):
                counts[0] += 1
