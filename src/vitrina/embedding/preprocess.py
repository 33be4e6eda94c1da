"""Turning a photo into the exact pixels a model was trained on.

EfficientNet-Lite was trained on RGB resized so the short side is 256, centre-cropped to 224
(bilinear), normalised ``(x − 127) / 128``. The crop and resize here yield ``uint8`` pixels; the
normalisation is a node inside the ONNX graph (see :mod:`vitrina.embedding.effnet_graph`), so the
Python side hands ONNX Runtime the raw bytes of the crop and does no float arithmetic per pixel.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from vitrina.images.decode import DEFAULT_MAX_PIXELS, decode_image

ImageInput = bytes | Image.Image

RESIZE_SHORT_SIDE = 256
CROP_SIZE = 224
PIXEL_MEAN = 127.0
PIXEL_STD = 128.0


def load_rgb(image: ImageInput, *, draft: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """An RGB PIL image from bytes (decoded safely, JPEG in draft mode) or from a PIL image."""
    if isinstance(image, Image.Image):
        if image.mode == "RGB":
            return image
        if image.mode in ("RGBA", "LA", "P"):
            # Same rule as decoding: transparency is flattened on white.
            rgba = image.convert("RGBA")
            background = Image.new("RGB", rgba.size, (255, 255, 255))
            background.paste(rgba, mask=rgba.getchannel("A"))
            return background
        return image.convert("RGB")
    # The draft only ever picks a JPEG scale whose result is still >= ``draft`` on both sides.
    return decode_image(bytes(image), max_pixels=max_pixels, draft_size=(draft, draft))


def resize_centre_crop(
    image: Image.Image,
    *,
    short_side: int = RESIZE_SHORT_SIDE,
    crop: int = CROP_SIZE,
    resample: Image.Resampling = Image.Resampling.BILINEAR,
) -> Image.Image:
    """Resize the short side to ``short_side`` and centre-crop ``crop``×``crop`` in one pass.

    Gives the pixels of "resize to whole pixels, then crop at a whole-pixel offset" — the way the
    model was evaluated — but resamples only the box that survives the crop.
    """
    width, height = image.size
    scale = short_side / min(width, height)
    resized_w = max(crop, round(width * scale))
    resized_h = max(crop, round(height * scale))
    left = (resized_w - crop) // 2
    top = (resized_h - crop) // 2
    sx = width / resized_w
    sy = height / resized_h
    box = (left * sx, top * sy, (left + crop) * sx, (top + crop) * sy)
    return image.resize((crop, crop), resample, box=box, reducing_gap=None)


def effnet_pixels(
    images: Sequence[ImageInput],
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    pool: Executor | None = None,
) -> NDArray[np.uint8]:
    """A ``(n, 224, 224, 3)`` uint8 batch ready for the EfficientNet-Lite graph.

    With ``pool``, photos are decoded and resized on its threads: Pillow releases the GIL in
    both, and while this runs the model is idle, so the cores are free (about a quarter of a
    batch's time on two cores was this loop).
    """
    batch = np.empty((len(images), CROP_SIZE, CROP_SIZE, 3), dtype=np.uint8)

    def fill(i: int) -> None:
        rgb = load_rgb(images[i], draft=RESIZE_SHORT_SIDE, max_pixels=max_pixels)
        batch[i] = np.asarray(resize_centre_crop(rgb))

    if pool is not None and len(images) > 1:
        list(pool.map(fill, range(len(images))))  # list(): re-raise the first error
    else:
        for i in range(len(images)):
            fill(i)
    return batch


def normalised_chw(
    image: Image.Image,
    *,
    size: int,
    mean: Sequence[float],
    std: Sequence[float],
    resample: Image.Resampling = Image.Resampling.BICUBIC,
) -> NDArray[np.float32]:
    """Float CHW pixels for models (CLIP) that expect normalisation done outside the graph."""
    cropped = resize_centre_crop(image, short_side=size, crop=size, resample=resample)
    pixels = np.asarray(cropped, dtype=np.float32) / np.float32(255.0)
    pixels -= np.asarray(mean, dtype=np.float32)
    pixels /= np.asarray(std, dtype=np.float32)
    return np.ascontiguousarray(pixels.transpose(2, 0, 1), dtype=np.float32)
