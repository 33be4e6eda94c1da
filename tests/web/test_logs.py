"""Structured logs: the request id of a webhook follows it into the worker's reindex job."""

from __future__ import annotations

import io
import json
import logging

from tests.conftest import SECRET
from tests.support.eventually import eventually
from tests.support.photos import photo_server
from tests.support.webhooks import sample_product, send
from vitrina.logs import JsonFormatter


def test_webhook_request_id_follows_into_the_reindex_job(live_app, sqlite_url):
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("vitrina")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        with photo_server() as photos, live_app(sqlite_url, run_worker=True) as client:
            missing = photos.base_url + "/gone.jpg"
            product = sample_product(id=4242, image=missing, images=[missing])
            response = send(client, "created", product, secret=SECRET)
            request_id = response.headers["x-request-id"]
            eventually(
                lambda: client.get("/api/v1/stats").json()["queue"]["dead"],
                timeout=120,
                what="the job's dead outcome",
            )
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    entries = [json.loads(line) for line in lines.getvalue().splitlines()]
    mine = [e for e in entries if e.get("request_id") == request_id]
    assert any(e["logger"] == "vitrina.ingest" and e.get("product_id") == 4242 for e in mine)
    assert any(e["logger"] == "vitrina.worker" and "404" in e["message"] for e in mine)
