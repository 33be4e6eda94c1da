"""Customer-style photos made from shop photos: what calibration and the quality benchmark query.

Customers rarely send the shop's photo. They send an Instagram story screenshot (the product
small inside a tall coloured frame, a caption bar, stickers), a zoom on the middle of the
bouquet, a phone photo of a screen (perspective, glare, moiré, noise), a photo under warm indoor
light with sensor noise and heavy JPEG, one with a hand or a price tag over part of it, a tilted
crop. Each is a pure function of the photo and a seeded random generator, so a benchmark run is
repeatable. A *recoloured* copy is the negative: the same bouquet in another colour must never be
called an exact match.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

Transform = Callable[[Image.Image, random.Random], Image.Image]


def story(photo: Image.Image, rng: random.Random) -> Image.Image:
    """A story screenshot: 9:16 coloured frame, the photo at 55-80 % width, caption, stickers."""
    width, height = 540, 960
    frame = tuple(rng.randint(40, 250) for _ in range(3))
    canvas = Image.new("RGB", (width, height), frame)  # type: ignore[arg-type]
    draw = ImageDraw.Draw(canvas)
    inner = int(width * rng.uniform(0.55, 0.8))
    scaled = photo.resize((inner, int(inner * photo.height / photo.width)))
    left = rng.randint(10, width - inner - 10)
    top = rng.randint(200, max(201, height - scaled.height - 200))
    canvas.paste(scaled, (left, top))
    # Caption bar with "text" above or below the photo.
    bar_top = rng.choice([rng.randint(60, 150), min(height - 90, top + scaled.height + 20)])
    bar = (255, 255, 255) if sum(frame) < 380 else (20, 20, 20)
    draw.rectangle((30, bar_top, width - 30, bar_top + 60), fill=bar)
    ink = (20, 20, 20) if bar == (255, 255, 255) else (240, 240, 240)
    x = 45
    while x < width - 80:
        word = rng.randint(20, 70)
        draw.rectangle((x, bar_top + 22, x + word, bar_top + 38), fill=ink)
        x += word + 12
    for _ in range(rng.randint(1, 3)):  # stickers, some over the photo's edge
        r = rng.randint(25, 55)
        cx = rng.choice([left, left + inner]) + rng.randint(-30, 30)
        cy = rng.randint(top, top + scaled.height)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)  # type: ignore[arg-type]
    return canvas


def zoom(photo: Image.Image, rng: random.Random) -> Image.Image:
    """The middle 55-70 % of the photo, enlarged back to full size."""
    share = rng.uniform(0.55, 0.7)
    w, h = photo.size
    cw, ch = int(w * share), int(h * share)
    left = (w - cw) // 2 + rng.randint(-w // 20, w // 20)
    top = (h - ch) // 2 + rng.randint(-h // 20, h // 20)
    return photo.crop((left, top, left + cw, top + ch)).resize((w, h), Image.Resampling.BICUBIC)


def screen(photo: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo of a monitor: perspective, glare, moiré, noise, a little blur."""
    w, h = 640, 640
    desk = np.full((h, w, 3), rng.randint(30, 90), dtype=np.uint8)
    shown = np.asarray(photo.resize((440, int(440 * photo.height / photo.width))))
    sh, sw = shown.shape[:2]
    offsets = [rng.uniform(-45, 45) for _ in range(8)]
    source = np.array([[0, 0], [sw, 0], [sw, sh], [0, sh]], dtype=np.float32)
    cx, cy = (w - sw) / 2, (h - sh) / 2
    corners = [(cx, cy), (cx + sw, cy), (cx + sw, cy + sh), (cx, cy + sh)]
    target = np.array(
        [(x + offsets[2 * i], y + offsets[2 * i + 1]) for i, (x, y) in enumerate(corners)],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(source, target)
    warped = cv2.warpPerspective(shown, matrix, (w, h), borderMode=cv2.BORDER_TRANSPARENT, dst=desk)
    pixels = warped.astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    period = rng.uniform(3.0, 6.0)
    moire = 1 + 0.06 * np.sin((xx * math.cos(0.3) + yy * math.sin(0.3)) * 2 * math.pi / period)
    gx, gy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    glare = 90 * np.exp(-(((xx - gx) / (0.25 * w)) ** 2 + ((yy - gy) / (0.15 * h)) ** 2))
    noisy = (
        pixels * moire[..., None]
        + glare[..., None]
        + np.random.default_rng(rng.getrandbits(32)).normal(0, 6, pixels.shape)
    )
    image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    return image.filter(ImageFilter.GaussianBlur(0.8))


def warm(photo: Image.Image, rng: random.Random) -> Image.Image:
    """Warm indoor light, sensor noise and a heavily compressed JPEG."""
    pixels = np.asarray(photo, dtype=np.float32)
    gains = np.array([rng.uniform(1.05, 1.15), 1.0, rng.uniform(0.72, 0.85)], dtype=np.float32)
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, 9, pixels.shape)
    image = Image.fromarray(np.clip(pixels * gains * 0.9 + noise, 0, 255).astype(np.uint8))
    return _jpeg_round_trip(image, rng.randint(12, 25))


