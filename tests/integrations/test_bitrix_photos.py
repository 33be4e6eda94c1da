"""Generated bouquet photos: real JPEGs, the same bouquet across a product's shots, products apart."""

from __future__ import annotations

import io
import itertools
import random

import httpx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from vitrina.standin.photos import random_bouquet, render, render_jpeg
from vitrina.standin.seed import ORIGINAL_SIZE, RESIZED_SIZE
from vitrina.standin.server import StandIn


def fetch(url: str) -> Image.Image:
    response = httpx.get(url)
    assert response.status_code == 200
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def colour_signature(image: Image.Image) -> np.ndarray:
    """A coarse colour histogram: crude, but enough to tell bouquets apart."""
    pixels = np.asarray(image.convert("RGB").resize((64, 64)), dtype=np.float32) / 255
    bins = (pixels * 3.999).astype(int)
    index = bins[..., 0] * 16 + bins[..., 1] * 4 + bins[..., 2]
    histogram = np.bincount(index.ravel(), minlength=64).astype(np.float32)
    return np.sqrt(histogram / histogram.sum())


def test_photos_over_http_are_jpegs_pillow_decodes(shop: StandIn) -> None:
    product = next(p for p in shop.products if "/resize_cache/" in p["image"])
    for url in product["images"]:
        image = fetch(url)
        assert image.format == "JPEG"
        assert image.size == (ORIGINAL_SIZE, ORIGINAL_SIZE)
    assert fetch(product["image"]).size == (RESIZED_SIZE, RESIZED_SIZE)


def test_unknown_photo_paths_are_404(shop: StandIn) -> None:
    assert httpx.get(shop.base_url + "/upload/iblock/000/IMG_0000.jpeg").status_code == 404


def test_a_photo_is_the_same_bytes_every_time(shop: StandIn) -> None:
    url = shop.products[3]["images"][0]
    assert httpx.get(url).content == httpx.get(url).content


def test_different_products_look_different(shop: StandIn) -> None:
    thumbs = [
        np.asarray(fetch(p["images"][0]).resize((32, 32)), dtype=np.float32)
        for p in shop.products[:12]
    ]
    for a, b in itertools.combinations(thumbs, 2):
        assert np.abs(a - b).mean() > 8


def test_shots_of_one_product_resemble_each_other_more_than_other_products() -> None:
    """What visual search relies on: a product's photos cluster, products stay apart."""
    standin = StandIn(60, seed=3)
    signatures: list[tuple[int, np.ndarray]] = []
    for product in standin.products:
        for url in product["images"]:
            ref = standin.photo_ref(url)
            assert ref is not None
            signatures.append((product["id"], colour_signature(render(ref.bouquet, ref.variant, 128))))
    same, other = [], []
    for (id_a, a), (id_b, b) in itertools.combinations(signatures, 2):
        (same if id_a == id_b else other).append(float(((a - b) ** 2).sum()))
    assert len(same) > 30
    # The chance that a same-product pair is closer than a cross-product pair (ROC AUC).
    same_arr, other_arr = np.array(same), np.array(other)
    auc = (same_arr[:, None] < other_arr[None, :]).mean()
    assert auc > 0.97
    # And nearest neighbours mostly find the same product.
    hits = trials = 0
    for i, (product_id, signature) in enumerate(signatures):
        rest = [(pid, sig) for j, (pid, sig) in enumerate(signatures) if j != i]
        if not any(pid == product_id for pid, _ in rest):
            continue
        nearest = min(rest, key=lambda item: float(((item[1] - signature) ** 2).sum()))
        hits += nearest[0] == product_id
        trials += 1
    assert hits / trials > 0.75


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), variant=st.integers(0, 5))
def test_any_bouquet_renders_a_picture_with_something_in_it(seed: int, variant: int) -> None:
    bouquet = random_bouquet(random.Random(seed))
    image = Image.open(io.BytesIO(render_jpeg(bouquet, variant, 96)))
    assert image.size == (96, 96)
    pixels = np.asarray(image, dtype=np.float32)
    assert pixels.std() > 10  # not a blank background
    assert render_jpeg(bouquet, variant, 96) == render_jpeg.__wrapped__(bouquet, variant, 96)
