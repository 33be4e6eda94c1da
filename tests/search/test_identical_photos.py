"""A shop's own photo, searched as it is, finds itself: first, through that very photo, and the
only product called exact — among colour variants of the same bouquet, and when the photo has a
strong orange/yellow cast (sunflowers, orange roses under warm light). Over real HTTP, with the
real worker indexing real photographs.
"""

from __future__ import annotations

import pytest
from PIL import Image

from tests.search.listed import list_products
from tests.search.test_visual_search import upload
from tests.support.photos import jpeg, sample_photos
from tests.support.recolour import colour_variant, warm_cast

PHOTOS = sample_photos()
FLOWER = PHOTOS["flower"]  # a real photograph of a pink-red flower (scikit-learn)
# The flower as a shop lists it: the photographed colour and four colour variants, each its own
# product with its own photo.
VARIANTS = {
    7100: FLOWER,
    **{
        7101 + n: colour_variant(FLOWER, colour)
        for n, colour in enumerate(("yellow", "blue", "purple", "orange"))
    },
}
# Products whose second photo was taken under warm light (the orange variant among them).
WARM = {7104: VARIANTS[7104], 7200: PHOTOS["china"], 7201: PHOTOS["coffee"]}
OTHERS = {7300: PHOTOS["chelsea"], 7301: PHOTOS["astronaut"], 7302: PHOTOS["rocket"]}
# A phone's 12-megapixel photo: the worker and the search both decode it in draft mode (at 1/8
# and 1/4 of its size), yet the same file must still find itself.
BIG = {7400: PHOTOS["china"].resize((4000, 3000), Image.Resampling.BICUBIC)}


@pytest.fixture
def shop(live_app, sqlite_url, photos_served):
    """The variants, the products with a warm-cast second photo and a few others, indexed."""
    shots = {pid: [jpeg(photo)] for pid, photo in (VARIANTS | OTHERS | BIG).items()}
    shots |= {pid: [jpeg(photo), jpeg(warm_cast(photo))] for pid, photo in WARM.items()}
    titles = {pid: {"title": f"Букет {pid}"} for pid in shots}
    with live_app(sqlite_url, run_worker=True) as client:
        stats = list_products(client, photos_served, shots, folder="p", fields=titles)
        assert stats["total_indexed"] == sum(len(p) for p in shots.values())
        yield client, shots, photos_served.base_url


def assert_finds_itself(client, data: bytes, pid: int, url: str) -> None:
    body = upload(client, data, top_k=10).json()
    first = body["results"][0]
    assert (first["product_id"], first["matched_image_url"]) == (pid, url), body["results"][:3]
    assert first["similarity"] >= 0.99
    assert [r["product_id"] for r in body["exact"]] == [pid], body["exact"]


def test_each_colour_variants_own_photo_is_first_and_the_only_exact(shop):
    client, shots, base = shop
    for pid in VARIANTS:
        assert_finds_itself(client, shots[pid][0], pid, f"{base}/p/{pid}/0.jpg")


def test_a_warm_cast_catalog_photo_finds_itself_through_that_photo(shop):
    client, shots, base = shop
    for pid in WARM:
        assert_finds_itself(client, shots[pid][1], pid, f"{base}/p/{pid}/1.jpg")


def test_the_plain_photo_of_a_product_with_a_warm_cast_one_still_finds_itself(shop):
    client, shots, base = shop
    for pid in WARM:
        assert_finds_itself(client, shots[pid][0], pid, f"{base}/p/{pid}/0.jpg")


def test_a_12_megapixel_photo_decoded_in_draft_mode_finds_itself(shop):
    client, shots, base = shop
    for pid in BIG:
        assert len(shots[pid][0]) > 500_000  # a real big file, not a thumbnail
        assert_finds_itself(client, shots[pid][0], pid, f"{base}/p/{pid}/0.jpg")
