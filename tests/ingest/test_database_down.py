"""When the database is unreachable the webhook answers 503 (retry later), never 500."""

from __future__ import annotations

from tests.conftest import SECRET
from tests.support.webhooks import sample_product, send


def test_database_down_is_503(live_app, tmp_path):
    url = f"postgresql+psycopg://postgres@/vitrina?host={tmp_path}/no-such-socket-dir"
    with live_app(url) as client:
        response = send(client, "created", sample_product(), secret=SECRET)
        assert response.status_code == 503
        assert "Retry later" in response.json()["error"]["message"]
        assert client.get("/healthz").status_code == 200  # alive: restarting would not help
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "database" in ready.json()["missing"]


def test_every_search_route_answers_503_while_the_database_is_down(live_app, tmp_path):
    """Search on the API's threads (the search process has its own test): the same 503 with
    Retry-After as the webhook, never a 500."""
    from tests.support.photos import jpeg, sample_photos

    url = f"postgresql+psycopg://postgres@/vitrina?host={tmp_path}/no-such-socket-dir"
    with live_app(url, search_process=False, search_rate_limit=0) as client:
        answers = [
            client.post("/api/v1/search", json={"product_id": 1}),
            client.post("/api/v1/search/upload",
                        files={"file": ("q.jpg", jpeg(sample_photos()["rocket"]))}),
            client.get("/api/v1/products/1/similar"),
        ]
        for answer in answers:
            assert answer.status_code == 503, (answer.request.url, answer.text)
            assert int(answer.headers["Retry-After"]) >= 1
