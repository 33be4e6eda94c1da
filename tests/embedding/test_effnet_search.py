"""Near-duplicates of a photo land nearer to it than any other photo, and the thresholds agree."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

from tests.embedding.samples import jpeg_bytes
from vitrina.embedding.effnet import EffnetLite0Embedder


def _crop(image: Image.Image) -> Image.Image:
    w, h = image.size
    return image.crop((w // 12, h // 12, w - w // 12, h - h // 12))


def _jpeg_q30(image: Image.Image) -> Image.Image:
    return Image.open(io.BytesIO(jpeg_bytes(image, quality=30)))


EDITS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "crop": _crop,
    "half size": lambda im: im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS),
    "double size": lambda im: im.resize((im.width * 2, im.height * 2), Image.Resampling.BICUBIC),
    "jpeg q30": _jpeg_q30,
    "brighter 20%": lambda im: ImageEnhance.Brightness(im).enhance(1.2),
    "darker 20%": lambda im: ImageEnhance.Brightness(im).enhance(0.8),
    "mirror": ImageOps.mirror,
}


@pytest.fixture(scope="module")
def catalogue(
    effnet: EffnetLite0Embedder, photos: dict[str, Image.Image]
) -> tuple[list[str], np.ndarray]:
    names = list(photos)
    return names, effnet.embed_images([jpeg_bytes(photos[name]) for name in names])


@pytest.mark.parametrize("edit", list(EDITS))
def test_edited_photo_finds_its_original_first(
    effnet: EffnetLite0Embedder,
    photos: dict[str, Image.Image],
    catalogue: tuple[list[str], np.ndarray],
    edit: str,
) -> None:
    names, vectors = catalogue
    queries = effnet.embed_images([jpeg_bytes(EDITS[edit](photos[name])) for name in names])
    similarity = queries @ vectors.T
    found = [names[i] for i in similarity.argmax(axis=1)]
    assert found == names
    # ... and it is an "exact" match, not merely "similar".
    assert np.diag(similarity).min() >= effnet.exact_threshold


def test_thresholds_separate_near_duplicates_from_other_photos(
    catalogue: tuple[list[str], np.ndarray], effnet: EffnetLite0Embedder
) -> None:
    _, vectors = catalogue
    similarity = vectors @ vectors.T
    others = similarity[~np.eye(len(vectors), dtype=bool)]
    assert others.max() < effnet.similar_threshold < effnet.exact_threshold
    np.testing.assert_allclose(np.diag(similarity), 1.0, atol=1e-5)


def test_another_view_of_the_same_scene_is_similar_not_exact(
    effnet: EffnetLite0Embedder, photos: dict[str, Image.Image]
) -> None:
    flower = photos["flower"]
    w, h = flower.size
    left, right = flower.crop((0, 0, w * 3 // 5, h)), flower.crop((w * 2 // 5, 0, w, h))
    a, b = effnet.embed_images([left, right])
    # Two overlapping halves share a subject: a shop wants them offered, not called the same.
    assert effnet.similar_threshold <= float(a @ b)
