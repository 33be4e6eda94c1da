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

What counts, measured in ``benchmarks/quality.py`` (the descriptor used to name the bouquet's
colour for 60 % of catalog photos, now for over 90 %):
- only the product: pixels far from the photo's edge colour (background) and not sky (light blue
  in the upper half: poppies in a field read blue), in the middle of the photo (the central half
  across, 20-60 % down), where a bouquet's flowers are;
- only flower colours when comparing: green (leaves), brown (kraft paper, baskets), grey and
  black (shadows, dark boxes and papers) are described but left out, since nearly every bouquet
  has them and they say nothing of the flowers;
- a customer's photo (``query=True``) is first corrected for warm indoor light, judged by its
  edge (background, frame), only towards cooler and at most by the gain such light has: shop
  photos are white-balanced already, and correcting them would turn a peach wall grey;
- a catalog photo (and a query as taken) is balanced only when its brightest part is a pale
  yellow at the top of the range, a white under a warm lamp (a shop's second photo under warm
  light named white roses yellow and pink ones orange: 4 of 19 such real photos named as
  labelled, 12 balanced).

Still weak: glare on a photographed screen washes flowers out towards white, and a hat box in a
flower colour fills the middle of the photo as much as the flowers do.

Stored descriptors carry :data:`VERSION`; one of another version reads as ``None`` (unknown
colour, never compared with this one) until ``vitrina reindex --stale-only`` describes the photo
again — that query finds them by their size and by their first byte.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

# The first byte of a stored descriptor. 1 was a hue histogram; 2 had no sky and no warm-light
# balance of catalog photos; 3 (an upper-middle prior, reverted) is never reused.
VERSION = 4
NAMES = (
    "red", "pink", "orange", "yellow", "green", "blue", "purple", "brown", "white", "grey", "black"
)  # fmt: skip
FLOWER_NAMES = ("red", "pink", "orange", "yellow", "blue", "purple", "white")
SIZE = len(NAMES)
STORED_BYTES = 1 + 2 * SIZE  # what a current descriptor takes in ``photo_features.colour``
ANALYSIS_SIZE = 64
BACKGROUND_DISTANCE = 30.0  # RGB distance from the edge colour that counts as the product
# Sky (CIE Lab): light, not reddish, clearly blue; looked for in the photo's upper half only.
SKY_LIGHTNESS = 50.0
SKY_MAX_RED = 5.0
SKY_BLUE = 15.0
MIDDLE_ROWS = slice(int(0.2 * ANALYSIS_SIZE), int(0.6 * ANALYSIS_SIZE))
MIDDLE_COLUMNS = slice(int(0.25 * ANALYSIS_SIZE), int(0.75 * ANALYSIS_SIZE))
SOFTNESS = 4.0  # Lab distance over which a pixel's weight moves to the next-nearest name
MAX_WARMTH = 1.3  # the most warm light scales red against blue, each way (~1.1 and 0.75)
# A catalog photo's brightest 5 % (mean) under warm light: red near the top of the range, green
# nearly as high, blue well below green but not gone (white paper under a warm lamp: ~(250, 240,
# 145); yellow flowers, however bright, have little blue: ~(250, 215, 40)).
CAST_BRIGHTEST = 235.0
CAST_GREEN = 0.85
CAST_BLUE = (0.45, 0.7)
CONFIDENT = 0.4  # share of the flower colours the main one must hold to rank by it

