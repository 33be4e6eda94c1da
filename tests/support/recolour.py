"""Colour variants of a real bouquet photo, and a shop photo taken under warm light.

Shops list one arrangement in several colours as separate products, each with its own photo;
a real variant photo is the same bouquet with other flowers. Here the flower pixels of a real
photo (saturated, near the flowers' main hue) are turned to another colour, the leaves, paper,
people and background kept: the relevance benchmark on real photographs and the tests of
"exact" among colour variants both use it.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

# Hue (OpenCV: degrees / 2) of each variant colour, and the median saturation and value its
# flowers are given: those of the real set's photos of that colour (``benchmarks/real_photos``,
# the flowers' hues as :data:`NAMED_HUES` says). A shop's red rose is deep and saturated, its pink
# one light and pale, so a pink bouquet made red must change strength as well as hue: scaling
# the pink's own saturation kept it pink (issue 25).
VARIANT_COLOURS: dict[str, tuple[int, float, float]] = {
    "red": (0, 0.85, 0.63),
    "orange": (12, 0.72, 0.83),
    "yellow": (26, 0.67, 0.84),
    "blue": (108, 0.58, 0.83),
    "purple": (140, 0.44, 0.61),
    "pink": (168, 0.46, 0.79),
}
# The hues (centre, half width) a buyer names each colour by: with the photo's flower colour
# known, only those hues are flowers. Without it, the photo's most saturated hue is taken, and
# on the real set that was at times a peach wall, the sky (the red poppies' three variants were
# red poppies under an orange, a purple and a pink sky) or the leaves.
NAMED_HUES: dict[str, tuple[int, int]] = {
    "red": (178, 10),
    "orange": (10, 10),
    "yellow": (27, 9),
    "blue": (110, 20),
    "purple": (140, 16),
    "pink": (166, 16),
}
GREEN = (33, 85)  # OpenCV hues of leaves and stems: never recoloured
BAND = 30  # hue distance from the flowers' main hue that is recoloured fully (fading over 10)
SCALE = (0.4, 2.5)  # bounds of the saturation and value scaling (dark red roses made yellow)
# a*b* distance (Lab units) and share of the photo that must move by it for a recolour to be
# another colour at all (a small-flowered bouquet's flowers cover 3-6 % of its photo)
MOVED_UNITS = 16.0
MOVED_SHARE = 0.02


def hue_distance(hue: np.ndarray, centre: float) -> np.ndarray:
    """Distance on OpenCV's 180-unit hue circle."""
    return np.abs((hue - centre + 90) % 180 - 90)


def colour_variant(photo: Image.Image, colour: str, flowers: str | None = None) -> Image.Image:
    """``photo`` with its flowers in ``colour`` (a key of :data:`VARIANT_COLOURS`); ``flowers``,
    the colour they are now (a key of :data:`NAMED_HUES`), keeps the rest of the photo as it
    is even where it is more saturated than the flowers."""
    hsv = cv2.cvtColor(np.asarray(photo.convert("RGB")), cv2.COLOR_RGB2HSV).astype(np.float32)
    hue, sat, val = hsv[..., 0], hsv[..., 1] / 255, hsv[..., 2] / 255
    named = np.ones_like(hue)
    if flowers is not None:
        centre, half = NAMED_HUES[flowers]
        named = np.clip((half + 4 - hue_distance(hue, centre)) / 4, 0, 1)
    chromatic = (sat > 0.25) & (val > 0.2) & ~((hue >= GREEN[0]) & (hue <= GREEN[1]))
    candidates = chromatic & (named > 0.5)
    if candidates.sum() < 100:
        candidates = (sat > 0.1) & (named > 0.5)
    counts = np.bincount(hue[candidates].astype(int), weights=sat[candidates], minlength=180)
    wrapped = np.convolve(np.r_[counts[-8:], counts, counts[:8]], np.ones(17), mode="same")
    dominant = int(np.argmax(wrapped[8:188]))
    weight = (
        np.clip((BAND + 10 - hue_distance(hue, dominant)) / 10, 0, 1)
        * np.clip((sat - 0.12) / 0.13, 0, 1)
        * named
    )
    target, saturation, value = VARIANT_COLOURS[colour]
    core = weight > 0.5 if (weight > 0.5).sum() >= 50 else weight > 0
    sat_scale = val_scale = 1.0
    if core.any():
        sat_scale = float(np.clip(saturation / max(float(np.median(sat[core])), 1e-3), *SCALE))
        val_scale = float(np.clip(value / max(float(np.median(val[core])), 1e-3), *SCALE))
    moved = hsv.copy()
    moved[..., 0] = (target + (hue - dominant)) % 180
    moved[..., 1] = np.clip(hsv[..., 1] * sat_scale, 0, 255)
    moved[..., 2] = np.clip(hsv[..., 2] * val_scale, 0, 255)
    mixed = hsv * (1 - weight[..., None]) + moved * weight[..., None]
    mixed[..., 0] = np.where(weight > 0.5, moved[..., 0], hsv[..., 0])  # hue does not blend
    rgb = cv2.cvtColor(np.clip(mixed, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB)
    return Image.fromarray(rgb)


def moved_share(photo: Image.Image, variant: Image.Image) -> float:
    """The share of the photo whose colour (Lab a*b*, lightness aside) the variant moved by at
    least :data:`MOVED_UNITS`: under :data:`MOVED_SHARE`, a recolour that a buyer would call the
    same colour as the photo, which no shop lists as another."""
    before, after = (
        cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2LAB).astype(np.float32)
        for image in (photo, variant)
    )
    return float((np.linalg.norm(after[..., 1:] - before[..., 1:], axis=2) >= MOVED_UNITS).mean())


def warm_cast(photo: Image.Image) -> Image.Image:
    """The photo as taken under strong warm light: orange/yellow all over."""
    pixels = np.asarray(photo.convert("RGB"), dtype=np.float32)
    cast = pixels * np.array([1.12, 1.0, 0.62], dtype=np.float32) + np.array([18, 8, 0])
    return Image.fromarray(np.clip(cast, 0, 255).astype(np.uint8))
