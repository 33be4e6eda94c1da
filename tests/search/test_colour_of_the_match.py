"""The colour of what the customer photographed is read from the product it matched (issue 25).

A pink bouquet photographed under a screen's or an evening lamp's cool light reads purple; it
still verifies as the pink bouquet, which comes first. The other products are then ranked by
the matched product's catalog colour, not the query photo's: the other pink bouquets come
before the purple ones the query photo's own colour suggests. Over real HTTP, indexed by the
real worker.
"""

from __future__ import annotations

import base64
import io
import random
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from tests.search.listed import list_products
from tests.support.photos import jpeg
from vitrina.descriptors.colour import confident_colour
from vitrina.descriptors.features import describe_query_photo
from vitrina.standin.photos import Bouquet, random_bouquet, render

PHOTOGRAPHED = 5300
PINK = (5301, 5302, 5303)
PURPLE = (5304, 5305, 5306)
COOL_LIGHT = (0.8, 0.8, 1.25)  # a phone screen's or an LED lamp's cast: red and green down


def in_colour(bouquet: Bouquet, colour: str) -> Bouquet:
    main = bouquet.groups[0]
    return replace(bouquet, groups=(replace(main, colour=colour), *bouquet.groups[1:]))


def catalog() -> dict[int, Bouquet]:
    """A pink peony bouquet; three other pink and three purple bouquets of tulips or eustoma,
    drawn alike (both colours from one draw each, so shape favours neither colour)."""
    rng = random.Random(5)
    drawn = iter(lambda: random_bouquet(rng), None)
    single = (b for b in drawn if len(b.groups) == 1)
    found = {
        PHOTOGRAPHED: in_colour(next(b for b in single if b.groups[0].kind == "peony"), "pink")
    }
    for pink, purple in zip(PINK, PURPLE, strict=True):
        bouquet = next(b for b in single if b.groups[0].kind in ("tulip", "eustoma"))
        found[pink], found[purple] = in_colour(bouquet, "pink"), in_colour(bouquet, "purple")
    return found


def under_cool_light(photo: Image.Image) -> Image.Image:
    pixels = np.asarray(photo.convert("RGB"), np.float32) * np.array(COOL_LIGHT, np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def customer_photo() -> bytes:
    return jpeg(under_cool_light(render(catalog()[PHOTOGRAPHED], 1)), 85)


@pytest.fixture
def shop(live_app, sqlite_url, photos_served):
    shots = {pid: [jpeg(render(bouquet, 0), 88)] for pid, bouquet in catalog().items()}
    with live_app(sqlite_url, run_worker=True) as client:
        list_products(client, photos_served, shots, folder="cool")
        yield client


def test_the_query_photo_itself_reads_purple():
    """The premise: the query's own colour is the wrong one (as taken and corrected alike)."""
    photo = Image.open(io.BytesIO(customer_photo()))
    described = describe_query_photo(photo)
    assert confident_colour(described.colour) == "purple"
    assert described.as_taken is None or confident_colour(described.as_taken) == "purple"


def test_the_others_follow_the_matched_bouquets_colour_not_the_query_photos(shop):
    body = {"image_base64": base64.b64encode(customer_photo()).decode(), "top_k": 10}
    answer = shop.post("/api/v1/search", json=body)
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    first = results[0]
    assert first["product_id"] == PHOTOGRAPHED  # the product itself stays first
    assert first["verification"]["inliers"] >= answer.json()["exact_min_inliers"]
    order = [r["product_id"] for r in results[1:]]
    pink = [order.index(p) for p in PINK if p in order]
    purple = [order.index(p) for p in PURPLE if p in order]
    assert len(pink) == len(PINK), order
    assert max(pink) < min(purple, default=len(order)), order
