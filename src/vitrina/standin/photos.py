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

from vitrina.standin.flowers import (
    FLOWER_HEADS,
    RGB,
    FlowerKind,
    Point,
    gypsophila,
    jitter,
    shade,
)
from vitrina.standin.wrapping import (
    basket,
    basket_handle,
    bow,
    box,
    film,
    hat_box,
    leaves,
    paper_back,
    paper_front,
    stems,
)

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
        paper_back(draw, rng, (cx, cy), radius, tie, bouquet.wrap_colour)
    if bouquet.wrap == "basket":
        basket_handle(draw, (cx, cy), radius, bouquet.wrap_colour)
    if bouquet.wrap == "box":
        draw.ellipse(
            box((cx, cy + 0.15 * radius), 1.05 * radius, 0.3 * radius),
            fill=shade(bouquet.wrap_colour, 0.55),
        )
    if bouquet.wrap not in ("box", "basket"):
        stems(draw, rng, points, tie, s)
    leaves(draw, rng, (cx, cy), radius, bouquet.leaves, s)

    # Lower heads drawn last: they are nearer the camera and overlap the ones behind.
    for (x, y), group in sorted(zip(points, kinds, strict=True), key=lambda item: item[0][1]):
        r = flower_r * KIND_SIZE[group.kind] * rng.uniform(0.9, 1.1)
        colour = jitter(rng, FLOWER_COLOURS[group.colour], 0.06)
        FLOWER_HEADS[group.kind](draw, rng, x, y, r, colour)
    if bouquet.filler:
        gypsophila(draw, rng, (cx, cy), radius, s)

    if bouquet.wrap in ("kraft", "paper"):
        paper_front(draw, (cx, cy), radius, tie, bouquet.wrap_colour)
    elif bouquet.wrap == "film":
        layer = film(layer, (cx, cy), radius, tie, bouquet.wrap_colour)
        draw = ImageDraw.Draw(layer)
    elif bouquet.wrap == "box":
        hat_box(draw, (cx, cy), radius, bouquet.wrap_colour, s)
    elif bouquet.wrap == "basket":
        basket(draw, (cx, cy), radius, bouquet.wrap_colour, s)
    if bouquet.ribbon is not None and bouquet.wrap != "box":
        knot = tie if bouquet.wrap != "basket" else (cx + 0.8 * radius, cy + 0.45 * radius)
        bow(draw, knot, 0.05 * s, bouquet.ribbon)
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
