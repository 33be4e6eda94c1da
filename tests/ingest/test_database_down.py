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
