"""Liveness apart from readiness: ``/healthz`` from the first second, ``/readyz`` says what waits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.support.eventually import eventually
from tests.support.live import serve_in_thread
from vitrina.api.app import create_app
from vitrina.config import Settings

UNREACHABLE = "postgresql+psycopg://postgres@/vitrina?host={}/no-such-socket-dir"


def test_ready_once_the_index_is_loaded(live_app: Callable[..., Any], sqlite_url: str) -> None:
    with live_app(sqlite_url) as client:
        assert client.get("/healthz").json() == {"status": "ok"}

        def ready() -> dict[str, object]:
            answer = client.get("/readyz")
            assert answer.status_code == 200, answer.json()
            return dict(answer.json())

        body = eventually(ready, what="/readyz ready")
    assert body == {"status": "ready", "ready": ["database", "model", "index"], "missing": {}}


def test_serve_answers_health_while_its_database_is_unreachable(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    """Started as ``vitrina serve`` (migrating) with no database: alive, not ready, and every
    other route says it is starting — 503 with Retry-After, not an error."""
    settings = make_settings(database_url=UNREACHABLE.format(tmp_path))
    with serve_in_thread(create_app(settings, migrate=True)) as base, httpx.Client(
        base_url=base, timeout=30
    ) as client:
        assert client.get("/healthz").status_code == 200

        def says_why() -> dict[str, object]:
            answer = client.get("/readyz")
            assert answer.status_code == 503 and answer.headers["Retry-After"]
            body = dict(answer.json())
            assert "database" in body["missing"] and body["missing"]["database"] != "starting"
            return body

        body = eventually(says_why, what="/readyz naming the unreachable database")
        assert body["status"] == "starting" and body["ready"] == []
        for path in ("/api/v1/products", "/", "/go/1", "/go/1?shop_id=2"):
            answer = client.get(path)
            assert answer.status_code == 503, (path, answer.text)
            assert int(answer.headers["Retry-After"]) >= 1


def test_serve_migrates_an_empty_database_in_the_background(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with serve_in_thread(create_app(settings, migrate=True)) as base, httpx.Client(
        base_url=base, timeout=30
    ) as client:
        assert client.get("/healthz").status_code == 200
        eventually(lambda: client.get("/readyz").status_code == 200, what="ready")
        assert client.get("/api/v1/products").json()["total"] == 0
