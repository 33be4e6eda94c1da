"""Bouquet photos drawn with Pillow, so visual search has something real to find offline.

A :class:`Bouquet` is the recipe (flowers and their colours, layout, wrapping, background); a
photo is the recipe seen through a *variant* — camera angle, zoom, mirror, light. Every photo of
one product shares the recipe, so they look like the same bouquet shot again; different products
differ in what a photo-search model notices (palette, flower shapes, wrapping). Photos are pure
functions of ``(bouquet, variant, size)``: rendered on first request and kept in an LRU cache, so
seeding thousands of products costs nothing until someone looks.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

RGB = tuple[int, int, int]
Point = tuple[float, float]

FlowerKind = Literal["rose", "tulip", "peony", "eustoma", "chrysanthemum", "hydrangea", "chamomile"]
Layout = Literal["dome", "oval", "fan", "cascade"]
Wrap = Literal["kraft", "paper", "film", "none", "box", "basket"]

FLOWER_COLOURS: dict[str, RGB] = {
    "red": (196, 18, 42),
    "burgundy": (120, 14, 38),
    "pink": (236, 120, 160),
    "pale_pink": (246, 196, 206),
    "white": (246, 244, 238),
    "cream": (244, 228, 190),
    "yellow": (248, 206, 40),
    "orange": (242, 124, 34),
    "peach": (248, 170, 130),
    "purple": (120, 50, 150),
    "lilac": (190, 150, 220),
    "blue": (90, 130, 210),
}

# Which colours each flower really comes in, so titles and pictures stay believable.
KIND_COLOURS: dict[FlowerKind, tuple[str, ...]] = {
    "rose": ("red", "burgundy", "pink", "pale_pink", "white", "cream", "yellow", "orange", "peach"),
    "tulip": ("red", "pink", "yellow", "white", "purple", "orange", "pale_pink"),
    "peony": ("pink", "pale_pink", "white", "burgundy", "cream"),
    "eustoma": ("purple", "white", "pink", "lilac", "cream"),
    "chrysanthemum": ("white", "yellow", "lilac", "orange", "cream"),
    "hydrangea": ("blue", "pink", "white", "lilac"),
    "chamomile": ("white",),
}

# Relative head size: a hydrangea head is much bigger than a chamomile.
KIND_SIZE: dict[FlowerKind, float] = {
    "rose": 1.0,
    "tulip": 0.9,
    "peony": 1.3,
    "eustoma": 1.0,
    "chrysanthemum": 0.95,
    "hydrangea": 1.45,
    "chamomile": 0.8,
}

BACKGROUNDS: tuple[tuple[RGB, RGB], ...] = (
    ((246, 246, 243), (224, 224, 218)),  # white studio
    ((242, 230, 212), (212, 196, 174)),  # beige wall
    ((204, 204, 210), (158, 158, 168)),  # grey
    ((250, 226, 232), (228, 196, 208)),  # pink
    ((208, 222, 206), (172, 192, 176)),  # sage
    ((64, 62, 68), (32, 32, 38)),  # dark
    ((216, 228, 242), (182, 198, 222)),  # light blue
)

WRAP_COLOURS: dict[Wrap, tuple[RGB, ...]] = {
    "kraft": ((196, 160, 115), (176, 138, 96)),
    "paper": (
        (240, 188, 200),
        (38, 38, 42),
        (246, 246, 246),
        (198, 178, 226),
        (178, 226, 208),
        (40, 56, 96),
        (240, 230, 204),
    ),
    "film": ((232, 244, 250),),
    "none": ((60, 130, 60),),
    "box": ((30, 30, 32), (238, 170, 186), (244, 244, 244), (180, 20, 40), (226, 208, 180)),
    "basket": ((168, 122, 72), (140, 98, 58)),
}

RIBBON_COLOURS: tuple[RGB, ...] = (
    (250, 250, 250),
    (200, 20, 40),
    (236, 140, 170),
    (212, 176, 80),
    (20, 20, 20),
    (120, 60, 160),
)

_GREENS: tuple[RGB, ...] = ((46, 110, 52), (70, 132, 60), (96, 150, 90), (120, 160, 130))


@dataclass(frozen=True, slots=True)
class FlowerGroup:
    """``count`` flowers of one kind and colour."""

    kind: FlowerKind
    colour: str
    count: int


@dataclass(frozen=True, slots=True)
class Bouquet:
    """The recipe of one bouquet; hashable so rendered photos can be cached by it."""

    seed: int
    groups: tuple[FlowerGroup, ...]
    layout: Layout
    wrap: Wrap
    wrap_colour: RGB
    ribbon: RGB | None
    background: tuple[RGB, RGB]
    leaves: int
    filler: bool

    @property
    def count(self) -> int:
        """How many flowers the bouquet has (what the title promises)."""
        return sum(group.count for group in self.groups)


def random_bouquet(rng: random.Random) -> Bouquet:
    """A plausible bouquet: mostly mono-flower, sometimes a mix, in a wrap that fits."""
    kinds = list(KIND_COLOURS)
    main: FlowerKind = rng.choice(kinds)
    wraps: tuple[Wrap, ...] = ("kraft", "paper", "film", "none", "box", "basket")
    wrap = rng.choices(wraps, weights=[28, 30, 10, 8, 16, 8])[0]
    if main == "hydrangea":
        count = rng.randint(1, 7)
    elif main == "peony":
        count = rng.choice([3, 5, 7, 9, 11, 15, 19, 25])
    else:
        count = rng.choice([5, 7, 9, 11, 15, 17, 19, 25, 25, 35, 51, 101])
    groups = [FlowerGroup(main, rng.choice(KIND_COLOURS[main]), count)]
    if rng.random() < 0.35:  # a mixed ("сборный") bouquet
        for _ in range(rng.randint(1, 2)):
            kind: FlowerKind = rng.choice(kinds)
            groups.append(FlowerGroup(kind, rng.choice(KIND_COLOURS[kind]), rng.randint(2, 9)))
    layouts: tuple[Layout, ...] = ("dome", "oval", "fan", "cascade")
    # Flowers in a box or basket only show their upper half.
    layout: Layout = (
        "fan" if wrap in ("box", "basket") else rng.choices(layouts, weights=[50, 25, 15, 10])[0]
    )
    return Bouquet(
        seed=rng.getrandbits(32),
        groups=tuple(groups),
        layout=layout,
        wrap=wrap,
        wrap_colour=rng.choice(WRAP_COLOURS[wrap]),
        ribbon=rng.choice(RIBBON_COLOURS) if wrap not in ("box",) and rng.random() < 0.8 else None,
        background=rng.choice(BACKGROUNDS),
        leaves=rng.randint(0, 18),
        filler=rng.random() < 0.3,
    )


@lru_cache(maxsize=1024)
def render_jpeg(bouquet: Bouquet, variant: int = 0, size: int = 640, quality: int = 86) -> bytes:
    """The photo as JPEG bytes, cached: the same URL is served many times (listing, indexing)."""
    buffer = io.BytesIO()
    render(bouquet, variant, size).save(buffer, "JPEG", quality=quality, optimize=False)
    return buffer.getvalue()


def render(bouquet: Bouquet, variant: int = 0, size: int = 640) -> Image.Image:
    """Draw ``bouquet`` as seen in photo number ``variant`` (0 is the straight-on shot)."""
    # Drawn at twice the size and scaled down: ImageDraw does not antialias.
    big = size * 2
    layer = _draw_bouquet(bouquet, big)
    camera = random.Random(bouquet.seed * 7919 + variant)
    if variant:
        if camera.random() < 0.5:
            layer = layer.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        angle = math.radians(camera.uniform(-14, 14))
        scale = camera.uniform(0.82, 1.1)
        shift = (camera.uniform(-0.06, 0.06) * big, camera.uniform(-0.05, 0.05) * big)
        layer = _affine(layer, angle, scale, shift)
    layer = layer.resize((size, size), Image.Resampling.LANCZOS)
    photo = _background(bouquet.background, size, camera, variant)
    photo.alpha_composite(layer)
    return _light(photo.convert("RGB"), camera, variant)


# --- composition -----------------------------------------------------------------------------


def _draw_bouquet(bouquet: Bouquet, s: int) -> Image.Image:
    """The bouquet alone on a transparent layer, in the canonical pose."""
    rng = random.Random(bouquet.seed)
    layer = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    heads = min(bouquet.count, 60)
    radius = (0.2 + 0.1 * min(1.0, heads / 40)) * s
    cx, cy = 0.5 * s, (0.5 if bouquet.wrap in ("box", "basket") else 0.4) * s
    tie = (cx, cy + radius + 0.16 * s)
    positions = _scatter(rng, heads, bouquet.layout)
    points = [(cx + x * radius, cy + y * radius) for x, y in positions]
    kinds = _assign(rng, bouquet.groups, heads)
    flower_r = radius * min(0.62, math.sqrt(0.9 / heads) * 1.05)

    if bouquet.wrap in ("kraft", "paper"):
        _paper_back(draw, rng, (cx, cy), radius, tie, bouquet.wrap_colour)
    if bouquet.wrap == "basket":
        _basket_handle(draw, (cx, cy), radius, bouquet.wrap_colour)
    if bouquet.wrap == "box":
        draw.ellipse(
            _box((cx, cy + 0.15 * radius), 1.05 * radius, 0.3 * radius),
            fill=_shade(bouquet.wrap_colour, 0.55),
        )
    if bouquet.wrap not in ("box", "basket"):
        _stems(draw, rng, points, tie, s)
    _leaves(draw, rng, (cx, cy), radius, bouquet.leaves, s)

    # Lower heads drawn last: they are nearer the camera and overlap the ones behind.
    for (x, y), group in sorted(zip(points, kinds, strict=True), key=lambda item: item[0][1]):
        r = flower_r * KIND_SIZE[group.kind] * rng.uniform(0.9, 1.1)
        colour = _jitter(rng, FLOWER_COLOURS[group.colour], 0.06)
        _FLOWERS[group.kind](draw, rng, x, y, r, colour)
    if bouquet.filler:
        _gypsophila(draw, rng, (cx, cy), radius, s)

    if bouquet.wrap in ("kraft", "paper"):
        _paper_front(draw, (cx, cy), radius, tie, bouquet.wrap_colour)
    elif bouquet.wrap == "film":
        layer = _film(layer, (cx, cy), radius, tie, bouquet.wrap_colour)
        draw = ImageDraw.Draw(layer)
    elif bouquet.wrap == "box":
        _hat_box(draw, (cx, cy), radius, bouquet.wrap_colour, s)
    elif bouquet.wrap == "basket":
        _basket(draw, (cx, cy), radius, bouquet.wrap_colour, s)
    if bouquet.ribbon is not None and bouquet.wrap != "box":
        knot = tie if bouquet.wrap != "basket" else (cx + 0.8 * radius, cy + 0.45 * radius)
        _bow(draw, knot, 0.05 * s, bouquet.ribbon)
    return layer


def _scatter(rng: random.Random, n: int, layout: Layout) -> list[Point]:
    """``n`` evenly spread points inside the layout's shape (Mitchell's best candidate)."""
    inside: Callable[[float, float], bool] = {
        "dome": lambda x, y: x * x + y * y <= 1,
        "oval": lambda x, y: (x / 1.2) ** 2 + (y / 0.85) ** 2 <= 1,
        "fan": lambda x, y: x * x + y * y <= 1 and y <= 0.3,
        "cascade": lambda x, y: x * x + y * y <= 1 or (0 <= y <= 1.7 and abs(x) <= 0.6 - y / 3),
    }[layout]
    points: list[Point] = []
    if n == 1:  # a single head (one big hydrangea) sits in the middle, not somewhere random
        return [(0.0, -0.1)]
    while len(points) < n:
        best: Point | None = None
        best_d = -1.0
        for _ in range(12):
            x, y = rng.uniform(-1.2, 1.2), rng.uniform(-1, 1.7)
            if not inside(x, y):
                continue
            d = min(((x - px) ** 2 + (y - py) ** 2 for px, py in points), default=9.0)
            if d > best_d:
                best, best_d = (x, y), d
        if best is not None:
            points.append((best[0] * 0.85, best[1] * 0.85))
    return points


def _assign(rng: random.Random, groups: Sequence[FlowerGroup], heads: int) -> list[FlowerGroup]:
    """Which group each drawn head belongs to, in proportion to the groups' counts."""
    total = sum(group.count for group in groups)
    out: list[FlowerGroup] = []
    for group in groups:
        out.extend([group] * max(1, round(heads * group.count / total)))
    rng.shuffle(out)
    out = out[:heads]
    while len(out) < heads:
        out.append(groups[0])
    return out


