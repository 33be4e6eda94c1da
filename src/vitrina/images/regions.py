"""Where the product is in a customer's photo: the whole frame and the region that holds it.

Customers send screenshots of Instagram stories (the product photo small inside a tall coloured
frame with a caption bar and stickers), phone photos of a screen (a bright rectangle inside a dark
bezel and desk) and photos with borders. Search looks at the whole photo *and* at the region
found here, so neither a good full-frame photo nor a framed one is lost.

The region is the largest connected area that differs from the frame colour (sampled along the
photo's edge): a caption bar or a sticker is thin or small, the product photo is the big block.
It must also fill most of its bounding box — a photo or a screen is a (tilted) rectangle, while a
bouquet standing on a plain studio background is not, and such a photo is used whole, as the
shop's own photos are.
It runs on a ~160-pixel thumbnail (about 1 ms), so it costs nothing next to the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

ANALYSIS_SIZE = 160  # the thumbnail's longer side
FRAME_DISTANCE = 28.0  # RGB distance from the frame colour that counts as "not frame"
MIN_AREA = 0.06  # a region smaller than this share of the photo is a sticker, not the product
MAX_AREA = 0.80  # a region larger than this is the whole photo: no separate region
MIN_FILL = 0.8  # share of its box the region fills: a framed photo, not a lone bouquet


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in pixels of the full image: left, top, right, bottom (exclusive)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def area(self) -> int:
        return max(0, self.right - self.left) * max(0, self.bottom - self.top)


def product_region(image: Image.Image) -> Box | None:
    """The part of ``image`` that holds the product, or ``None`` when that is the whole photo."""
    width, height = image.size
    scale = ANALYSIS_SIZE / max(width, height)
    small = image.resize(
        (max(8, round(width * scale)), max(8, round(height * scale))), Image.Resampling.BILINEAR
    )
    pixels = np.asarray(small, dtype=np.float32)
    mask = _not_frame(pixels)
    # Close small gaps (a white flower touching the white frame) and drop specks (JPEG noise).
    kernel = np.ones((5, 5), np.uint8)
    closed = np.asarray(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel), dtype=np.uint8)
    mask = np.asarray(
        cv2.morphologyEx(closed, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)), dtype=np.uint8
    )
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return None
    # Row 0 is the frame itself; pick the largest remaining component by its box's area.
    boxes = stats[1:, :4]
    areas = boxes[:, 2] * boxes[:, 3]
    best = int(np.argmax(areas))
    x, y, w, h = (int(v) for v in boxes[best])
    share = (w * h) / float(mask.shape[0] * mask.shape[1])
    fill = float(stats[best + 1, cv2.CC_STAT_AREA]) / max(1, w * h)
    if share < MIN_AREA or share > MAX_AREA or fill < MIN_FILL:
        return None
    return Box(
        left=max(0, int(x / scale)),
        top=max(0, int(y / scale)),
        right=min(width, int(np.ceil((x + w) / scale))),
        bottom=min(height, int(np.ceil((y + h) / scale))),
    )


def _not_frame(pixels: NDArray[np.float32]) -> NDArray[np.uint8]:
    """1 where a pixel differs from the frame colour, the median of the outermost ring."""
    ring = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]], axis=0)
    frame = np.median(ring, axis=0)
    distance = np.linalg.norm(pixels - frame, axis=2)
    return np.asarray(distance > FRAME_DISTANCE, dtype=np.uint8)


def query_crops(image: Image.Image) -> list[Image.Image]:
    """The photos a query is embedded as: the whole photo, then the product region if separate."""
    crops = [image]
    region = product_region(image)
    if region is not None:
        crops.append(image.crop((region.left, region.top, region.right, region.bottom)))
    return crops
