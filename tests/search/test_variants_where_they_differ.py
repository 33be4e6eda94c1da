"""A bouquet listed in four colours, photographed as shops do (the flowers a small part of the
frame, among leaves, paper and a room): a customer's photo of the red one is `exact` for the red
one alone, and with the red one gone, for none of the others — though each verifies, and its
leaves, paper and room agree cell for cell with the customer's photo (issue 25). Over real HTTP,
with the real worker indexing the photos.
"""

from __future__ import annotations

import random

import pytest

from tests.conftest import SECRET
from tests.search.listed import list_variants
from tests.search.test_visual_search import upload, wait_until_idle
from tests.support.bouquet import small_flowered_bouquet
from tests.support.photos import photo_server
from tests.support.recolour import colour_variant
from tests.support.webhooks import send
from vitrina.search.customer_photos import CUSTOMER_STYLES, jpeg_bytes

RED_BOUQUET = small_flowered_bouquet()
RED, ORANGE, BLUE, PURPLE = 7600, 7601, 7602, 7603
VARIANTS = {
    RED: RED_BOUQUET,
    ORANGE: colour_variant(RED_BOUQUET, "orange"),
    BLUE: colour_variant(RED_BOUQUET, "blue"),
    PURPLE: colour_variant(RED_BOUQUET, "purple"),
}
STYLES = ("warm", "tilted", "screen", "story")


@pytest.fixture
def shop(live_app, sqlite_url):
    with photo_server() as served, live_app(sqlite_url, run_worker=True) as client:
        list_variants(client, served, VARIANTS, title="Букет")
        yield client


def customer_photos() -> list[tuple[str, bytes]]:
    """The red bouquet as customers send it."""
    rng = random.Random(25)
    return [(style, jpeg_bytes(CUSTOMER_STYLES[style](RED_BOUQUET, rng))) for style in STYLES]


def exact_of(client, data: bytes) -> tuple[list[int], list[tuple[int, object]]]:
    body = upload(client, data, top_k=10).json()
    shown = [(r["product_id"], r["verification"]) for r in body["results"][:4]]
    return [r["product_id"] for r in body["exact"]], shown


def test_a_customer_photo_of_the_red_bouquet_is_exact_for_it_alone(shop):
    for style, data in customer_photos():
        exact, shown = exact_of(shop, data)
        assert exact == [RED], (style, shown)


def test_with_the_red_bouquet_gone_none_of_its_colour_variants_is_exact(shop):
    assert send(shop, "deleted", {"id": RED}, secret=SECRET).status_code == 200
    wait_until_idle(shop)
    for style, data in customer_photos():
        exact, shown = exact_of(shop, data)
        assert exact == [], (style, shown)
        assert shown[0][0] in (ORANGE, BLUE, PURPLE)  # still the same bouquet first  # still the same bouquet first
