"""The colour variants the tests and ``benchmarks/real_photos.py`` list are what a shop lists:
the flowers in another colour a buyer would name differently, the room left as it is (issue 25:
the first real set's recolours turned a peach wall, a blue sky, or nothing at all)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from tests.support.recolour import (
    MOVED_SHARE,
    VARIANT_COLOURS,
    colour_variant,
    moved_share,
)


def pink_flowers_by_a_peach_wall() -> Image.Image:
    """Pale pink heads on a saturated peach wall: the wall is the photo's most saturated hue."""
    noise = np.random.default_rng(25).normal(0, 4, (400, 400, 3))
    wall = np.clip(np.array([235, 160, 110]) + noise, 0, 255).astype(np.uint8)
    image = Image.fromarray(wall)
    draw = ImageDraw.Draw(image)
    for k in range(6):
        x, y = 90 + 45 * k, 150 + 30 * (k % 3)
        draw.ellipse([x - 30, y - 30, x + 30, y + 30], fill=(240, 160, 195))
    return image


def test_with_the_flowers_colour_known_only_the_flowers_move():
    photo = pink_flowers_by_a_peach_wall()
    for colour in ("red", "yellow", "blue", "orange", "purple"):
        variant = np.asarray(colour_variant(photo, colour, "pink"), np.int16)
        wall = np.asarray(photo, np.int16)[:80]  # above the flowers
        assert np.abs(variant[:80] - wall).max() <= 4, colour  # HSV round trip only
        assert moved_share(photo, Image.fromarray(variant.astype(np.uint8))) >= MOVED_SHARE


def test_without_it_the_wall_was_taken_for_the_flowers():
    """What the benchmark's variants were before: the flowers kept, the wall recoloured."""
    photo = pink_flowers_by_a_peach_wall()
    variant = np.asarray(colour_variant(photo, "blue"), np.int16)
    assert np.abs(variant[:80] - np.asarray(photo, np.int16)[:80]).mean() > 20


def test_a_pink_bouquet_made_red_is_red_not_the_same_pink():
    """Pink flowers are pale: turning only their hue to red left them pink (the strength of
    each colour is set too)."""
    photo = pink_flowers_by_a_peach_wall()
    red = colour_variant(photo, "red", "pink")
    assert moved_share(photo, red) >= MOVED_SHARE
    r, g, b = np.asarray(red, np.float32)[150, 90]  # a flower's centre
    assert r > 1.6 * max(g, b)


def test_a_recolour_to_the_photographed_colour_is_not_another_colour():
    photo = pink_flowers_by_a_peach_wall()
    assert moved_share(photo, photo) == 0.0
    assert set(VARIANT_COLOURS) >= {"red", "pink", "orange", "yellow", "blue", "purple"}
