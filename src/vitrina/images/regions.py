"""Where the product is in a customer's photo: the whole frame and the region that holds it.

Customers send screenshots of Instagram stories (the product photo small inside a tall coloured
frame with a caption bar and stickers), phone photos of a screen (a bright rectangle inside a dark
bezel and desk) and photos with borders. Search looks at the whole photo *and* at the region
found here, so neither a good full-frame photo nor a framed one is lost.

The region is the largest connected area that differs from the frame colour (sampled along the
photo's edge): a caption bar or a sticker is thin or small, the product photo is the big block.
It must fill most of its bounding box — a photo or a screen is a (tilted) rectangle, while a
bouquet standing on a plain studio background is not, and such a photo is used whole, as the
shop's own photos are. Before that, the box is trimmed to its rows and columns that are at least
half region: a sticker over the photo's edge (or joining it to a caption bar), the slanted edges
of a screen seen at an angle and glare spilling onto the desk stick out and are cut off; the
rest must hold nearly all of the region and fill its box almost entirely. (Without the trimming a third of story screenshots and half of screen
photos had no region; ``benchmarks/quality.py``.)
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
MIN_TRIMMED_FILL = 0.95  # the same once trimmed (trimming makes any bouquet fill its box more)
SIDE_FILL = 0.5  # a row or column of the box less than this much region is trimmed off
MIN_KEPT = 0.6  # share of the region the trimmed box keeps: not a bouquet cut to a rectangle


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

    def share_of(self, width: int, height: int) -> tuple[float, float, float, float]:
        """``(left, top, width, height)`` as fractions of the image: what a browser that shows the
        photo at another size places its frame by."""
        return (
            round(self.left / width, 4),
            round(self.top / height, 4),
            round((self.right - self.left) / width, 4),
            round((self.bottom - self.top) / height, 4),
        )


def product_region(image: Image.Image) -> Box | None:
    """The part of ``image`` that holds the product, or ``None`` when that is the whole photo."""
    width, height = image.size
    scale = ANALYSIS_SIZE / max(width, height)
    small = image.resize(
        (max(8, round(width * scale)), max(8, round(height * scale))),
        Image.Resampling.BILINEAR,
        reducing_gap=3.0,
    )
    pixels = np.asarray(small, dtype=np.float32)
    mask = _not_frame(pixels)
    # First a clean rectangle: kept apart from a caption bar ~3 pixels away, trimmed of
    # stickers over its edge and of a screen's slanted edges, filling its box almost entirely
    # (which keeps bouquets on a plain background whole). Failing that, the region as found,
    # small gaps closed (a white flower touching a white frame), filling most of its box.
    found = _region(mask, close=3, trim=True, min_fill=MIN_TRIMMED_FILL) or _region(
        mask, close=5, trim=False, min_fill=MIN_FILL
    )
    if found is None:
        return None
    x, y, right, bottom = found
    w, h = right - x, bottom - y
    return Box(
        left=max(0, int(x / scale)),
        top=max(0, int(y / scale)),
        right=min(width, int(np.ceil((x + w) / scale))),
        bottom=min(height, int(np.ceil((y + h) / scale))),
    )


def _region(
    mask: NDArray[np.uint8], *, close: int, trim: bool, min_fill: float
) -> tuple[int, int, int, int] | None:
    """The box (left, top, right, bottom) of the largest non-frame component, if it is a framed
    photo: not a sticker, not the whole photo, filling its box."""
    closed = np.asarray(cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((close, close), np.uint8)))
    cleaned = np.asarray(
        cv2.morphologyEx(closed.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)),
        dtype=np.uint8,
    )
    count, labels, stats, _ = cv2.connectedComponentsWithStats(cleaned, connectivity=8)
    if count <= 1:
        return None
    # Label 0 is the frame itself; pick the largest remaining component by its box's area.
    boxes = stats[1:, :4]
    best = int(np.argmax(boxes[:, 2] * boxes[:, 3]))
    region = np.asarray(labels == best + 1)
    x, y, w, h = (int(v) for v in boxes[best])
    box = _trimmed(region, x, y, x + w, y + h) if trim else (x, y, x + w, y + h)
    inside = region[box[1] : box[3], box[0] : box[2]]
    share = inside.size / float(mask.size)
    fill = float(inside.mean()) if inside.size else 0.0
    kept = float(inside.sum()) / max(1.0, float(region.sum()))
    if share < MIN_AREA or share > MAX_AREA or fill < min_fill or kept < MIN_KEPT:
        return None
    return box


def _trimmed(region: NDArray[np.bool_], left: int, top: int, right: int, bottom: int) -> tuple[
    int, int, int, int
]:
    """The box narrowed to its longest run of rows, then of columns, that are each at least
    :data:`SIDE_FILL` region, until that changes nothing: a caption bar joined to the photo by a
    sticker is cut off at the nearly empty rows between them, a sticker's overhang and a tilted
    screen's slanted edges at their thin rows and columns."""
    for _ in range(8):
        box = region[top:bottom, left:right]
        rows = _longest_run(box.mean(axis=1) >= SIDE_FILL)
        cols = _longest_run(box[rows[0] : rows[1]].mean(axis=0) >= SIDE_FILL)
        if rows == (0, bottom - top) and cols == (0, right - left):
            break
        top, bottom = top + rows[0], top + rows[1]
        left, right = left + cols[0], left + cols[1]
        if bottom - top < 4 or right - left < 4:
            break
    return left, top, right, bottom


def _longest_run(full: NDArray[np.bool_]) -> tuple[int, int]:
    """``(start, end)`` of the longest stretch of ``True`` (``(0, 0)`` when there is none)."""
    best, start = (0, 0), None
    for i, value in enumerate([*full.tolist(), False]):
        if value and start is None:
            start = i
        elif not value and start is not None:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def _not_frame(pixels: NDArray[np.float32]) -> NDArray[np.uint8]:
    """1 where a pixel differs from the frame colour, the median of the outermost ring."""
    ring = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]], axis=0)
    frame = np.median(ring, axis=0)
    distance = np.linalg.norm(pixels - frame, axis=2)
    return np.asarray(distance > FRAME_DISTANCE, dtype=np.uint8)

