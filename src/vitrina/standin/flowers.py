"""Flower heads for the drawn bouquet photos (:mod:`vitrina.standin.photos`), and the colour and
petal primitives the wrapping is drawn with too.

Each kind is drawn so a photo-search model tells it apart by what it notices in real flowers:
petal shape and count, head size, how the centre looks.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Literal

from PIL import ImageDraw

RGB = tuple[int, int, int]
Point = tuple[float, float]

FlowerKind = Literal["rose", "tulip", "peony", "eustoma", "chrysanthemum", "hydrangea", "chamomile"]


# --- colour ----------------------------------------------------------------------------------


def shade(c: RGB, f: float) -> RGB:
    """``c`` darker (``f`` < 1) or lighter, each channel capped at 255."""
    return (min(255, int(c[0] * f)), min(255, int(c[1] * f)), min(255, int(c[2] * f)))


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """The colour ``t`` of the way from ``a`` to ``b``."""
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


def jitter(rng: random.Random, c: RGB, amount: float) -> RGB:
    """``c`` a little lighter or darker, as no two flowers of one colour are the same."""
    f = 1 + rng.uniform(-amount, amount)
    return shade(c, f)


# --- flowers ---------------------------------------------------------------------------------


def petal(
    cx: float, cy: float, angle: float, start: float, length: float, width: float, n: int = 14
) -> list[Point]:
    """An ellipse-shaped petal pointing along ``angle``, beginning ``start`` from the centre."""
    a, b = length / 2, width / 2
    mx, my = cx + math.cos(angle) * (start + a), cy + math.sin(angle) * (start + a)
    ca, sa = math.cos(angle), math.sin(angle)
    pts = []
    for i in range(n):
        t = 2 * math.pi * i / n
        px, py = a * math.cos(t), b * math.sin(t)
        pts.append((mx + px * ca - py * sa, my + px * sa + py * ca))
    return pts


def circle(
    draw: ImageDraw.ImageDraw, x: float, y: float, r: float, fill: RGB, outline: RGB | None = None
) -> None:
    draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=outline)


def _rose(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    circle(draw, x, y, r, shade(c, 0.7))
    spin = rng.uniform(0, math.tau)
    for ring, (count, reach) in enumerate(((6, 0.55), (5, 0.42), (4, 0.3), (3, 0.18))):
        tone = shade(c, 0.82 + ring * 0.08)
        for i in range(count):
            angle = spin + ring * 0.6 + math.tau * i / count
            draw.polygon(
                petal(x, y, angle, r * reach * 0.15, r * reach * 1.7, r * reach * 1.4),
                fill=tone,
                outline=shade(c, 0.6),
            )
    circle(draw, x, y, r * 0.1, shade(c, 0.55))


def _peony(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    circle(draw, x, y, r, shade(c, 0.8))
    for ring, (count, reach) in enumerate(((11, 0.62), (9, 0.5), (8, 0.36), (6, 0.22))):
        tone = mix(c, (255, 255, 255), 0.05 + ring * 0.09)
        for i in range(count):
            angle = rng.uniform(0, math.tau) if ring == 3 else math.tau * i / count + ring
            draw.polygon(
                petal(x, y, angle, r * reach * 0.2, r * reach * 1.5, r * reach * 1.3),
                fill=tone,
                outline=shade(c, 0.78),
            )
    if rng.random() < 0.3:
        circle(draw, x, y, r * 0.12, (236, 200, 80))


def _tulip(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    tilt = rng.uniform(-0.3, 0.3) - math.pi / 2
    draw.polygon(petal(x, y + r * 0.5, tilt - 0.35, 0, r * 1.5, r * 0.8), fill=shade(c, 0.75))
    draw.polygon(petal(x, y + r * 0.5, tilt + 0.35, 0, r * 1.5, r * 0.8), fill=shade(c, 0.75))
    draw.polygon(petal(x, y + r * 0.55, tilt, 0, r * 1.6, r * 1.0), fill=c, outline=shade(c, 0.6))
    draw.line((x, y - r * 0.4, x, y + r * 0.6), fill=shade(c, 0.85), width=max(1, int(r * 0.08)))


def _eustoma(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    edge = c
    inner = mix(c, (255, 255, 255), 0.55) if rng.random() < 0.5 else c
    spin = rng.uniform(0, math.tau)
    for i in range(5):
        angle = spin + math.tau * i / 5
        draw.polygon(petal(x, y, angle, 0, r * 1.0, r * 0.85), fill=edge, outline=shade(c, 0.7))
    for i in range(5):
        angle = spin + 0.6 + math.tau * i / 5
        draw.polygon(petal(x, y, angle, 0, r * 0.6, r * 0.5), fill=inner)
    circle(draw, x, y, r * 0.12, (120, 150, 60))


def _chrysanthemum(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    spin = rng.uniform(0, math.tau)
    for ring, (count, reach) in enumerate(((24, 1.0), (18, 0.75), (12, 0.5))):
        tone = shade(c, 0.85 + ring * 0.07)
        for i in range(count):
            angle = spin + ring * 0.13 + math.tau * i / count
            draw.polygon(
                petal(x, y, angle, r * 0.1, r * reach * 0.9, r * 0.16, n=8),
                fill=tone,
                outline=shade(c, 0.7),
            )
    circle(draw, x, y, r * 0.18, mix(c, (150, 170, 60), 0.5))


def _hydrangea(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    circle(draw, x, y, r * 0.95, shade(c, 0.7))
    for _ in range(34):
        d, a = r * 0.85 * math.sqrt(rng.random()), rng.uniform(0, math.tau)
        fx, fy = x + d * math.cos(a), y + d * math.sin(a)
        tone = jitter(rng, c, 0.1)
        spin = rng.uniform(0, math.tau)
        for i in range(4):
            draw.polygon(
                petal(fx, fy, spin + math.tau * i / 4, 0, r * 0.2, r * 0.16, n=8),
                fill=tone,
                outline=shade(tone, 0.8),
            )
        circle(draw, fx, fy, r * 0.025, shade(tone, 0.6))


def _chamomile(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    spin = rng.uniform(0, math.tau)
    for i in range(16):
        draw.polygon(
            petal(x, y, spin + math.tau * i / 16, r * 0.2, r * 0.8, r * 0.22, n=8),
            fill=c,
            outline=(200, 200, 196),
        )
    circle(draw, x, y, r * 0.3, (236, 180, 30), outline=(200, 140, 20))


FLOWER_HEADS: dict[
    FlowerKind, Callable[[ImageDraw.ImageDraw, random.Random, float, float, float, RGB], None]
] = {
    "rose": _rose,
    "peony": _peony,
    "tulip": _tulip,
    "eustoma": _eustoma,
    "chrysanthemum": _chrysanthemum,
    "hydrangea": _hydrangea,
    "chamomile": _chamomile,
}


def gypsophila(
    draw: ImageDraw.ImageDraw, rng: random.Random, centre: Point, radius: float, s: int
) -> None:
    for _ in range(40):
        d, a = radius * 1.05 * math.sqrt(rng.random()), rng.uniform(0, math.tau)
        gx, gy = centre[0] + d * math.cos(a), centre[1] + d * math.sin(a) * 0.9
        for _ in range(6):
            circle(
                draw,
                gx + rng.gauss(0, s * 0.01),
                gy + rng.gauss(0, s * 0.01),
                s * 0.004,
                (250, 250, 248),
            )