# --- flowers ---------------------------------------------------------------------------------


def _petal(
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


def _circle(
    draw: ImageDraw.ImageDraw, x: float, y: float, r: float, fill: RGB, outline: RGB | None = None
) -> None:
    draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=outline)


def _rose(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    _circle(draw, x, y, r, _shade(c, 0.7))
    spin = rng.uniform(0, math.tau)
    for ring, (count, reach) in enumerate(((6, 0.55), (5, 0.42), (4, 0.3), (3, 0.18))):
        tone = _shade(c, 0.82 + ring * 0.08)
        for i in range(count):
            angle = spin + ring * 0.6 + math.tau * i / count
            draw.polygon(
                _petal(x, y, angle, r * reach * 0.15, r * reach * 1.7, r * reach * 1.4),
                fill=tone,
                outline=_shade(c, 0.6),
            )
    _circle(draw, x, y, r * 0.1, _shade(c, 0.55))


def _peony(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    _circle(draw, x, y, r, _shade(c, 0.8))
    for ring, (count, reach) in enumerate(((11, 0.62), (9, 0.5), (8, 0.36), (6, 0.22))):
        tone = _mix(c, (255, 255, 255), 0.05 + ring * 0.09)
        for i in range(count):
            angle = rng.uniform(0, math.tau) if ring == 3 else math.tau * i / count + ring
            draw.polygon(
                _petal(x, y, angle, r * reach * 0.2, r * reach * 1.5, r * reach * 1.3),
                fill=tone,
                outline=_shade(c, 0.78),
            )
    if rng.random() < 0.3:
        _circle(draw, x, y, r * 0.12, (236, 200, 80))


def _tulip(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    tilt = rng.uniform(-0.3, 0.3) - math.pi / 2
    draw.polygon(_petal(x, y + r * 0.5, tilt - 0.35, 0, r * 1.5, r * 0.8), fill=_shade(c, 0.75))
    draw.polygon(_petal(x, y + r * 0.5, tilt + 0.35, 0, r * 1.5, r * 0.8), fill=_shade(c, 0.75))
    draw.polygon(_petal(x, y + r * 0.55, tilt, 0, r * 1.6, r * 1.0), fill=c, outline=_shade(c, 0.6))
    draw.line((x, y - r * 0.4, x, y + r * 0.6), fill=_shade(c, 0.85), width=max(1, int(r * 0.08)))


def _eustoma(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    edge = c
    inner = _mix(c, (255, 255, 255), 0.55) if rng.random() < 0.5 else c
    spin = rng.uniform(0, math.tau)
    for i in range(5):
        angle = spin + math.tau * i / 5
        draw.polygon(_petal(x, y, angle, 0, r * 1.0, r * 0.85), fill=edge, outline=_shade(c, 0.7))
    for i in range(5):
        angle = spin + 0.6 + math.tau * i / 5
        draw.polygon(_petal(x, y, angle, 0, r * 0.6, r * 0.5), fill=inner)
    _circle(draw, x, y, r * 0.12, (120, 150, 60))


def _chrysanthemum(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    spin = rng.uniform(0, math.tau)
    for ring, (count, reach) in enumerate(((24, 1.0), (18, 0.75), (12, 0.5))):
        tone = _shade(c, 0.85 + ring * 0.07)
        for i in range(count):
            angle = spin + ring * 0.13 + math.tau * i / count
            draw.polygon(
                _petal(x, y, angle, r * 0.1, r * reach * 0.9, r * 0.16, n=8),
                fill=tone,
                outline=_shade(c, 0.7),
            )
    _circle(draw, x, y, r * 0.18, _mix(c, (150, 170, 60), 0.5))


def _hydrangea(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    _circle(draw, x, y, r * 0.95, _shade(c, 0.7))
    for _ in range(34):
        d, a = r * 0.85 * math.sqrt(rng.random()), rng.uniform(0, math.tau)
        fx, fy = x + d * math.cos(a), y + d * math.sin(a)
        tone = _jitter(rng, c, 0.1)
        spin = rng.uniform(0, math.tau)
        for i in range(4):
            draw.polygon(
                _petal(fx, fy, spin + math.tau * i / 4, 0, r * 0.2, r * 0.16, n=8),
                fill=tone,
                outline=_shade(tone, 0.8),
            )
        _circle(draw, fx, fy, r * 0.025, _shade(tone, 0.6))


def _chamomile(
    draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, r: float, c: RGB
) -> None:
    spin = rng.uniform(0, math.tau)
    for i in range(16):
        draw.polygon(
            _petal(x, y, spin + math.tau * i / 16, r * 0.2, r * 0.8, r * 0.22, n=8),
            fill=c,
            outline=(200, 200, 196),
        )
    _circle(draw, x, y, r * 0.3, (236, 180, 30), outline=(200, 140, 20))


_FLOWERS: dict[
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


def _gypsophila(
    draw: ImageDraw.ImageDraw, rng: random.Random, centre: Point, radius: float, s: int
) -> None:
    for _ in range(40):
        d, a = radius * 1.05 * math.sqrt(rng.random()), rng.uniform(0, math.tau)
        gx, gy = centre[0] + d * math.cos(a), centre[1] + d * math.sin(a) * 0.9
        for _ in range(6):
            _circle(
                draw,
                gx + rng.gauss(0, s * 0.01),
                gy + rng.gauss(0, s * 0.01),
                s * 0.004,
                (250, 250, 248),
            )


# --- greenery and wrapping -------------------------------------------------------------------


def _stems(
    draw: ImageDraw.ImageDraw, rng: random.Random, points: Sequence[Point], tie: Point, s: int
) -> None:
    width = max(2, int(s * 0.006))
    for x, y in points[:: max(1, len(points) // 14)]:
        green = rng.choice(_GREENS)
        end = (tie[0] + (tie[0] - x) * 0.25 + rng.uniform(-0.02, 0.02) * s, 0.99 * s)
        draw.line((x, y, tie[0], tie[1], *end), fill=green, width=width, joint="curve")


def _leaves(
    draw: ImageDraw.ImageDraw, rng: random.Random, centre: Point, radius: float, count: int, s: int
) -> None:
    for _ in range(count):
        a = rng.uniform(math.pi * 0.9, math.pi * 2.1)
        start = radius * rng.uniform(0.55, 0.9)
        draw.polygon(
            _petal(centre[0], centre[1], a, start, radius * 0.45, radius * 0.16),
            fill=rng.choice(_GREENS),
            outline=(30, 80, 36),
        )


def _paper_back(
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
    draw.polygon(pts, fill=_shade(colour, 0.85), outline=_shade(colour, 0.65))


def _paper_front(
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
        draw.polygon(pts, fill=_shade(colour, tone), outline=_shade(colour, 0.7))
        draw.line(
            (pts[0], (tie[0] + side * radius * 0.1, tie[1])),
            fill=_shade(colour, 0.78),
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
        fill=_shade(colour, 0.9),
        outline=_shade(colour, 0.7),
    )


def _film(layer: Image.Image, centre: Point, radius: float, tie: Point, colour: RGB) -> Image.Image:
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
    draw.polygon(pts, fill=(*colour, 70), outline=(*_shade(colour, 0.8), 160))
    return Image.alpha_composite(layer, film)


def _box(centre: Point, rx: float, ry: float) -> tuple[float, float, float, float]:
    return (centre[0] - rx, centre[1] - ry, centre[0] + rx, centre[1] + ry)


def _hat_box(draw: ImageDraw.ImageDraw, centre: Point, radius: float, colour: RGB, s: int) -> None:
    """A round hat box; its front wall hides the lower flowers as a real one does."""
    cx, cy = centre
    top, bottom = cy + 0.15 * radius, min(cy + 1.5 * radius, 0.97 * s)
    rx, ry = 1.05 * radius, 0.3 * radius
    draw.ellipse(_box((cx, bottom), rx, ry), fill=_shade(colour, 0.8))
    draw.rectangle((cx - rx, top, cx + rx, bottom), fill=colour)
    draw.chord(
        _box((cx, top), rx, ry), 0, 180, fill=_shade(colour, 1.08), outline=_shade(colour, 0.75)
    )
    band = (top + bottom) / 2
    draw.rectangle((cx - rx, band - 0.03 * s, cx + rx, band), fill=_shade(colour, 0.7))


def _basket_handle(draw: ImageDraw.ImageDraw, centre: Point, radius: float, colour: RGB) -> None:
    cx, cy = centre
    draw.arc(
        _box((cx, cy + 0.2 * radius), 1.0 * radius, 1.45 * radius),
        180,
        360,
        fill=_shade(colour, 0.8),
        width=max(3, int(radius * 0.08)),
    )


def _basket(draw: ImageDraw.ImageDraw, centre: Point, radius: float, colour: RGB, s: int) -> None:
    cx, cy = centre
    top, bottom = cy + 0.2 * radius, min(cy + 1.25 * radius, 0.97 * s)
    pts = [
        (cx - 1.15 * radius, top),
        (cx + 1.15 * radius, top),
        (cx + 0.85 * radius, bottom),
        (cx - 0.85 * radius, bottom),
    ]
    draw.polygon(pts, fill=colour, outline=_shade(colour, 0.6))
    step = radius * 0.12
    y = top + step / 2
    row = 0
    while y < bottom:  # the weave: alternating short strokes row by row
        half = 1.15 * radius - (y - top) / (bottom - top) * 0.3 * radius
        x = cx - half + (step if row % 2 else 0)
        while x < cx + half - step:
            draw.line(
                (x, y, x + step * 0.8, y), fill=_shade(colour, 0.7), width=max(1, int(step * 0.25))
            )
            x += step * 2
        y += step * 0.5
        row += 1


def _bow(draw: ImageDraw.ImageDraw, knot: Point, size: float, colour: RGB) -> None:
    x, y = knot
    dark = _shade(colour, 0.75)
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
    _circle(draw, x, y, size * 0.35, dark)


# --- camera and light ------------------------------------------------------------------------


def _affine(layer: Image.Image, angle: float, scale: float, shift: Point) -> Image.Image:
    """Rotate by ``angle``, zoom by ``scale`` about the centre, then move by ``shift``."""
    w, h = layer.size
    cx, cy = w / 2, h * 0.55
    cos, sin = math.cos(angle), math.sin(angle)
    # Image.transform wants the inverse map: output pixel -> input pixel.
    a, b, d, e = cos / scale, sin / scale, -sin / scale, cos / scale
    ox, oy = cx + shift[0], cy + shift[1]
    c = cx - a * ox - b * oy
    f = cy - d * ox - e * oy
    return layer.transform(
        layer.size, Image.Transform.AFFINE, (a, b, c, d, e, f), resample=Image.Resampling.BICUBIC
    )


def _background(
    colours: tuple[RGB, RGB], size: int, camera: random.Random, variant: int
) -> Image.Image:
    top, bottom = (np.array(c, dtype=np.float32) for c in colours)
    if variant:  # another shot, another moment: the wall's tone drifts a little
        drift = np.array([camera.uniform(-6, 6) for _ in range(3)], dtype=np.float32)
        top, bottom = top + drift, bottom + drift
    t = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None, None]
    rows = top * (1 - t) + bottom * t
    pixels = np.broadcast_to(rows, (size, size, 3)).clip(0, 255).astype(np.uint8)
    return Image.fromarray(pixels, "RGB").convert("RGBA")


def _light(photo: Image.Image, camera: random.Random, variant: int) -> Image.Image:
    """Exposure, white balance and sensor noise, so no two photos are pixel-identical."""
    pixels = np.asarray(photo, dtype=np.float32)
    gain = camera.uniform(0.93, 1.07) if variant else 1.0
    tint = np.array(
        [camera.uniform(-6, 6) for _ in range(3)] if variant else [0, 0, 0], dtype=np.float32
    )
    noise = np.random.default_rng(camera.getrandbits(32)).normal(0, 2.0, pixels.shape)
    out = (pixels * gain + tint + noise).clip(0, 255).astype(np.uint8)
    return Image.fromarray(out, "RGB").filter(ImageFilter.SMOOTH)


# --- colour ----------------------------------------------------------------------------------


def _shade(c: RGB, f: float) -> RGB:
    return (min(255, int(c[0] * f)), min(255, int(c[1] * f)), min(255, int(c[2] * f)))


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        int(a[0] + (b[0] - a[0]) * t),
        int(a[1] + (b[1] - a[1]) * t),
        int(a[2] + (b[2] - a[2]) * t),
    )


def _jitter(rng: random.Random, c: RGB, amount: float) -> RGB:
    f = 1 + rng.uniform(-amount, amount)
    return _shade(c, f)
