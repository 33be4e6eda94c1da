"""PostgreSQL restarts under a running Vitrina: 503 while it is down, then business as usual."""

from __future__ import annotations

import pytest

from tests.conftest import SECRET
from tests.support.eventually import eventually
from tests.support.postgres import migrated_database, start_server
from tests.support.webhooks import sample_product, send

pytestmark = pytest.mark.postgres


def test_webhooks_resume_after_the_database_restarts(live_app, pgdata):
    server = start_server(pgdata)
    url = migrated_database(server, "restart")
    try:
        with live_app(url) as client:
            assert send(client, "created", sample_product(), secret=SECRET).status_code == 200
            server.cleanup()  # stop PostgreSQL under the running service
            down = send(client, "updated", sample_product(price="1 ₸"), secret=SECRET)
            assert down.status_code == 503
            server = start_server(pgdata)
            def applied():  # type: ignore[no-untyped-def]
                again = send(client, "updated", sample_product(price="30 000 ₸"), secret=SECRET)
                assert again.status_code in (200, 503), again.text  # 503 until it is back
                return again if again.status_code == 200 else None

            again = eventually(applied, timeout=30, what="the webhook applied after the restart")
            assert again.json()["action"] == "updated"
            assert client.get("/api/v1/products/698977").json()["price"] == 3_000_000
    finally:
        server.cleanup()
