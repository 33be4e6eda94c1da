"""The colour of the flowers, as a buyer names it, so "similar" shows red bouquets for a red one.

The embedding models were trained to recognise *what* is in a photo, so they see a red and a
purple bouquet of the same flowers as near twins. Colour is the first thing a person buying
flowers looks at, so search fuses this descriptor with the embedding and, when the query's colour
is clear, ranks bouquets of the same main colour first.

The descriptor is how much of the product is each of eleven colour names (red, pink, orange,
yellow, green, blue, purple, brown, white, grey, black): every pixel is compared in CIE Lab (where
distances follow what people see) with the CSS colour keywords of each name and split softly
between the nearest ones. Names, not hue bins, because that is how buyers think, and because pink
and red, or cream and yellow, differ in lightness and strength rather than in hue. 11 float16 and a
version byte: 23 bytes per photo.

What counts, measured in ``benchmarks/quality.py`` (generated bouquets) and on real shop
photographs (``benchmarks/scripts/colour_naming_real.py``, issue 25):
- only the flowers, by weight: pixels near the upper middle of the photo (where a bouquet's
  flowers are; the wrap and stems are below), of a colour the middle holds more of than the
  photo's border. Real photos have a wall, the sky, a lawn, a table or a person around the
  bouquet; those fill the border and weigh nothing. When nothing stands out (a close-up whose
  flowers fill the photo, a white bouquet on a white table) the whole upper middle is named;
- only flower colours when comparing: green (leaves), brown (kraft paper, baskets), grey and
  black (shadows, dark boxes and papers) are described but left out, since nearly every bouquet
  has them and they say nothing of the flowers;
- a customer's photo (``query=True``) is first corrected for warm indoor light, only when both
  its edge (background, frame) and its highlights are warm, towards cooler and at most by the
  gain such light has: shop photos are white-balanced already, and correcting them would turn
  a peach wall grey.

Still weak: glare on a photographed screen washes flowers out towards white; red and orange
flowers meet at the same Lab hue (a deep orange gerbera reads red); a pale pink bouquet reads
white.

Stored descriptors carry :data:`VERSION`; one of another version reads as ``None`` (unknown
colour, never compared with this one) until ``vitrina reindex --stale-only`` describes the photo
again — that query finds them by their size and their first byte.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

VERSION = 3  # the first byte of a stored descriptor; 2 named the middle band, 1 was a hue histogram
NAMES = (
    "red", "pink", "orange", "yellow", "green", "blue", "purple", "brown", "white", "grey", "black"
)  # fmt: skip
FLOWER_NAMES = ("red", "pink", "orange", "yellow", "blue", "purple", "white")
SIZE = len(NAMES)
STORED_BYTES = 1 + 2 * SIZE  # what a current descriptor takes in ``photo_features.colour``
ANALYSIS_SIZE = 64
CENTRE = (0.4, 0.5)  # where a photo's flowers are, as a share of its height and width
SPREAD_UP, SPREAD_DOWN, SPREAD_ACROSS = 0.3, 0.12, 0.28  # below the flowers: stems and wrap
CONTRAST_BIN = 6.0  # Lab units per bin of the middle's and the border's colour histograms
CONTRAST_NEAR = 2  # bins either way that count as the same colour (~12 Lab units)
CONTRAST_FLOOR = 0.5  # a colour the border holds as much of as the middle weighs nothing
PLAIN = 0.05  # below this share of the middle standing out, the whole middle is described
SOFTNESS = 4.0  # Lab distance over which a pixel's weight moves to the next-nearest name
HIGHLIGHTS = 0.95  # the lightest 5 % of a photo: its whites, if it has any
PETALS = 2.4  # highlights this much redder than blue are petals: warm light tints white ~1.4
MAX_WARMTH = 1.3  # the most warm light scales red against blue, each way (~1.1 and 0.75)
CONFIDENT = 0.4  # share of the flower colours the main one must hold to rank by it

# CSS colour keywords, grouped into the names a flower buyer uses.
_KEYWORDS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "red": ((220, 20, 60), (178, 34, 34), (139, 0, 0), (128, 0, 0), (255, 0, 0)),
    "pink": ((255, 192, 203), (255, 182, 193), (255, 105, 180), (219, 112, 147), (199, 21, 133),
             (255, 20, 147)),
    "orange": ((255, 165, 0), (255, 140, 0), (255, 127, 80), (255, 160, 122), (210, 105, 30)),
    "yellow": ((255, 215, 0), (255, 255, 0), (240, 230, 140), (218, 165, 32)),
    "green": ((0, 128, 0), (34, 139, 34), (85, 107, 47), (107, 142, 35), (60, 179, 113),
              (143, 188, 143), (46, 139, 87), (144, 238, 144), (0, 100, 0)),
    "blue": ((65, 105, 225), (100, 149, 237), (70, 130, 180), (0, 0, 128), (25, 25, 112),
             (173, 216, 230)),
    "purple": ((128, 0, 128), (153, 50, 204), (147, 112, 219), (221, 160, 221), (75, 0, 130),
               (138, 43, 226), (218, 112, 214)),
    "brown": ((160, 82, 45), (139, 69, 19), (210, 180, 140), (222, 184, 135)),
    "white": ((255, 255, 255), (255, 255, 240), (245, 245, 245), (250, 240, 230), (245, 245, 220),
              (245, 222, 179)),
    "grey": ((128, 128, 128), (169, 169, 169), (192, 192, 192), (105, 105, 105)),
    "black": ((0, 0, 0), (47, 79, 79)),
}  # fmt: skip
_KEYWORD_NAME = np.array([NAMES.index(n) for n in NAMES for _ in _KEYWORDS[n]])
_KEYWORD_LAB = cv2.cvtColor(
    np.array([[c for n in NAMES for c in _KEYWORDS[n]]], np.float32) / 255, cv2.COLOR_RGB2Lab
)[0]
_FLOWER = np.array([name in FLOWER_NAMES for name in NAMES])

ColourDescriptor = NDArray[np.float32]


def colour_descriptor(image: Image.Image, *, query: bool = False) -> ColourDescriptor:
    """How much of the product in ``image`` is each of :data:`NAMES` (sums to 1)."""
    small = image.convert("RGB").resize(
        (ANALYSIS_SIZE, ANALYSIS_SIZE), Image.Resampling.BILINEAR, reducing_gap=3.0
    )
    rgb = np.asarray(small, dtype=np.float32)
    edge = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]], axis=0)
    if query:
        rgb = _without_warm_light(rgb, np.median(edge, axis=0))
    lab_image = np.asarray(cv2.cvtColor(rgb / 255.0, cv2.COLOR_RGB2Lab), dtype=np.float32)
    weight_map = _flower_weight(lab_image)
    keep = weight_map > 0.02  # the rest adds nothing a name would notice, and costs time
    lab = lab_image[keep]
    pixel_weight = weight_map[keep]
    # Channel by channel: a matrix product of three columns (BLAS threads) or a sum over a
    # broadcast last axis took 10-30 times longer.
    distance = np.sqrt(sum((lab[:, c, None] - _KEYWORD_LAB[None, :, c]) ** 2 for c in range(3)))
    weight = np.exp(-(distance - distance.min(axis=1, keepdims=True)) / SOFTNESS)
    weight /= weight.sum(axis=1, keepdims=True)
    histogram = np.zeros(SIZE, dtype=np.float32)
    np.add.at(histogram, _KEYWORD_NAME, (weight * pixel_weight[:, None]).sum(axis=0))
    return histogram / max(float(histogram.sum()), 1e-9)


_ROWS, _COLUMNS = np.mgrid[0:ANALYSIS_SIZE, 0:ANALYSIS_SIZE] / (ANALYSIS_SIZE - 1)
_ROW_SPREAD = np.where(np.less(_ROWS, CENTRE[0]), SPREAD_UP, SPREAD_DOWN)
_CENTRE_PRIOR = np.exp(
    -((_ROWS - CENTRE[0]) ** 2) / (2 * _ROW_SPREAD**2)
    - ((_COLUMNS - CENTRE[1]) ** 2) / (2 * SPREAD_ACROSS**2)
).astype(np.float32)
_BORDER = np.ones((ANALYSIS_SIZE, ANALYSIS_SIZE), dtype=bool)
_BORDER[2:-2, 2:-2] = False  # the outer two pixels all round
_BINS = (int(100 // CONTRAST_BIN) + 1, int(256 // CONTRAST_BIN), int(256 // CONTRAST_BIN))


def _flower_weight(lab: NDArray[np.float32]) -> NDArray[np.float32]:
    """How much each pixel is likely to be the flowers: near the upper middle (the wrap and
    stems are below), and of a colour the middle holds more of than the border. A wall, the
    sky, a lawn or a table fill the border; when nothing stands out (a close-up whose flowers
    fill the photo, white roses on a white table) the whole upper middle counts. Histograms
    summed over a box of bins: a pairwise distance matrix took 30 times longer."""
    pixels = _bins(lab.reshape(-1, 3))
    border = lab[_BORDER]
    middle = np.zeros(_BINS, dtype=np.float32)
    np.add.at(middle, pixels, _CENTRE_PRIOR.ravel() / _CENTRE_PRIOR.sum())
    edge = np.zeros(_BINS, dtype=np.float32)
    np.add.at(edge, _bins(border), 1.0 / len(border))
    for axis in range(3):
        middle = _box_sum(middle, CONTRAST_NEAR, axis)
        edge = _box_sum(edge, CONTRAST_NEAR, axis)
    inside, outside = middle[pixels], edge[pixels]
    contrast = (inside / np.maximum(inside + outside, 1e-6)).reshape(lab.shape[:2])
    foreground = np.clip((contrast - CONTRAST_FLOOR) / (1 - CONTRAST_FLOOR), 0.0, 1.0)
    if float((foreground * _CENTRE_PRIOR).sum()) < PLAIN * float(_CENTRE_PRIOR.sum()):
        foreground = np.ones_like(foreground)  # nothing stands out: the middle is the product
    return np.asarray(foreground * _CENTRE_PRIOR, dtype=np.float32)


def _bins(lab: NDArray[np.float32]) -> tuple[NDArray[np.intp], ...]:
    """The histogram bin of each Lab colour (rows of ``lab``)."""
    scaled = (lab + np.array([0.0, 128.0, 128.0], dtype=np.float32)) / CONTRAST_BIN
    index = np.clip(scaled.astype(np.intp), 0, np.array(_BINS) - 1)
    return index[:, 0], index[:, 1], index[:, 2]


def _box_sum(values: NDArray[np.float32], radius: int, axis: int) -> NDArray[np.float32]:
    """Each cell's sum over ``radius`` cells either way along ``axis`` (zeros beyond the ends)."""
    pad = [(0, 0)] * values.ndim
    pad[axis] = (radius + 1, radius)
    total = np.cumsum(np.pad(values, pad), axis=axis)
    upper = [slice(None)] * values.ndim
    lower = [slice(None)] * values.ndim
    upper[axis] = slice(2 * radius + 1, None)
    lower[axis] = slice(0, values.shape[axis])
    return np.asarray(total[tuple(upper)] - total[tuple(lower)], dtype=np.float32)


