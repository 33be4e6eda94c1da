"""The worker's pipeline — the next batch downloaded and described while this one is embedded,
the previous one written meanwhile — indexes every photo of a backlog several batches long, and
a bad photo fails its own product's job with its reason, not its batch's neighbours."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import ADMIN_TOKEN, SECRET
from tests.images.photo_server import HTML
from tests.search.test_visual_search import upload, wait_until_idle
from tests.support.photos import altered, jpeg, photo_server, sample_photos
from tests.support.webhooks import sample_product, send

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PHOTOS = sample_photos()


def test_a_backlog_of_several_batches_is_indexed_photo_by_photo(
    live_app: Callable[..., Any], sqlite_url: str
) -> None:
    good = {3000 + n: jpeg(photo) for n, photo in enumerate(PHOTOS.values())}
    good |= {3100 + n: jpeg(altered(photo)) for n, photo in enumerate(PHOTOS.values())}
    with photo_server() as served, live_app(sqlite_url, run_worker=True, worker_batch=3) as client:
        broken = {
            3200: served.base_url + "/missing.jpg",
            3201: served.add("/page.jpg", HTML, content_type="image/jpeg"),
        }
        urls = {pid: served.add(f"/{pid}.jpg", data) for pid, data in good.items()}
        # Interleaved, so the broken photos share their batches with good ones.
        for pid, url in [*list(urls.items())[:5], *broken.items(), *list(urls.items())[5:]]:
            product = sample_product(id=pid, image=url, images=[url])
            assert send(client, "created", product, secret=SECRET).status_code == 200
        stats = wait_until_idle(client)
        assert stats["total_indexed"] == len(good)
        assert stats["queue"]["dead"] == len(broken)
        dead = client.get("/api/v1/jobs", params={"state": "dead"}, headers=ADMIN).json()
        reasons = {job["product_id"]: job["last_error"] for job in dead}
        assert set(reasons) == set(broken)
        assert "not a photo" in reasons[3201]
        for pid, data in good.items():
            first = upload(client, data, top_k=1).json()["results"][0]
            assert first["product_id"] == pid
