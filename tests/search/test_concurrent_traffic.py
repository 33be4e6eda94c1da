"""Many customers at once on the embedded default (SQLite): nobody waits on anybody's lock.

Searches, product reads, the dashboard's data, webhooks and the worker all run side by side
against one live server; every request must answer 2xx. A product read is given up after 2 s,
as a customer's browser would feel it: with reads starting write transactions, reads waited for
the 30 s busy timeout and answered 503.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, SECRET
from tests.search.test_visual_search import wait_until_idle
from tests.support.photos import altered, jpeg, photo_server, sample_photos
from tests.support.webhooks import sample_product, send

PHOTOS = sample_photos()
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def _search(client: httpx.Client, data: bytes) -> int:
    files = {"file": ("query.jpg", data, "image/jpeg")}
    return client.post("/api/v1/search/upload", files=files).status_code


def test_two_searches_at_the_same_moment_on_an_idle_server_both_answer(live_app, sqlite_url):
    queries = [jpeg(altered(PHOTOS["flower"])), jpeg(altered(PHOTOS["coffee"]))]
    with photo_server() as photos, live_app(sqlite_url, search_rate_limit=0) as client:
        url = photos.add("/upload/flower.jpg", jpeg(PHOTOS["flower"]))
        assert send(client, "created", sample_product(image=url, images=[url]), secret=SECRET)
        barrier = threading.Barrier(2)

        def one(data: bytes) -> int:
            barrier.wait()
            return _search(client, data)

        with ThreadPoolExecutor(2) as pool:
            assert list(pool.map(one, queries)) == [200, 200]


@pytest.mark.parametrize("search_process", [True, False], ids=["search-process", "threads"])
def test_searches_reads_webhooks_and_the_worker_side_by_side_all_answer(
    live_app, sqlite_url, search_process
):
    names = list(PHOTOS)
    queries = [jpeg(altered(PHOTOS[name])) for name in names]
    with (
        photo_server() as photos,
        live_app(
            sqlite_url, run_worker=True, search_rate_limit=0, search_process=search_process
        ) as client,
    ):
        urls = {name: photos.add(f"/upload/{name}.jpg", jpeg(PHOTOS[name])) for name in names}
        for n, name in enumerate(names[:3]):
            product = sample_product(id=100 + n, image=urls[name], images=[urls[name]])
            assert send(client, "created", product, secret=SECRET).status_code == 200
        wait_until_idle(client)
        base_url = str(client.base_url)
        outcomes: list[tuple[str, int]] = []
        lock = threading.Lock()

        def record(kind: str, status: int) -> None:
            with lock:
                outcomes.append((kind, status))

        def searcher(k: int) -> None:
            with httpx.Client(base_url=base_url, timeout=60) as own:
                for i in range(6):
                    record("search", _search(own, queries[(k + i) % len(queries)]))

        def reader(k: int) -> None:
            # A read that takes more than 2 s counts as a failure (httpx raises).
            with httpx.Client(base_url=base_url, timeout=2) as own:
                for i in range(25):
                    path = "/api/v1/products" if i % 2 else f"/api/v1/products/{100 + i % 3}"
                    record("read", own.get(path).status_code)
                    record("dashboard", own.get("/api/v1/dashboard", headers=ADMIN).status_code)

        def shop(k: int) -> None:
            with httpx.Client(base_url=base_url, timeout=10) as own:
                for i in range(20):
                    pid = 200 + k * 100 + i
                    name = names[(k + i) % len(names)]
                    # New products (the worker downloads and embeds their photos) and price
                    # changes of existing ones, interleaved.
                    product = (
                        sample_product(id=pid, image=urls[name], images=[urls[name]])
                        if i % 2
                        else sample_product(
                            id=100 + i % 3,
                            price=f"{1000 + i} ₸",
                            image=urls[names[i % 3]],
                            images=[urls[names[i % 3]]],
                        )
                    )
                    record("webhook", send(own, "updated", product, secret=SECRET).status_code)

        with ThreadPoolExecutor(10) as pool:
            futures = [pool.submit(searcher, k) for k in range(4)]
            futures += [pool.submit(reader, k) for k in range(3)]
            futures += [pool.submit(shop, k) for k in range(3)]
            for future in futures:
                future.result()  # a timeout or a dropped connection fails the test here
        failed = [(kind, status) for kind, status in outcomes if not 200 <= status < 300]
        assert not failed, failed
        assert len(outcomes) == 4 * 6 + 3 * 50 + 3 * 20
        stats = wait_until_idle(client)
        assert stats["queue"]["dead"] == 0
