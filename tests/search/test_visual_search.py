"""Webhook → worker → search, end to end over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, SECRET
from tests.images.photo_server import BOMB, HTML
from tests.support.eventually import eventually
from tests.support.photos import altered, jpeg, photo_server, sample_photos
from tests.support.webhooks import sample_product, send

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PHOTOS = sample_photos()
IDS = {name: 1000 + n for n, name in enumerate(PHOTOS)}


def wait_until_idle(client: httpx.Client, timeout: float = 120.0) -> dict:
    def idle() -> dict:
        stats = client.get("/api/v1/stats").json()
        assert stats["queue"]["pending"] == 0 and stats["queue"]["running"] == 0, stats
        return stats

    return eventually(idle, timeout=timeout)


def upload(client: httpx.Client, data: bytes, **form: object) -> httpx.Response:
    return client.post(
        "/api/v1/search/upload",
        files={"file": ("query.jpg", data, "image/jpeg")},
        data={k: str(v) for k, v in form.items()},
    )


@pytest.fixture
def catalog(live_app, database_url):
    """A running Vitrina with its worker, and one product per sample photo, indexed."""
    with photo_server() as photos, live_app(database_url, run_worker=True) as client:
        for name, image in PHOTOS.items():
            url = photos.add(f"/upload/{name}.jpg", jpeg(image))
            product = sample_product(
                id=IDS[name],
                title=f"Букет {name}",
                price=f"{IDS[name]} ₸",
                image=url,
                images=[url],
                type="catalog" if name in ("coffee", "china") else "vitrina",
            )
            assert send(client, "created", product, secret=SECRET).status_code == 200
        stats = wait_until_idle(client)
        jobs = client.get("/api/v1/jobs", headers=ADMIN).json()
        assert stats["total_indexed"] == len(PHOTOS), (stats, jobs)
        yield client, photos, database_url


def test_altered_photo_finds_its_product_first(catalog):
    client, _, _ = catalog
    for name in ("coffee", "chelsea", "astronaut"):
        response = upload(client, jpeg(altered(PHOTOS[name]), quality=40), top_k=5)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["results"][0]["product_id"] == IDS[name]
        assert body["results"][0]["price"] == IDS[name] * 100
        assert body["exact"][0]["product_id"] == IDS[name]
        assert [r["product_id"] for r in body["exact"]] == [IDS[name]]
        assert body["total_indexed"] == len(PHOTOS)
        assert body["results"][0]["similarity"] > body["results"][1]["similarity"]


def test_delete_disappears_from_results_at_once(catalog):
    client, _, _ = catalog
    send(client, "deleted", {"id": IDS["coffee"]}, secret=SECRET)
    body = upload(client, jpeg(PHOTOS["coffee"])).json()
    assert IDS["coffee"] not in [r["product_id"] for r in body["results"]]


def test_a_sold_out_product_is_the_match_and_never_a_similar_one(catalog):
    client, photos, _ = catalog
    sold_out = IDS["chelsea"]
    url = photos.base_url + "/upload/chelsea.jpg"
    product = sample_product(
        id=sold_out,
        title="Букет chelsea",
        price=f"{sold_out} ₸",
        image=url,
        images=[url],
        isAvailable=False,
    )
    assert send(client, "updated", product, secret=SECRET).status_code == 200
    wait_until_idle(client)
    assert client.get(f"/api/v1/products/{sold_out}").json()["available"] is False

    body = upload(client, jpeg(PHOTOS["chelsea"])).json()
    assert [(r["product_id"], r["available"]) for r in body["exact"]] == [(sold_out, False)]
    assert all(r["available"] is True for r in body["similar"])  # the sample photos differ:
    assert len(body["results"]) > 1  # nothing is "similar", but the nearest are listed
    assert all(r["available"] is (r["product_id"] != sold_out) for r in body["results"])

    other = upload(client, jpeg(PHOTOS["coffee"])).json()
    assert other["exact"][0]["product_id"] == IDS["coffee"]
    assert sold_out not in [r["product_id"] for r in other["results"]]
    # «Похожие букеты» on the sold-out product's page: what is on sale, itself left out.
    like = client.get(f"/api/v1/products/{sold_out}/similar")
    assert like.status_code == 200, like.text
    listed = like.json()["results"]
    assert listed and all(r["available"] and r["product_id"] != sold_out for r in listed)


def test_more_like_a_deleted_product_says_so(catalog):
    client, photos, _ = catalog
    url = photos.add("/upload/deleted.jpg", jpeg(PHOTOS["flower"]))
    product = sample_product(id=4242, image=url, images=[url])
    assert send(client, "created", product, secret=SECRET).status_code == 200
    assert send(client, "deleted", {"id": 4242}, secret=SECRET).status_code == 200
    wait_until_idle(client)
    answer = client.post("/api/v1/search", json={"product_id": 4242})
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "product 4242 is not on sale"
    missing = client.post("/api/v1/search", json={"product_id": 4243})
    assert missing.json()["error"]["message"] == "product 4243 not found"


def test_price_change_shows_at_once_and_embeds_nothing(catalog):
    client, photos, _ = catalog
    before = dict(photos.hits)
    product = sample_product(
        id=IDS["chelsea"],
        title="Букет chelsea",
        price="99 999 ₸",
        image=photos.base_url + "/upload/chelsea.jpg",
        images=[photos.base_url + "/upload/chelsea.jpg"],
    )
    assert send(client, "updated", product, secret=SECRET).json()["reindex_queued"] is True
    body = upload(client, jpeg(PHOTOS["chelsea"])).json()
    assert body["results"][0]["product_id"] == IDS["chelsea"]
    assert body["results"][0]["price"] == 9_999_900
    wait_until_idle(client)
    assert dict(photos.hits) == before  # the photo was not fetched again
    jobs = client.get("/api/v1/jobs", headers=ADMIN).json()
    assert jobs[0]["product_id"] == IDS["chelsea"] and "up to date" in jobs[0]["outcome"]


def test_filters_apply_before_ranking(catalog):
    client, _, _ = catalog
    only_catalog = upload(client, jpeg(PHOTOS["chelsea"]), type="catalog").json()
    assert {r["product_id"] for r in only_catalog["results"]} == {IDS["coffee"], IDS["china"]}
    cheap = upload(client, jpeg(PHOTOS["chelsea"]), price_max=IDS["chelsea"] * 100 - 1).json()
    assert all(r["price"] < IDS["chelsea"] * 100 for r in cheap["results"])
    assert cheap["results"]
    other_shop = upload(client, jpeg(PHOTOS["chelsea"]), shop_id=2).json()
    assert other_shop["results"] == []


def test_more_like_this_excludes_the_product(catalog):
    client, _, _ = catalog
    body = client.get(f"/api/v1/products/{IDS['rocket']}/similar", params={"top_k": 3}).json()
    assert len(body["results"]) == 3
    assert IDS["rocket"] not in [r["product_id"] for r in body["results"]]
    by_id = client.post("/api/v1/search", json={"product_id": IDS["rocket"], "top_k": 1}).json()
    assert by_id["results"][0]["product_id"] == IDS["rocket"]


def test_search_by_url_and_base64(catalog):
    import base64

    client, photos, _ = catalog
    url = photos.add("/query/flower.jpg", jpeg(altered(PHOTOS["flower"])))
    by_url = client.post("/api/v1/search", json={"image_url": url, "top_k": 3}).json()
    assert by_url["results"][0]["product_id"] == IDS["flower"]
    encoded = base64.b64encode(jpeg(altered(PHOTOS["china"]))).decode()
    by_b64 = client.post("/api/v1/search", json={"image_base64": encoded}).json()
    assert by_b64["results"][0]["product_id"] == IDS["china"]


def test_bad_queries_are_clear_client_errors(catalog):
    client, _, _ = catalog
    assert upload(client, b"<html>not a photo</html>").status_code == 422
    assert upload(client, BOMB).status_code == 413
    both = client.post("/api/v1/search", json={"product_id": 1, "image_url": "http://x/y.jpg"})
    assert both.status_code == 422 and "exactly one" in both.json()["error"]["message"]
    private = client.post("/api/v1/search", json={"image_url": "http://10.0.0.1/x.jpg"})
    assert private.status_code == 422


def test_bad_photos_become_dead_jobs_with_reasons(catalog):
    client, photos, _ = catalog
    bad = {
        2001: photos.base_url + "/upload/missing.jpg",
        2002: photos.add("/upload/page.jpg", HTML, content_type="image/jpeg"),
        2003: photos.add("/upload/bomb.png", BOMB, content_type="image/png"),
        2004: "http://xn--zz-.example/x.jpg",  # a malformed international host name
    }
    # A good photo sent with them, so it shares their worker batch: it is indexed all the same.
    good = photos.add("/upload/good.jpg", jpeg(altered(PHOTOS["rocket"])))
    for pid, url in [*bad.items(), (2005, good)]:
        send(client, "created", sample_product(id=pid, image=url, images=[url]), secret=SECRET)
    stats = wait_until_idle(client)
    assert stats["queue"]["dead"] == len(bad)
    assert stats["total_indexed"] == len(PHOTOS) + 1
    dead = {
        job["product_id"]: job
        for job in client.get("/api/v1/jobs", params={"state": "dead"}, headers=ADMIN).json()
    }
    assert set(dead) == set(bad)
    assert "404" in dead[2001]["last_error"] or "not exist" in dead[2001]["last_error"]
    assert "not a photo" in dead[2002]["last_error"]
    assert "pixels" in dead[2003]["last_error"].lower()
    assert "not a valid web address" in dead[2004]["last_error"]
    # the others still answer
    body = upload(client, jpeg(PHOTOS["rocket"])).json()
    assert body["results"][0]["product_id"] == IDS["rocket"]
    # retrying a dead job runs it again (and it dies again, for the same reason)
    retried = client.post(f"/api/v1/jobs/{dead[2001]['id']}/retry", headers=ADMIN)
    assert retried.status_code == 200 and retried.json()["state"] == "pending"
    assert client.get("/api/v1/jobs", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_reindex_one_waits_for_the_outcome(catalog):
    client, _, _ = catalog
    response = client.post(
        "/api/v1/reindex-one",
        params={"wait": "true"},
        json={"product_id": IDS["coffee"], "shop_id": 1},
        headers=ADMIN,
    )
    assert response.status_code == 202
    assert "up to date" in response.json()["outcome"]
    wrong_shop = client.post(
        "/api/v1/reindex-one", json={"product_id": IDS["coffee"], "shop_id": 7}, headers=ADMIN
    )
    assert wrong_shop.status_code == 422


def test_admin_reindex_queues_a_shop_or_only_stale_products(catalog):
    client, _, _ = catalog
    stale = client.post("/api/v1/reindex", json={"stale_only": True}, headers=ADMIN)
    assert stale.status_code == 202 and stale.json() == {"queued": 0}
    shop = client.post("/api/v1/reindex", json={"shop_id": 1}, headers=ADMIN)
    assert shop.json() == {"queued": len(PHOTOS)}
    assert wait_until_idle(client)["total_indexed"] == len(PHOTOS)
    assert client.post("/api/v1/reindex", json={}, headers={}).status_code == 401


@pytest.mark.parametrize(
    "earlier",
    [bytes(78), bytes([1]) + bytes(22)],
    ids=["a 78-byte hue histogram", "another version byte, the same size"],
)
def test_photos_described_by_an_earlier_colour_descriptor_are_described_again(catalog, earlier):
    """After an upgrade, a stale-only reindex finds photos whose colour descriptor an earlier
    version made (another size, or the same size with another version byte) and describes them
    again; search reads them as unknown colour meanwhile instead of comparing two formats."""
    from sqlalchemy import create_engine, text

    from vitrina.descriptors.colour import STORED_BYTES, VERSION

    client, _, database_url = catalog
    engine = create_engine(database_url)
    with engine.begin() as conn:
        image_id = conn.execute(
            text("SELECT id FROM product_images WHERE product_id = :p"), {"p": IDS["chelsea"]}
        ).scalar_one()
        conn.execute(
            text("UPDATE photo_features SET colour = :c WHERE image_id = :i"),
            {"c": earlier, "i": image_id},
        )
    body = upload(client, jpeg(altered(PHOTOS["chelsea"]))).json()
    assert body["results"][0]["product_id"] == IDS["chelsea"]
    assert body["results"][0]["colour_similarity"] is None  # unknown, not compared
    stale = client.post("/api/v1/reindex", json={"stale_only": True}, headers=ADMIN)
    assert stale.json() == {"queued": 1}
    wait_until_idle(client)
    with engine.connect() as conn:
        colour = conn.execute(
            text("SELECT colour FROM photo_features WHERE image_id = :i"), {"i": image_id}
        ).scalar_one()
    engine.dispose()
    assert len(colour) == STORED_BYTES and colour[0] == VERSION
    body = upload(client, jpeg(altered(PHOTOS["chelsea"]))).json()
    assert body["results"][0]["colour_similarity"] is not None


def test_cli_search_jobs_and_reindex(catalog, tmp_path, model_dir):
    import os
    import subprocess
    import sys

    _, _, database_url = catalog
    photo = tmp_path / "query.jpg"
    photo.write_bytes(jpeg(altered(PHOTOS["astronaut"])))
    env = {
        **os.environ,
        "VITRINA_DATABASE_URL": database_url,
        "VITRINA_MODEL_DIR": str(model_dir),
        "COLUMNS": "200",
    }

    def vitrina(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "vitrina.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    found = vitrina("search", str(photo), "--top-k", "3")
    assert found.returncode == 0, found.stderr
    lines = [line for line in found.stdout.splitlines() if "Букет" in line]
    assert "Букет astronaut" in lines[0] and "exact" in lines[0]
    assert len(lines) == 3
    reindexed = vitrina("reindex", "--stale-only")
    assert reindexed.returncode == 0, reindexed.stderr
    assert "0 products queued" in reindexed.stdout
    listed = vitrina("jobs", "list", "--state", "done")
    assert listed.returncode == 0 and str(IDS["coffee"]) in listed.stdout
    missing = vitrina("search", str(tmp_path / "nope.jpg"))
    assert missing.returncode != 0
