"""«Такой же, но белый» when only the photographed colour verifies, over real HTTP.

A red bouquet is also sold in white, beside other white bouquets. A zoomed or tilted customer
photo of the red one verifies as the red one, but the white variant shows ORB too few points
(its petals are shaded anew), so no white product verifies: the white variant must still come
first, not the white bouquet nearest by colour, and nothing is called ``exact``.
"""

from __future__ import annotations

import base64
import random
from dataclasses import replace

import pytest

from tests.search.listed import list_products
from tests.support.photos import jpeg
from vitrina.search.customer_photos import tilted, zoom
from vitrina.standin.photos import KIND_COLOURS, Bouquet, random_bouquet, render

RED_ID, WHITE_ID = 5100, 5101  # one arrangement in two colours


def in_colour(bouquet: Bouquet, colour: str) -> Bouquet:
    main = bouquet.groups[0]
    return replace(bouquet, groups=(replace(main, colour=colour), *bouquet.groups[1:]))


def catalog() -> dict[int, Bouquet]:
    """Red roses or tulips and the same in white, four other white bouquets, three more."""
    rng = random.Random(5)
    drawn = iter(lambda: random_bouquet(rng), None)
    arrangement = next(
        b for b in drawn if b.groups[0].kind in ("rose", "tulip") and len(b.groups) == 1
    )
    found = {RED_ID: in_colour(arrangement, "red"), WHITE_ID: in_colour(arrangement, "white")}
    white = (
        in_colour(b, "white")
        for b in drawn
        if len(b.groups) == 1 and "white" in KIND_COLOURS[b.groups[0].kind]
    )
    for n in range(4):
        found[5102 + n] = next(white)
    for n in range(3):
        found[5106 + n] = random_bouquet(rng)
    return found


@pytest.fixture
def shop(live_app, sqlite_url, photos_served):
    """A running Vitrina whose worker indexed the catalog (two shop photos a product)."""
    shots = {pid: [jpeg(render(bouquet, v), 88) for v in (0, 1)] for pid, bouquet in catalog().items()}
    with live_app(sqlite_url, run_worker=True) as client:
        list_products(client, photos_served, shots, folder="v")
        yield client


def search(client, photo: bytes, text: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    body: dict[str, object] = {"image_base64": base64.b64encode(photo).decode(), "top_k": 10}
    if text is not None:
        body["text"] = text
    answer = client.post("/api/v1/search", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("style", [zoom, tilted], ids=["zoom", "tilted"])
def test_the_same_but_white_puts_the_white_variant_first_when_only_the_red_verifies(shop, style):
    red = catalog()[RED_ID]
    query = jpeg(style(render(red, 1), random.Random(3)), 85)

    plain = search(shop, query)
    assert plain["results"][0]["product_id"] == RED_ID
    first = plain["results"][0]["verification"]
    assert first is not None and first["inliers"] >= plain["exact_min_inliers"]

    body = search(shop, query, "такой же, но белый")
    assert body["understood"] == {"colour": "white"}
    by_id = {r["product_id"]: r for r in body["results"]}
    check = by_id[WHITE_ID]["verification"]
    # The case at issue: the white variant does not verify as the photo...
    assert check is None or check["inliers"] < body["exact_min_inliers"]
    # ...and still comes first, as the arrangement photographed in the colour asked.
    assert body["results"][0]["product_id"] == WHITE_ID
    # Not exact: it did not verify; and no other white bouquet is either.
    assert body["exact"] == []
