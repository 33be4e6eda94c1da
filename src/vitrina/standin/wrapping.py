"""Greenery and wrapping for the drawn bouquet photos: stems, leaves, kraft and paper, film,
hat boxes, baskets and bows — what a shop's bouquets are sold in, so photos differ by it."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from PIL import Image, ImageDraw

from vitrina.standin.flowers import RGB, Point, circle, petal, shade

GREENS: tuple[RGB, ...] = ((46, 110, 52), (70, 132, 60), (96, 150, 90), (120, 160, 130))


# --- greenery and wrapping -------------------------------------------------------------------


def stems(
    draw: ImageDraw.ImageDraw, rng: random.Random, points: Sequence[Point], tie: Point, s: int
) -> None:
    width = max(2, int(s * 0.006))
    for x, y in points[:: max(1, len(points) // 14)]:
        green = rng.choice(GREENS)
        end = (tie[0] + (tie[0] - x) * 0.25 + rng.uniform(-0.02, 0.02) * s, 0.99 * s)
        draw.line((x, y, tie[0], tie[1], *end), fill=green, width=width, joint="curve")


def leaves(
    draw: ImageDraw.ImageDraw, rng: random.Random, centre: Point, radius: float, count: int, s: int
) -> None:
    for _ in range(count):
        a = rng.uniform(math.pi * 0.9, math.pi * 2.1)
        start = radius * rng.uniform(0.55, 0.9)
        draw.polygon(
            petal(centre[0], centre[1], a, start, radius * 0.45, radius * 0.16),
            fill=rng.choice(GREENS),
            outline=(30, 80, 36),
        )


def paper_back(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    centre: Point,
    radius: float,
    tie: Point,
    colour: RGB,
) -> None:
    """The sheet behind the flowers, its top cut in uneven peaks like crumpled paper."""
    cx, cy = centre
    pts: list[Point] = [(tie[0] - radius * 0.15, tie[1])]
    steps = 9
    for i in range(steps + 1):
        a = math.pi * (1.05 + 0.9 * i / steps)
        reach = radius * (1.42 if i % 2 else 1.18) * rng.uniform(0.95, 1.05)
        pts.append((cx + reach * math.cos(a), cy + reach * math.sin(a) * 1.05 + radius * 0.1))
    pts.append((tie[0] + radius * 0.15, tie[1]))
    draw.polygon(pts, fill=shade(colour, 0.85), outline=shade(colour, 0.65))


def paper_front(
    draw: ImageDraw.ImageDraw, centre: Point, radius: float, tie: Point, colour: RGB
) -> None:
    """Two overlapping front sheets meeting at the tie, and the paper's tail below it."""
    cx, cy = centre
    for side, tone in ((-1, 0.95), (1, 1.0)):
        pts = [
            (cx + side * radius * 1.25, cy + radius * 0.25),
            (cx - side * radius * 0.15, cy + radius * 0.85),
            (tie[0] - side * radius * 0.05, tie[1]),
            (tie[0] + side * radius * 0.22, tie[1]),
        ]
        draw.polygon(pts, fill=shade(colour, tone), outline=shade(colour, 0.7))
        draw.line(
            (pts[0], (tie[0] + side * radius * 0.1, tie[1])),
            fill=shade(colour, 0.78),
            width=max(1, int(radius * 0.012)),
        )
    bottom = tie[1] + radius * 0.5
    draw.polygon(
        [
            (tie[0] - radius * 0.18, tie[1]),
            (tie[0] + radius * 0.18, tie[1]),
            (tie[0] + radius * 0.3, bottom),
            (tie[0] - radius * 0.3, bottom),
        ],
        fill=shade(colour, 0.9),
        outline=shade(colour, 0.7),
    )


