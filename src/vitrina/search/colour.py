"""A small colour descriptor of the product, so "similar" can put red bouquets first for a red one.

The embedding models were trained to recognise *what* is in a photo, so they see a red and a
purple bouquet of the same flowers as near twins. Colour is the first thing a person buying
flowers looks at, so search fuses this descriptor with the embedding.

The descriptor is a hue/saturation histogram of the pixels that are not background (the colour of
the photo's edge), with three grey bins for white, grey and black things: 39 bins as float16,
78 bytes per photo. Only the middle of the photo counts (the central half across, 20-60 % down):
that is where a bouquet's flowers are, while wrapping paper, basket and background fill the
rest, and they made the main colour wrong for two bouquets in three (``benchmarks/quality.py``).
Green is left out of comparisons: nearly every bouquet has leaves. Hue bins are smoothed with their neighbours so warm indoor light (a shift of
a few degrees) does not move a flower into another bin outright.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

HUE_BINS = 18
SAT_LEVELS = 2
GREY_LEVELS = 3
SIZE = HUE_BINS * SAT_LEVELS + GREY_LEVELS  # 39
ANALYSIS_SIZE = 64
BACKGROUND_DISTANCE = 30.0
MIDDLE_ROWS = slice(int(0.2 * ANALYSIS_SIZE), int(0.6 * ANALYSIS_SIZE))
MIDDLE_COLUMNS = slice(int(0.25 * ANALYSIS_SIZE), int(0.75 * ANALYSIS_SIZE))
GREEN_BINS = slice(3 * SAT_LEVELS, 8 * SAT_LEVELS)  # hues 60-160 degrees: leaves

ColourDescriptor = NDArray[np.float32]


def colour_descriptor(image: Image.Image) -> ColourDescriptor:
    """The normalised colour histogram of the non-background pixels of ``image``."""
    small = np.asarray(image.resize((ANALYSIS_SIZE, ANALYSIS_SIZE), Image.Resampling.BILINEAR))
    rgb = small.astype(np.float32)
    ring = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]], axis=0)
    foreground = np.linalg.norm(rgb - np.median(ring, axis=0), axis=2) > BACKGROUND_DISTANCE
    middle = np.zeros_like(foreground)
    middle[MIDDLE_ROWS, MIDDLE_COLUMNS] = True
    foreground &= middle
    if foreground.sum() < 0.05 * middle.sum():  # a plain photo: use every pixel of the middle
        foreground = middle
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV_FULL).astype(np.float32)[foreground]
    hue, sat, val = hsv[:, 0] / 256.0, hsv[:, 1] / 255.0, hsv[:, 2] / 255.0
    histogram = np.zeros(SIZE, dtype=np.float32)
    chromatic = (sat > 0.22) & (val > 0.18)
    hue_bin = np.minimum((hue * HUE_BINS).astype(np.int64), HUE_BINS - 1)
    sat_level = (sat > 0.55).astype(np.int64)
    np.add.at(histogram, (hue_bin * SAT_LEVELS + sat_level)[chromatic], 1.0)
    grey = np.digitize(val[~chromatic], [0.3, 0.75])
    np.add.at(histogram, HUE_BINS * SAT_LEVELS + grey, 1.0)
    hues = histogram[: HUE_BINS * SAT_LEVELS].reshape(HUE_BINS, SAT_LEVELS)
    smoothed = 0.5 * hues + 0.25 * np.roll(hues, 1, axis=0) + 0.25 * np.roll(hues, -1, axis=0)
    histogram[: HUE_BINS * SAT_LEVELS] = smoothed.reshape(-1)
    return histogram / max(float(histogram.sum()), 1e-9)


def colour_similarity(a: ColourDescriptor, b: ColourDescriptor) -> float:
    """Bhattacharyya coefficient without the greens: 1 for the same colours, 0 for none shared."""
    return float(np.sqrt(_without_green(a) * _without_green(b)).sum())


def _without_green(descriptor: ColourDescriptor) -> ColourDescriptor:
    kept = np.maximum(descriptor, 0).astype(np.float32)
    kept[GREEN_BINS] = 0
    return kept / max(float(kept.sum()), 1e-9)


def pack_colour(descriptor: ColourDescriptor) -> bytes:
    return np.asarray(descriptor, dtype="<f2").tobytes()


def unpack_colour(data: bytes) -> ColourDescriptor:
    return np.frombuffer(data, dtype="<f2").astype(np.float32)


# Hue ranges (degrees, start of range) of the colour names a flower buyer uses; green is left
# out of a bouquet's main colour, since nearly every bouquet has leaves.
_HUE_NAMES = ((0, "red"), (15, "orange"), (45, "yellow"), (70, "green"), (170, "blue"),
              (260, "purple"), (300, "pink"), (345, "red"))  # fmt: skip
_GREY_NAMES = ("black", "grey", "white")


def main_colour(descriptor: ColourDescriptor) -> str:
    """The descriptor's main colour name (green not counted), for reports on unlabelled photos."""
    hues = descriptor[: HUE_BINS * SAT_LEVELS].reshape(HUE_BINS, SAT_LEVELS).sum(axis=1)
    mass: dict[str, float] = {}
    for index, amount in enumerate(hues):
        degrees = (index + 0.5) * 360 / HUE_BINS
        name = next(n for start, n in reversed(_HUE_NAMES) if degrees >= start)
        mass[name] = mass.get(name, 0.0) + float(amount)
    mass.pop("green", None)
    greys = descriptor[HUE_BINS * SAT_LEVELS :]
    chromatic = sum(mass.values())
    if chromatic >= 0.35 * (chromatic + float(greys.sum())):
        return max(mass, key=lambda n: mass[n])
    return _GREY_NAMES[int(np.argmax(greys))]
