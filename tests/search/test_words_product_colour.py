"""«Такой же, но белый» finds the white variant by the shop's words when its photo says yellow.

The shop sells one arrangement in red and in white, beside four other white bouquets. The white
one was photographed under warm light, so its photo's colour descriptor names it yellow; its title
(or the shop's colour field) says white. Asked for the same bouquet in white, over real HTTP, the
white variant comes first: the shop's word for its flowers' colour outranks the photo's.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.search.listed import list_products
from tests.search.test_words_colour_variant import RED_ID, WHITE_ID, catalog, search
from tests.support.photos import jpeg
from tests.support.recolour import warm_cast
from vitrina.search.customer_photos import zoom
from vitrina.standin.photos import render

SAID = {
    "title": {"title": "Букет из белых роз"},
    "colour field": {"title": "Букет «Нежность»", "colors": ["белый"]},
}


@pytest.fixture(params=list(SAID), ids=list(SAID))
def shop(request, live_app, sqlite_url, photos_served):
    """The catalog indexed by the worker, the white variant shot under warm light."""
    shots = {}
    for pid, bouquet in catalog().items():
        photos = [render(bouquet, v) for v in (0, 1)]
        if pid == WHITE_ID:
            photos = [warm_cast(photo) for photo in photos]
        shots[pid] = [jpeg(photo, 88) for photo in photos]
    fields: dict[int, dict[str, Any]] = {
        RED_ID: {"title": "Букет из красных роз"},
        WHITE_ID: SAID[request.param],
    }
    with live_app(sqlite_url, run_worker=True) as client:
        list_products(client, photos_served, shots, folder="w", fields=fields)
        yield client


def test_the_shops_word_for_the_colour_outranks_a_warm_lit_photo(shop):
    query = jpeg(zoom(render(catalog()[RED_ID], 1), random.Random(3)), 85)
    plain = search(shop, query)
    assert plain["results"][0]["product_id"] == RED_ID

    body = search(shop, query, "такой же, но белый")
    assert body["understood"] == {"colour": "white"}
    assert body["results"][0]["product_id"] == WHITE_ID
    # The red bouquet photographed is not what was asked: it is not first, nor exact.
    assert RED_ID not in body["exact"]