def _without_warm_light(rgb: NDArray[np.float32], edge: NDArray[np.float32]) -> NDArray[np.float32]:
    """``rgb`` cooled by what makes both its edge colour and its highlights warmer than grey
    (never warmed): warm light tints every white in the photo, while a wooden table, kraft
    paper or a beige wall at the edge under daylight leaves the highlights neutral (judged by
    the edge alone, real photos of pink bouquets read purple and orange ones blue)."""
    lightness = rgb.sum(axis=2)
    highlight = np.median(rgb[lightness >= np.quantile(lightness, HIGHLIGHTS)], axis=0)
    tint = max(float(highlight[0]), 1.0) / max(float(highlight[2]), 1.0)
    if tint > PETALS:  # no whites at all: the highlights are yellow or orange petals
        tint = 1.0
    ratio = min(max(float(edge[0]), 1.0) / max(float(edge[2]), 1.0), tint)
    warmth = float(np.clip(np.sqrt(ratio), 1.0, MAX_WARMTH))
    balanced = rgb * np.array([1 / warmth, 1.0, warmth], dtype=np.float32)
    return np.asarray(np.clip(balanced, 0, 255), dtype=np.float32)


def flower_colours(descriptor: ColourDescriptor) -> ColourDescriptor:
    """The descriptor over the flower colours only, summing to 1."""
    kept = np.where(_FLOWER, np.maximum(descriptor, 0), 0).astype(np.float32)
    return kept / max(float(kept.sum()), 1e-9)


