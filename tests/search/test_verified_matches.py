""" "Exact" means verified, "similar" respects colour — over real HTTP, with the real worker.

The catalog is drawn bouquets (the stand-in shop's drawings), one of them also offered in another
colour as a separate product, as shops do. Queries are customer-style photos made from them.
"""

from __future__ import annotations

import base64
import os
import random
import subprocess
import sys
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, text

from tests.search.listed import list_products
from tests.search.test_visual_search import upload
from tests.support.photos import jpeg, sample_photos
from vitrina.search.customer_photos import occluded, recoloured, screen, story, warm
from vitrina.standin.photos import (
    FLOWER_COLOURS,
    KIND_COLOURS,
    Bouquet,
    random_bouquet,
    render,
)

BOUQUETS = 5
VARIANT_ID = 2000  # the first bouquet in another colour


def bouquets() -> list[Bouquet]:
    rng = random.Random(7)
    found: list[Bouquet] = []
    while len(found) < BOUQUETS:
        bouquet = random_bouquet(rng)
        # The first one needs a second colour of its main flower for the variant.
        if found or len(KIND_COLOURS[bouquet.groups[0].kind]) > 1:
            found.append(bouquet)
    return found


BOUQUETS_DRAWN = bouquets()
IDS = [3000 + n for n in range(BOUQUETS)]


def variant_of(bouquet: Bouquet) -> Bouquet:
    """The bouquet with its main flowers in the colour furthest from theirs (white → purple)."""
    main = bouquet.groups[0]
    here = FLOWER_COLOURS[main.colour]
    other = max(
        KIND_COLOURS[main.kind],
        key=lambda c: sum((a - b) ** 2 for a, b in zip(FLOWER_COLOURS[c], here, strict=True)),
    )
    return replace(bouquet, groups=(replace(main, colour=other), *bouquet.groups[1:]))


VARIANT = variant_of(BOUQUETS_DRAWN[0])


@pytest.fixture
def shop(live_app, sqlite_url, photos_served):
    """A running Vitrina whose worker indexed the bouquets and the colour variant."""
    recipes = [*zip(IDS, BOUQUETS_DRAWN, strict=True), (VARIANT_ID, VARIANT)]
    shots = {pid: [jpeg(render(bouquet, v), 88) for v in (0, 1)] for pid, bouquet in recipes}
    titles = {pid: {"title": f"Букет {pid}"} for pid in shots}
    with live_app(sqlite_url, run_worker=True) as client:
        stats = list_products(client, photos_served, shots, folder="b", fields=titles)
        assert stats["total_indexed"] == 2 * (BOUQUETS + 1)
        yield client, sqlite_url


def exact_ids(body: dict) -> list[int]:
    return [r["product_id"] for r in body["exact"]]


def test_story_screenshot_finds_its_product_and_says_why(shop):
    client, _ = shop
    query = story(render(BOUQUETS_DRAWN[2], 0), random.Random(1))
    body = upload(client, jpeg(query, 80), top_k=5).json()
    assert body["results"][0]["product_id"] == IDS[2]
    assert exact_ids(body) == [IDS[2]]
    check = body["exact"][0]["verification"]
    assert check["exact"] is True
    assert check["inliers"] >= body["exact_min_inliers"]
    assert check["colour_agreement"] >= body["exact_colour_agree"]
    assert 0 < body["exact"][0]["similarity"] <= 1
    # Where the product is: the story's photo (55-80 % of its width), not the frame around it.
    left, top, width, height = body["region"]
    assert 0.5 < width < 0.85 and left > 0 and top > 0 and top + height < 1
    plain = upload(client, jpeg(render(BOUQUETS_DRAWN[2], 0), 80), top_k=5).json()
    assert plain["region"] is None


def test_search_page_shows_the_checked_match_first(shop):
    client, _ = shop
    query = story(render(BOUQUETS_DRAWN[2], 0), random.Random(5))
    page = client.post("/search", files={"file": ("story.jpg", jpeg(query, 80), "image/jpeg")})
    assert page.status_code == 200
    exact = page.text.split('<section class="group exact">')[1].split("</section>")[0]
    assert f'data-product-id="{IDS[2]}"' in exact
    assert ">Точно такой</p>" in exact  # one verdict, Russian by default
    assert "деталей вашего фото совпадают с этим" in exact  # and why, on hover
    assert f'data-product-id="{VARIANT_ID}"' not in exact


def test_same_answer_by_url_base64_and_on_a_screen(shop, photos_served):
    client, _ = shop
    query = jpeg(screen(render(BOUQUETS_DRAWN[3], 0), random.Random(2)), 80)
    url = photos_served.add("/q/screen.jpg", query)
    by_url = client.post("/api/v1/search", json={"image_url": url, "top_k": 5}).json()
    by_b64 = client.post(
        "/api/v1/search", json={"image_base64": base64.b64encode(query).decode(), "top_k": 5}
    ).json()
    for body in (by_url, by_b64):
        assert body["results"][0]["product_id"] == IDS[3]
        assert exact_ids(body) == [IDS[3]]


