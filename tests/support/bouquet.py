"""A bouquet photographed as shops and customers do: the flowers a small part of the frame.

On real photographs the flowers cover 10-40 % of the colour cells; leaves, kraft paper, a
ribbon and a textured room fill the rest. That is what lets a recoloured variant agree with a
customer's photo cell for cell almost everywhere (issue 25), and what the generated catalog
bouquets (flowers filling the frame) do not show. Drawn with noise, so ORB finds keypoints on
every part, as it does on a real photo.
"""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = (640, 800)


def small_flowered_bouquet(
    seed: int = 25, flower: tuple[int, int, int] = (200, 30, 45), heads: int = 6, size: float = 30.0
) -> Image.Image:
    """A wrapped bouquet with a few ``flower``-coloured heads among many leaves, in a room."""
    rng = random.Random(seed)
    width, height = SIZE
    noise = np.random.default_rng(seed)
    # A pale sage wall and a grey-blue table, with texture (out of the flowers' hue, so a
    # recolour leaves them, as it leaves a real room).
    wall = np.linspace(205, 175, height)[:, None, None] * np.array([0.93, 1.0, 0.9])
    room = np.broadcast_to(wall, (height, width, 3)).copy()
    room[int(height * 0.78) :] = np.array([100, 110, 125])
    room += noise.normal(0, 9, room.shape)
    image = Image.fromarray(np.clip(room, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 37):  # the table's planks
        draw.line([(x, int(height * 0.78)), (x + 20, height)], fill=(80, 88, 100), width=3)
    # Grey-teal paper: a cone with folds.
    centre = width // 2
    draw.polygon(
        [(centre - 230, 300), (centre + 230, 300), (centre + 40, 760), (centre - 40, 760)],
        fill=(118, 150, 146),
    )
    for k in range(9):
        x = centre - 200 + 50 * k
        draw.line([(x, 300), (centre - 30 + 8 * k, 760)], fill=(95, 122, 118), width=4)
    draw.rectangle([centre - 70, 560, centre + 70, 590], fill=(235, 232, 225))  # a white ribbon
    # Leaves: many green ellipses of several greens, around and between the flowers.
    for _ in range(70):
        x, y = rng.uniform(centre - 230, centre + 230), rng.uniform(90, 380)
        angle = rng.uniform(0, math.pi)
        length, breadth = rng.uniform(40, 75), rng.uniform(14, 24)
        dx, dy = math.cos(angle) * length, math.sin(angle) * length
        green = (rng.randint(40, 80), rng.randint(100, 150), rng.randint(35, 70))
        draw.polygon(
            [
                (x - dx, y - dy),
                (x - dy * breadth / length, y + dx * breadth / length),
                (x + dx, y + dy),
                (x + dy * breadth / length, y - dx * breadth / length),
            ],
            fill=green,
            outline=(30, 70, 30),
        )
    # Eucalyptus and gypsophila: grey-green and white dots.
    for _ in range(160):
        x, y = rng.uniform(centre - 240, centre + 240), rng.uniform(80, 400)
        r = rng.uniform(3, 7)
        fill = (235, 235, 228) if rng.random() < 0.5 else (140, 165, 150)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=fill)
    # The flowers: a few heads with petals among the leaves, a small part of the frame.
    for _ in range(heads):
        x, y = rng.uniform(centre - 160, centre + 160), rng.uniform(140, 330)
        radius = rng.uniform(0.85, 1.15) * size
        for k in range(8):
            a = 2 * math.pi * k / 8 + rng.uniform(0, 0.4)
            px, py = x + math.cos(a) * radius * 0.55, y + math.sin(a) * radius * 0.55
            tone = rng.uniform(0.8, 1.05)
            petal = tuple(min(255, int(c * tone)) for c in flower)
            draw.ellipse(
                [px - radius * 0.5, py - radius * 0.5, px + radius * 0.5, py + radius * 0.5],
                fill=petal,  # type: ignore[arg-type]
                outline=tuple(int(c * 0.6) for c in flower),  # type: ignore[arg-type]
            )
        core = tuple(int(c * 0.7) for c in flower)
        draw.ellipse([x - 12, y - 12, x + 12, y + 12], fill=core)  # type: ignore[arg-type]
    pixels = np.asarray(image.filter(ImageFilter.GaussianBlur(0.8)), np.float32)
    pixels += noise.normal(0, 4, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
