"""Colour variants of a real bouquet photo, and a shop photo taken under warm light.

Shops list one arrangement in several colours as separate products, each with its own photo;
a real variant photo is the same bouquet with other flowers. Here the flower pixels of a real
photo (saturated, near the flowers' main hue) are turned to another colour's hue, the leaves,
paper, people and background kept: the relevance benchmark on real photographs and the tests of
"exact" among colour variants both use it.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

# Hue (OpenCV: degrees / 2), saturation and value scale of each variant colour; pink is a light,
# less saturated red, so it changes strength as well as hue.
VARIANT_COLOURS: dict[str, tuple[int, float, float]] = {
    "red": (0, 1.0, 0.9),
    "orange": (12, 1.0, 1.0),
    "yellow": (26, 1.0, 1.1),
    "blue": (108, 0.9, 0.9),
    "purple": (140, 0.9, 0.85),
    "pink": (168, 0.55, 1.15),
}
GREEN = (33, 85)  # OpenCV hues of leaves and stems: never recoloured
BAND = 30  # hue distance from the flowers' main hue that is recoloured fully (fading over 10)


def colour_variant(photo: Image.Image, colour: str) -> Image.Image:
    """``photo`` with its flowers in ``colour`` (a key of :data:`VARIANT_COLOURS`)."""
    hsv = cv2.cvtColor(np.asarray(photo.convert("RGB")), cv2.COLOR_RGB2HSV).astype(np.float32)
    hue, sat, val = hsv[..., 0], hsv[..., 1] / 255, hsv[..., 2] / 255
    flowers = (sat > 0.25) & (val > 0.2) & ~((hue >= GREEN[0]) & (hue <= GREEN[1]))
    if flowers.sum() < 100:
        flowers = sat > 0.1
    counts = np.bincount(hue[flowers].astype(int), weights=sat[flowers], minlength=180)
    wrapped = np.convolve(np.r_[counts[-8:], counts, counts[:8]], np.ones(17), mode="same")
    dominant = int(np.argmax(wrapped[8:188]))
    distance = np.abs((hue - dominant + 90) % 180 - 90)
    weight = np.clip((BAND + 10 - distance) / 10, 0, 1) * np.clip((sat - 0.12) / 0.13, 0, 1)
    target, sat_scale, val_scale = VARIANT_COLOURS[colour]
    moved = hsv.copy()
    moved[..., 0] = (target + (hue - dominant)) % 180
    moved[..., 1] = np.clip(hsv[..., 1] * sat_scale, 0, 255)
    moved[..., 2] = np.clip(hsv[..., 2] * val_scale, 0, 255)
    mixed = hsv * (1 - weight[..., None]) + moved * weight[..., None]
    mixed[..., 0] = np.where(weight > 0.5, moved[..., 0], hsv[..., 0])  # hue does not blend
    rgb = cv2.cvtColor(np.clip(mixed, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB)
    return Image.fromarray(rgb)


def warm_cast(photo: Image.Image) -> Image.Image:
    """The photo as taken under strong warm light: orange/yellow all over."""
    pixels = np.asarray(photo.convert("RGB"), dtype=np.float32)
    cast = pixels * np.array([1.12, 1.0, 0.62], dtype=np.float32) + np.array([18, 8, 0])
    return Image.fromarray(np.clip(cast, 0, 255).astype(np.uint8))