# CSS colour keywords, grouped into the names a flower buyer uses.
_KEYWORDS: dict[str, tuple[tuple[int, int, int], ...]] = {
    "red": ((220, 20, 60), (178, 34, 34), (139, 0, 0), (128, 0, 0), (255, 0, 0)),
    "pink": ((255, 192, 203), (255, 182, 193), (255, 105, 180), (219, 112, 147), (199, 21, 133),
             (255, 20, 147)),
    "orange": ((255, 165, 0), (255, 140, 0), (255, 127, 80), (255, 160, 122)),
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
_KEYWORD_SQUARED = (_KEYWORD_LAB**2).sum(axis=1)
_FLOWER = np.array([name in FLOWER_NAMES for name in NAMES])

ColourDescriptor = NDArray[np.float32]


def colour_thumbnail(image: Image.Image) -> Image.Image:
    """The pixels the descriptor reads: ``image`` at :data:`ANALYSIS_SIZE` square. Describing
    the thumbnail gives the photo's descriptor (a thumbnail is not resized again), so a query
    described twice (as taken, and corrected for warm light) resizes once."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")  # (converting RGB copies it)
    return rgb.resize((ANALYSIS_SIZE, ANALYSIS_SIZE), Image.Resampling.BILINEAR, reducing_gap=3.0)


def colour_descriptor(image: Image.Image, *, query: bool = False) -> ColourDescriptor:
    """How much of the product in ``image`` is each of :data:`NAMES` (sums to 1)."""
    rgb = np.asarray(colour_thumbnail(image), dtype=np.float32)
    if query:
        rgb = _without_warm_light(rgb, np.median(_edge(rgb), axis=0))
    else:
        rgb = _white_under_warm_light(rgb)
    lab = np.asarray(cv2.cvtColor(rgb / 255.0, cv2.COLOR_RGB2Lab), dtype=np.float32)
    product = _background_removed(rgb, lab)
    middle = np.zeros_like(product)
    middle[MIDDLE_ROWS, MIDDLE_COLUMNS] = True
    product &= middle
    if product.sum() < 0.05 * middle.sum():  # a plain photo: use every pixel of the middle
        product = middle
    lab = lab[product]
    squared = (
        (lab**2).sum(axis=1)[:, None] + _KEYWORD_SQUARED[None, :] - 2.0 * (lab @ _KEYWORD_LAB.T)
    )
    distance = np.sqrt(np.maximum(squared, 0.0))
    weight = np.exp(-(distance - distance.min(axis=1, keepdims=True)) / SOFTNESS)
    weight /= weight.sum(axis=1, keepdims=True)
    histogram = np.zeros(SIZE, dtype=np.float32)
    np.add.at(histogram, _KEYWORD_NAME, weight.sum(axis=0))
    return histogram / max(float(histogram.sum()), 1e-9)


def _edge(rgb: NDArray[np.float32]) -> NDArray[np.float32]:
    """The photo's outermost pixels, all four sides."""
    return np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]], axis=0)


def _background_removed(rgb: NDArray[np.float32], lab: NDArray[np.float32]) -> NDArray[np.bool_]:
    """The pixels that are not background: far from the photo's edge colour, and not sky (light
    blue in the upper half: flowers photographed in a field or by a window have sky behind
    them, which the edge colour, the field's or the wall's, does not remove)."""
    product = np.linalg.norm(rgb - np.median(_edge(rgb), axis=0), axis=2) > BACKGROUND_DISTANCE
    lightness, green_red, blue_yellow = lab[..., 0], lab[..., 1], lab[..., 2]
    sky = (lightness > SKY_LIGHTNESS) & (green_red < SKY_MAX_RED) & (blue_yellow < -SKY_BLUE)
    sky[ANALYSIS_SIZE // 2 :] = False
    return np.asarray(product & ~sky, dtype=np.bool_)


def _white_under_warm_light(rgb: NDArray[np.float32]) -> NDArray[np.float32]:
    """A catalog photo taken under strong warm light, balanced so its whites are white again.

    Its brightest pixels are then a pale yellow at the top of the range: white paper, a white
    wall or white flowers lit by a warm lamp (under it white roses read yellow, pink ones
    orange). Scaled so they turn grey; other photos, whose brightest part is a flower's own
    colour (yellow tulips, orange zinnias) or neutral, are left as they are. Pale yellow flowers
    as the brightest part of a photo are read as white: the pixels cannot tell them apart.
    """
    pixels = rgb.reshape(-1, 3)
    brightness = pixels.sum(axis=1)
    red, green, blue = pixels[brightness >= np.percentile(brightness, 95)].mean(axis=0)
    pale_yellow = green >= CAST_GREEN * red and CAST_BLUE[0] * green <= blue < CAST_BLUE[1] * green
    if red < CAST_BRIGHTEST or not pale_yellow:
        return rgb
    gain = np.array([green / red, 1.0, green / max(float(blue), 1.0)], dtype=np.float32)
    return np.asarray(np.clip(rgb * gain, 0, 255), dtype=np.float32)


def _without_warm_light(
    rgb: NDArray[np.float32], edge: NDArray[np.float32]
) -> NDArray[np.float32]:
    """``rgb`` cooled by what makes its edge colour warmer than grey (never warmed)."""
    red, blue = max(float(edge[0]), 1.0), max(float(edge[2]), 1.0)
    warmth = float(np.clip(np.sqrt(red / blue), 1.0, MAX_WARMTH))
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