def test_recoloured_copy_is_never_exact_but_its_arrangement_comes_first(shop):
    client, _ = shop
    for recipe, arrangement in (
        (BOUQUETS_DRAWN[0], {IDS[0], VARIANT_ID}),
        (BOUQUETS_DRAWN[1], {IDS[1]}),
    ):
        for seed in range(4):
            query = recoloured(render(recipe, 0), random.Random(seed))
            body = upload(client, jpeg(query), top_k=10).json()
            assert exact_ids(body) == []
            # The same bouquet in other colours is still the nearest thing the shop sells,
            # however far its colours are from the photo's.
            assert body["results"][0]["product_id"] in arrangement, seed


def test_colour_variant_is_similar_not_exact(shop):
    client, _ = shop
    # A customer's photo of either colour: that one is first and exact, never the other one.
    for recipe, wanted, other in (
        (VARIANT, VARIANT_ID, IDS[0]),
        (BOUQUETS_DRAWN[0], IDS[0], VARIANT_ID),
    ):
        for style in (warm, screen):
            query = jpeg(style(render(recipe, 0), random.Random(3)), 80)
            body = upload(client, query, top_k=10).json()
            assert body["results"][0]["product_id"] == wanted, style.__name__
            assert exact_ids(body) in ([wanted], []), style.__name__
            assert other in [r["product_id"] for r in body["results"]]
    body = upload(client, jpeg(warm(render(VARIANT, 0), random.Random(3))), top_k=10).json()
    assert exact_ids(body) == [VARIANT_ID]
    # "More like this" of the original: the variant is listed, but not as exact.
    more = client.get(f"/api/v1/products/{IDS[0]}/similar", params={"top_k": 10}).json()
    assert VARIANT_ID in [r["product_id"] for r in more["results"]]
    assert VARIANT_ID not in exact_ids(more)
    # By product id the product itself comes first, verified against its own photo.
    itself = client.post("/api/v1/search", json={"product_id": IDS[0], "top_k": 5}).json()
    assert exact_ids(itself)[0] == IDS[0]


def test_a_bouquet_in_one_colour_ranks_that_colour_first(shop):
    """Another bouquet of the same recipe (the flowers arranged anew) photographed in warm light:
    of the two products of the same shape, the one in the photo's colour comes first."""
    client, _ = shop
    for recipe, wanted, other in (
        (BOUQUETS_DRAWN[0], IDS[0], VARIANT_ID),
        (VARIANT, VARIANT_ID, IDS[0]),
    ):
        rearranged = replace(recipe, seed=recipe.seed + 1)
        query = jpeg(warm(render(rearranged, 0), random.Random(6)), 80)
        ranked = [r["product_id"] for r in upload(client, query, top_k=10).json()["results"]]
        assert ranked.index(wanted) < ranked.index(other), (recipe.groups[0].colour, ranked)


def test_unrelated_photo_gets_no_exact(shop):
    client, _ = shop
    for name in ("chelsea", "rocket", "coffee"):
        body = upload(client, jpeg(sample_photos()[name]), top_k=10).json()
        assert exact_ids(body) == [], name


def test_hand_over_the_bouquet_still_exact(shop):
    client, _ = shop
    query = occluded(render(BOUQUETS_DRAWN[4], 1), random.Random(4))
    body = upload(client, jpeg(query, 70), top_k=5).json()
    assert exact_ids(body) == [IDS[4]]


def test_calibrate_reports_and_stores_thresholds(shop, model_dir, live_app):
    _, database_url = shop
    env = {
        **os.environ,
        "VITRINA_DATABASE_URL": database_url,
        "VITRINA_MODEL_DIR": str(model_dir),
        "VITRINA_IMAGE_HOSTS_ALLOW": "127.0.0.1",
        "COLUMNS": "200",
    }

    def vitrina(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "vitrina.cli", "calibrate", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    reported = vitrina("--photos", "5")
    assert reported.returncode == 0, reported.stderr
    assert "40 customer-style queries from 5" in reported.stdout
    assert "not stored" in reported.stdout
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM search_calibration")).scalar() == 0
    stored = vitrina("--photos", "5", "--store")
    assert stored.returncode == 0, stored.stderr
    with engine.connect() as conn:
        row = conn.execute(text("SELECT embedder, thresholds FROM search_calibration")).one()
    engine.dispose()
    assert row[0] == "effnet-lite0" and '"min_inliers"' in row[1]
    import json

    saved = json.loads(row[1])
    with live_app(database_url) as restarted:
        body = restarted.post("/api/v1/search", json={"product_id": IDS[0]}).json()
    assert body["exact_min_inliers"] == saved["min_inliers"]
    assert body["similar_threshold"] == saved["similar"]


def test_bad_calibrate_arguments_are_refused(model_dir, sqlite_url):
    result = subprocess.run(
        [sys.executable, "-m", "vitrina.cli", "calibrate", "--photos", "0"],
        env={**os.environ, "VITRINA_DATABASE_URL": sqlite_url, "VITRINA_MODEL_DIR": str(model_dir)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "--photos" in result.stderr
