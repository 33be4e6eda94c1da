"""A new job is taken at once, not at the worker's next poll: the poll is set to an hour here, so
only the wake-up can explain a product becoming searchable.

Each test first lets one product through (the worker's very first look at the queue could take
it), then sends the one that matters while the worker sleeps on its hour-long poll.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import SECRET
from tests.jobs.test_worker_processes import add_products, start_worker, wait_for
from tests.support.eventually import eventually
from tests.support.photos import jpeg, photo_server, sample_photos
from tests.support.webhooks import sample_product, send
from vitrina.jobs.models import Job

PHOTOS = sample_photos()
AN_HOUR = "3600"


def found_first(client, data: bytes) -> int | None:  # type: ignore[no-untyped-def]
    """The product a customer's photo finds first (``None`` with no result)."""
    response = client.post(  # a search process's first search loads it: slow on a busy machine
        "/api/v1/search/upload", files={"file": ("query.jpg", data, "image/jpeg")}, timeout=180
    )
    assert response.status_code == 200, response.text  # a 503 while it starts: "not yet"
    results = response.json()["results"]
    return results[0]["product_id"] if results else None


@pytest.mark.parametrize("search_process", [False, True], ids=["threads", "search-process"])
def test_a_webhook_wakes_the_embedded_worker_and_the_next_search_finds_the_product(
    live_app, sqlite_url, search_process
):
    first, second = jpeg(PHOTOS["coffee"]), jpeg(PHOTOS["flower"])
    with (
        photo_server() as photos,
        live_app(
            sqlite_url,
            run_worker=True,
            job_poll_s=float(AN_HOUR),
            search_rate_limit=0,
            search_process=search_process,
        ) as client,
    ):
        eventually(
            lambda: client.get("/readyz").status_code == 200,
            timeout=180,
            what="the server's readiness (model, index)",
        )
        for pid, data in ((1, first), (2, second)):
            url = photos.add(f"/upload/{pid}.jpg", data)
            product = sample_product(id=pid, image=url, images=[url])
            assert send(client, "created", product, secret=SECRET).status_code == 200
            # Searched by the photo itself, not by id: the index of the searching side has the
            # new vector at the search after the worker's commit, whichever process searches.
            eventually(lambda d=data, p=pid: found_first(client, d) == p, what=f"product {pid}")


def test_a_worker_process_on_sqlite_takes_a_new_job_without_waiting_for_its_poll(
    sqlite_url, model_dir
):
    with photo_server() as photos:
        urls = {
            pid: photos.add(f"/{pid}.jpg", jpeg(PHOTOS[name]))
            for pid, name in ((1, "coffee"), (2, "flower"))
        }
        add_products(sqlite_url, {1: urls[1]})
        worker = start_worker(sqlite_url, model_dir, VITRINA_JOB_POLL_S=AN_HOUR)
        try:
            done = select(Job).where(Job.state == "done")
            wait_for(sqlite_url, lambda s: s.scalars(done.where(Job.product_id == 1)).first())
            add_products(sqlite_url, {2: urls[2]})  # committed by another process
            wait_for(sqlite_url, lambda s: s.scalars(done.where(Job.product_id == 2)).first())
        finally:
            worker.terminate()
            worker.wait(30)
        assert worker.returncode == 0
