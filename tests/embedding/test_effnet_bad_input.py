"""Whatever bytes arrive, the embedder answers with a vector or a typed error — never a crash."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.embedding.samples import jpeg_bytes, png_bytes
from vitrina.embedding.effnet import EffnetLite0Embedder
from vitrina.errors import (
    DecompressionBomb,
    EmptyImage,
    ImageRejected,
    NotAnImage,
    TruncatedImage,
)


def test_empty_bytes_are_rejected(effnet: EffnetLite0Embedder) -> None:
    with pytest.raises(EmptyImage):
        effnet.embed_images([b""])


def test_text_file_is_not_an_image(effnet: EffnetLite0Embedder) -> None:
    with pytest.raises(NotAnImage):
        effnet.embed_images([b"<html><body>404 Not Found</body></html>"])


def test_unsupported_format_is_not_an_image(effnet: EffnetLite0Embedder) -> None:
    with pytest.raises(NotAnImage):
        effnet.embed_images([b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"])


def test_truncated_jpeg_is_rejected(
    effnet: EffnetLite0Embedder, photos: dict[str, Image.Image]
) -> None:
    data = jpeg_bytes(photos["coffee"])
    with pytest.raises(TruncatedImage):
        effnet.embed_images([data[: len(data) // 3]])


def test_truncated_png_is_rejected(
    effnet: EffnetLite0Embedder, photos: dict[str, Image.Image]
) -> None:
    data = png_bytes(photos["coffee"])
    with pytest.raises(TruncatedImage):
        effnet.embed_images([data[: len(data) // 2]])


def test_decompression_bomb_over_40_megapixels_is_refused(effnet: EffnetLite0Embedder) -> None:
    # 8000×6000 = 48 MP of one colour compresses to a few kilobytes: a classic bomb.
    bomb = png_bytes(Image.new("1", (8000, 6000)))
    assert len(bomb) < 100_000
    with pytest.raises(DecompressionBomb, match="megapixels"):
        effnet.embed_images([bomb])


def test_animated_gif_gives_its_first_frame(effnet: EffnetLite0Embedder) -> None:
    red = Image.new("RGB", (300, 300), (220, 30, 30))
    blue = Image.new("RGB", (300, 300), (30, 30, 220))
    animation = io.BytesIO()
    red.save(animation, "GIF", save_all=True, append_images=[blue], duration=100, loop=0)
    got, first, second = effnet.embed_images([animation.getvalue(), red, blue])
    assert float(got @ first) > 0.99
    assert float(got @ first) > float(got @ second)


def test_transparent_png_is_flattened_on_white(effnet: EffnetLite0Embedder) -> None:
    clear = png_bytes(Image.new("RGBA", (64, 64), (0, 0, 0, 0)))
    white = Image.new("RGB", (64, 64), (255, 255, 255))
    a, b = effnet.embed_images([clear, white])
    assert float(a @ b) > 0.999


def test_one_bad_photo_is_reported_not_hidden_in_a_batch(
    effnet: EffnetLite0Embedder, photos: dict[str, Image.Image]
) -> None:
    with pytest.raises(ImageRejected):
        effnet.embed_images([jpeg_bytes(photos["coffee"]), b"not an image"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.binary(max_size=2048),
    st.sampled_from([b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a"]),
)
def test_random_bytes_give_a_vector_or_a_typed_error(
    effnet: EffnetLite0Embedder, tail: bytes, head: bytes
) -> None:
    try:
        vectors = effnet.embed_images([head + tail])
    except ImageRejected:
        return
    assert vectors.shape == (1, 1280)
    assert np.isfinite(vectors).all()