def colour_similarity(a: ColourDescriptor, b: ColourDescriptor) -> float:
    """Bhattacharyya coefficient of the flower colours: 1 for the same, 0 for none shared."""
    return float(similarities(a, b[None, :])[0])


def similarities(query: ColourDescriptor, stored: NDArray[np.float32]) -> NDArray[np.float32]:
    """:func:`colour_similarity` of ``query`` with each row of ``stored`` (a search's
    candidates at once)."""
    kept = np.where(_FLOWER, np.maximum(stored, 0), 0)
    kept /= np.maximum(kept.sum(axis=1, keepdims=True), 1e-9)
    return np.asarray(np.sqrt(flower_colours(query)[None, :] * kept).sum(axis=1), np.float32)


def main_colour(descriptor: ColourDescriptor) -> str:
    """The flowers' main colour name (what a buyer would call the bouquet)."""
    return NAMES[int(np.argmax(np.where(_FLOWER, descriptor, -1.0)))]


def main_colours(stored: NDArray[np.float32]) -> list[str]:
    """:func:`main_colour` of each row of ``stored``."""
    return [NAMES[i] for i in np.argmax(np.where(_FLOWER, stored, -1.0), axis=1)]


def confident_colour(descriptor: ColourDescriptor) -> str | None:
    """The main colour when it clearly leads (a mixed bouquet has none)."""
    flowers = flower_colours(descriptor)
    return main_colour(descriptor) if float(flowers.max()) >= CONFIDENT else None


def pack_colour(descriptor: ColourDescriptor) -> bytes:
    return bytes([VERSION]) + np.asarray(descriptor, dtype="<f2").tobytes()


def unpack_colour(data: bytes) -> ColourDescriptor | None:
    """The stored descriptor, or ``None`` when it was made by another version (recomputed by
    ``vitrina reindex``; search treats it as unknown colour meanwhile, never mixes versions)."""
    if len(data) != STORED_BYTES or data[0] != VERSION:
        return None
    return np.frombuffer(data, dtype="<f2", offset=1).astype(np.float32)
