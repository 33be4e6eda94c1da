"""``GET /metrics`` after real webhooks: counters, route-template labels, database gauges."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ADMIN_TOKEN, SECRET
from tests.support.webhooks import sample_product, send
from vitrina.metrics import observe_embedding, observe_fetch_failure


def scrape(client: httpx.Client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_webhooks_requests_and_read_the_queue(live_app, database_url):
    with live_app(database_url) as client:
        before = scrape(client)
        product = sample_product(id=900)
        send(client, "created", product, secret=SECRET, msg_id="m-1")
        send(client, "created", product, secret=SECRET, msg_id="m-1")
        send(client, "updated", sample_product(id=901), secret=SECRET)
        send(client, "created", sample_product(id=902, price="нет"), secret=SECRET)
        client.post("/api/v1/jobs/12345/retry", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        client.get("/no/such/page/42")
        after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("vitrina_webhook_events_total", outcome="created") == 2  # 900 and 901 (upsert)
    assert delta("vitrina_webhook_events_total", outcome="duplicate") == 1
    assert delta("vitrina_webhook_events_total", outcome="rejected") == 1
    webhook = {"method": "POST", "route": "/api/v1/webhooks/product-sync"}
    assert delta("vitrina_http_requests_total", **webhook, status="200") == 3
    assert delta("vitrina_http_requests_total", **webhook, status="422") == 1
    assert delta("vitrina_http_request_duration_seconds_count", **webhook) == 4
    # Labels are route templates, never raw paths.
    retry = {"method": "POST", "route": "/api/v1/jobs/{job_id}/retry", "status": "404"}
    assert delta("vitrina_http_requests_total", **retry) == 1
    assert delta("vitrina_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    assert not any("12345" in dict(labels).get("route", "") for _, labels in after)
    # Gauges come from this app's database at scrape time.
    assert value(after, "vitrina_database_up") == 1
    assert value(after, "vitrina_jobs", state="pending") == 2
    assert value(after, "vitrina_queue_depth") == 2
    assert value(after, "vitrina_dead_jobs") == 0
    assert value(after, "vitrina_oldest_pending_job_age_seconds") >= 0
    assert ("vitrina_index_vectors", frozenset({("embedder", "effnet-lite0")})) in after


def test_worker_hooks_show_up(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        before = scrape(client)
        observe_embedding(0.2, 3)
        observe_fetch_failure("photo_not_found")
        observe_fetch_failure("photo_not_found")
        after = scrape(client)
    assert value(after, "vitrina_embedded_photos_total") - value(
        before, "vitrina_embedded_photos_total"
    ) == 3
    assert value(after, "vitrina_embedding_seconds_count") - value(
        before, "vitrina_embedding_seconds_count"
    ) == 1
    failures = ("vitrina_photo_fetch_failures_total", {"reason": "photo_not_found"})
    assert value(after, failures[0], **failures[1]) - value(before, failures[0], **failures[1]) == 2


def test_each_app_reports_its_own_database(live_app, sqlite_url, tmp_path, sqlite_template):
    import shutil

    other = tmp_path / "other.db"
    shutil.copy(sqlite_template, other)
    with live_app(sqlite_url) as first, live_app(f"sqlite:///{other}") as second:
        send(first, "created", sample_product(id=1), secret=SECRET)
        send(first, "created", sample_product(id=2), secret=SECRET)
        send(second, "created", sample_product(id=3), secret=SECRET)
        assert value(scrape(first), "vitrina_queue_depth") == 2
        assert value(scrape(second), "vitrina_queue_depth") == 1
