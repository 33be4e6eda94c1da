"""A real flower listed in three colours (the shop's photo and two recolours of it): a customer's
photo of the orange one is `exact` for the orange one, and when the orange one is gone, for
none of the others — though they verify as the same flower, leaves and background included.
Over real HTTP, with the real worker indexing the photos.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import SECRET
from tests.search.listed import list_variants
from tests.search.test_visual_search import upload, wait_until_idle
from tests.support.photos import photo_server
from tests.support.recolour import colour_variant
from tests.support.webhooks import send
from vitrina.search.customer_photos import CUSTOMER_STYLES, jpeg_bytes

ZINNIA = Image.open(Path(__file__).parents[1] / "fixtures/photos/zinnia_orange.jpg").convert("RGB")
ORANGE, RED, YELLOW = 7400, 7401, 7402
VARIANTS = {
    ORANGE: ZINNIA,
    RED: colour_variant(ZINNIA, "red"),
    YELLOW: colour_variant(ZINNIA, "yellow"),
}


@pytest.fixture
def shop(live_app, sqlite_url):
    with photo_server() as served, live_app(sqlite_url, run_worker=True) as client:
        list_variants(client, served, VARIANTS, title="Цинния")
        yield client


def customer_photos() -> list[bytes]:
    """The orange zinnia as customers send it: under warm light with noise, zoomed, tilted."""
    rng = random.Random(25)
    return [jpeg_bytes(CUSTOMER_STYLES[style](ZINNIA, rng)) for style in ("warm", "zoom", "tilted")]


def exact_of(client, data: bytes) -> tuple[list[int], list[tuple[int, object]]]:
    body = upload(client, data, top_k=10).json()
    shown = [(r["product_id"], r["verification"]) for r in body["results"][:3]]
    return [r["product_id"] for r in body["exact"]], shown


def test_a_customer_photo_of_the_orange_zinnia_is_exact_for_it_alone(shop):
    for data in customer_photos():
        exact, shown = exact_of(shop, data)
        assert exact == [ORANGE], shown


def test_with_the_orange_zinnia_gone_its_recoloured_variants_are_not_exact(shop):
    """The red one verifies with the leaves and background agreeing cell for cell (what made it
    `exact` before), but the flower's hue does not agree."""
    assert send(shop, "deleted", {"id": ORANGE}, secret=SECRET).status_code == 200
    wait_until_idle(shop)
    for data in customer_photos():
        exact, shown = exact_of(shop, data)
        assert exact == [], shown
        assert shown[0][0] in (RED, YELLOW)  # still the same flower first, just not `exact`