def film(layer: Image.Image, centre: Point, radius: float, tie: Point, colour: RGB) -> Image.Image:
    """A see-through film cone: blended on its own layer (ImageDraw would overwrite alpha)."""
    cx, cy = centre
    film = Image.new("RGBA", layer.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(film)
    pts = [
        (cx - radius * 1.35, cy - radius * 0.4),
        (cx - radius * 0.2, cy + radius * 0.95),
        (tie[0] - radius * 0.1, tie[1]),
        (tie[0] + radius * 0.1, tie[1]),
        (cx + radius * 0.2, cy + radius * 0.95),
        (cx + radius * 1.35, cy - radius * 0.4),
        (cx + radius * 1.15, cy + radius * 0.35),
        (cx - radius * 1.15, cy + radius * 0.35),
    ]
    draw.polygon(pts, fill=(*colour, 70), outline=(*shade(colour, 0.8), 160))
    return Image.alpha_composite(layer, film)


def box(centre: Point, rx: float, ry: float) -> tuple[float, float, float, float]:
    return (centre[0] - rx, centre[1] - ry, centre[0] + rx, centre[1] + ry)


def hat_box(draw: ImageDraw.ImageDraw, centre: Point, radius: float, colour: RGB, s: int) -> None:
    """A round hat box; its front wall hides the lower flowers as a real one does."""
    cx, cy = centre
    top, bottom = cy + 0.15 * radius, min(cy + 1.5 * radius, 0.97 * s)
    rx, ry = 1.05 * radius, 0.3 * radius
    draw.ellipse(box((cx, bottom), rx, ry), fill=shade(colour, 0.8))
    draw.rectangle((cx - rx, top, cx + rx, bottom), fill=colour)
    draw.chord(
        box((cx, top), rx, ry), 0, 180, fill=shade(colour, 1.08), outline=shade(colour, 0.75)
    )
    band = (top + bottom) / 2
    draw.rectangle((cx - rx, band - 0.03 * s, cx + rx, band), fill=shade(colour, 0.7))


def basket_handle(draw: ImageDraw.ImageDraw, centre: Point, radius: float, colour: RGB) -> None:
    cx, cy = centre
    draw.arc(
        box((cx, cy + 0.2 * radius), 1.0 * radius, 1.45 * radius),
        180,
        360,
        fill=shade(colour, 0.8),
        width=max(3, int(radius * 0.08)),
    )


def basket(draw: ImageDraw.ImageDraw, centre: Point, radius: float, colour: RGB, s: int) -> None:
    cx, cy = centre
    top, bottom = cy + 0.2 * radius, min(cy + 1.25 * radius, 0.97 * s)
    pts = [
        (cx - 1.15 * radius, top),
        (cx + 1.15 * radius, top),
        (cx + 0.85 * radius, bottom),
        (cx - 0.85 * radius, bottom),
    ]
    draw.polygon(pts, fill=colour, outline=shade(colour, 0.6))
    step = radius * 0.12
    y = top + step / 2
    row = 0
    while y < bottom:  # the weave: alternating short strokes row by row
        half = 1.15 * radius - (y - top) / (bottom - top) * 0.3 * radius
        x = cx - half + (step if row % 2 else 0)
        while x < cx + half - step:
            draw.line(
                (x, y, x + step * 0.8, y), fill=shade(colour, 0.7), width=max(1, int(step * 0.25))
            )
            x += step * 2
        y += step * 0.5
        row += 1


def bow(draw: ImageDraw.ImageDraw, knot: Point, size: float, colour: RGB) -> None:
    x, y = knot
    dark = shade(colour, 0.75)
    draw.polygon(
        [(x, y), (x - size * 1.6, y - size), (x - size * 1.6, y + size)], fill=colour, outline=dark
    )
    draw.polygon(
        [(x, y), (x + size * 1.6, y - size), (x + size * 1.6, y + size)], fill=colour, outline=dark
    )
    draw.polygon(
        [(x - size * 0.2, y), (x - size * 1.1, y + size * 3), (x - size * 0.6, y + size * 3)],
        fill=dark,
    )
    draw.polygon(
        [(x + size * 0.2, y), (x + size * 1.0, y + size * 3), (x + size * 0.5, y + size * 3)],
        fill=dark,
    )
    circle(draw, x, y, size * 0.35, dark)