def occluded(photo: Image.Image, rng: random.Random) -> Image.Image:
    """A hand or a price tag over 10-20 % of the photo."""
    image = photo.copy()
    draw = ImageDraw.Draw(image)
    w, h = image.size
    if rng.random() < 0.5:  # a hand from a side: palm and fingers in skin tones
        skin = (rng.randint(190, 235), rng.randint(140, 180), rng.randint(110, 150))
        side = rng.choice([0, w])
        cy = rng.randint(h // 3, 2 * h // 3)
        draw.ellipse((side - w // 5, cy - h // 8, side + w // 5, cy + h // 8), fill=skin)
        for finger in range(4):
            y = cy - h // 8 + finger * h // 16
            reach = w // 3 + rng.randint(-20, 20)
            x0, x1 = (0, reach) if side == 0 else (w - reach, w)
            draw.rounded_rectangle((x0, y, x1, y + h // 22), radius=h // 44, fill=skin)
    else:  # a price tag
        tw, th = int(w * rng.uniform(0.3, 0.4)), int(h * rng.uniform(0.18, 0.25))
        x, y = rng.randint(0, w - tw), rng.randint(h // 2, h - th)
        draw.rectangle((x, y, x + tw, y + th), fill=(250, 250, 245), outline=(200, 30, 40), width=4)
        for line in range(3):
            ly = y + 12 + line * th // 4
            draw.rectangle(
                (x + 10, ly, x + tw - rng.randint(15, 60), ly + th // 10), fill=(30, 30, 30)
            )
    return image


def tilted(photo: Image.Image, rng: random.Random) -> Image.Image:
    """Rotated by 6-15 degrees and cropped to the inner 80 % (no corners of empty canvas)."""
    angle = rng.choice([-1, 1]) * rng.uniform(6, 15)
    rotated = photo.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False)
    w, h = rotated.size
    return rotated.crop((w // 10, h // 10, w - w // 10, h - h // 10))


def recoloured(photo: Image.Image, rng: random.Random) -> Image.Image:
    """The same photo with its colours turned 100-260 degrees round the hue circle."""
    hsv = np.asarray(photo.convert("HSV")).copy()
    hsv[..., 0] = (hsv[..., 0].astype(np.int32) + rng.randint(70, 185)) % 256
    return Image.fromarray(hsv, "HSV").convert("RGB")


def _jpeg_round_trip(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


CUSTOMER_STYLES: dict[str, Transform] = {
    "story": story,
    "zoom": zoom,
    "screen": screen,
    "warm": warm,
    "occluded": occluded,
    "tilted": tilted,
}


def jpeg_bytes(image: Image.Image, quality: int = 85) -> bytes:
    """What the customer's phone uploads."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
