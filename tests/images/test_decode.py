"""Decoding untrusted image bytes: every bad file gives a typed error, every good one RGB."""

from __future__ import annotations

import io
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from tests.images.photo_server import png_header_only
from vitrina.errors import (
    DecompressionBomb,
    EmptyImage,
    ImageRejected,
    ImageTooLarge,
    NotAnImage,
    TruncatedImage,
)
from vitrina.images.decode import decode_image, read_image_header, sniff_image_format


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


RED = (220, 20, 30)
JPEG = encode(Image.new("RGB", (64, 48), RED), "JPEG")
PNG = encode(Image.new("RGB", (64, 48), RED), "PNG")


def test_empty_bytes_are_an_empty_image() -> None:
    with pytest.raises(EmptyImage):
        decode_image(b"")


@pytest.mark.parametrize(
    "data", [b"<!DOCTYPE html><html></html>", b'{"photo": null}', b"GIF", b"\x00" * 100]
)
def test_things_that_are_not_images_are_rejected(data: bytes) -> None:
    with pytest.raises(NotAnImage):
        decode_image(data)


@pytest.mark.parametrize("data", [JPEG, PNG])
def test_a_photo_cut_in_half_is_truncated(data: bytes) -> None:
    with pytest.raises(TruncatedImage, match="damaged or cut short"):
        decode_image(data[: len(data) // 2])


@given(st.binary(max_size=200), st.sampled_from([JPEG, PNG]))
def test_any_damaged_bytes_give_a_typed_error_or_an_image(noise: bytes, photo: bytes) -> None:
    damaged = photo[:20] + noise
    try:
        image = decode_image(damaged)
    except ImageRejected:
        return
    assert image.mode == "RGB"


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    with pytest.raises(DecompressionBomb):
        decode_image(png_header_only(20_000, 20_000))
    with pytest.raises(DecompressionBomb):
        read_image_header(png_header_only(20_000, 20_000))


@pytest.mark.parametrize("size", [(1, 40_000_000), (40_000_000, 1), (20_000, 100)])
def test_each_side_is_bounded_before_any_decoding(size: tuple[int, int]) -> None:
    """A 1 × 40,000,000 PNG is within the area limit; it is refused from its header anyway,
    holding next to nothing (it took 1 GB in resizing and features before)."""
    bomb = png_header_only(*size)
    tracemalloc.start()
    try:
        with pytest.raises(DecompressionBomb, match="each side may be at most"):
            decode_image(bomb)
        with pytest.raises(DecompressionBomb):
            read_image_header(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


def test_the_pixel_limit_is_ours_not_pillows() -> None:
    with pytest.raises(DecompressionBomb, match="limit is 1"):
        decode_image(png_header_only(2000, 1000), max_pixels=1_000_000)


def test_too_many_bytes_are_refused() -> None:
    with pytest.raises(ImageTooLarge):
        decode_image(JPEG, max_bytes=100)


def test_the_header_is_read_without_decoding() -> None:
    header = read_image_header(png_header_only(4000, 3000))  # no real pixel data behind it
    assert (header.format, header.width, header.height) == ("PNG", 4000, 3000)


def test_an_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (40, 30), colour) for colour in [RED, (0, 200, 0), (0, 0, 200)]]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50)
    image = decode_image(data)
    assert image.mode == "RGB"
    assert image.size == (40, 30)
    red, green, blue = image.getpixel((5, 5))  # type: ignore[misc]
    assert red > 150 and green < 80 and blue < 80


def test_exif_orientation_is_applied() -> None:
    photo = Image.new("RGB", (60, 30), RED)
    photo.paste((0, 0, 255), (0, 0, 10, 30))  # a blue stripe on the left edge
    exif = photo.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    image = decode_image(encode(photo, "JPEG", exif=exif.tobytes(), quality=95))
    assert image.size == (30, 60)
    _, _, blue = image.getpixel((15, 5))  # type: ignore[misc]
    assert blue > 150  # the left edge is now on top


@pytest.mark.parametrize("mode", ["RGBA", "LA"])
def test_transparency_is_flattened_on_white(mode: str) -> None:
    clear = Image.new(mode, (10, 10), (0, 0) if mode == "LA" else (255, 0, 0, 0))
    image = decode_image(encode(clear, "PNG"))
    assert image.mode == "RGB"
    assert image.getpixel((3, 3)) == (255, 255, 255)


def test_a_transparent_palette_gif_is_flattened_on_white() -> None:
    palette = Image.new("P", (10, 10), 0)
    palette.putpalette([0, 0, 0] * 256)
    image = decode_image(encode(palette, "GIF", transparency=0))
    assert image.getpixel((3, 3)) == (255, 255, 255)


def test_a_half_transparent_pixel_is_blended_with_white() -> None:
    image = decode_image(encode(Image.new("RGBA", (4, 4), (0, 0, 0, 128)), "PNG"))
    grey, _, _ = image.getpixel((1, 1))  # type: ignore[misc]
    assert 120 <= grey <= 135


@pytest.mark.parametrize(("value", "expected"), [(1000, 3), (32768, 128), (65535, 255)])
def test_16_bit_greyscale_keeps_its_brightness(value: int, expected: int) -> None:
    image = decode_image(encode(Image.new("I;16", (4, 4), value), "PNG"))
    assert image.getpixel((0, 0)) == (expected,) * 3


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"])
def test_every_accepted_format_decodes_to_rgb(fmt: str) -> None:
    data = encode(Image.new("RGB", (32, 24), RED), fmt)
    assert sniff_image_format(data) == fmt
    image = decode_image(data)
    assert (image.mode, image.size) == ("RGB", (32, 24))


def test_cmyk_jpeg_becomes_rgb() -> None:
    image = decode_image(encode(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG"))
    assert image.mode == "RGB"


def test_draft_decodes_a_big_jpeg_smaller() -> None:
    data = encode(Image.new("RGB", (1600, 1200), RED), "JPEG")
    image = decode_image(data, draft_size=(224, 224))
    assert image.size[0] < 1600 and image.size[0] >= 224
