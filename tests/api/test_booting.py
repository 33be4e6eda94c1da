"""``vitrina serve`` answers ``/healthz`` before its routes are even imported (issue 20), and hands
over to the real app once it is built: until then ``/readyz`` names the app as loading and every
other route is 503 ``starting`` with ``Retry-After``, as while the database migrates."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.support.eventually import eventually
from tests.support.live import serve_in_thread
from tests.test_startup_imports import heavy_modules_after
from vitrina.api.app import create_app
from vitrina.api.booting import BootingApp
from vitrina.config import Settings


def test_health_answers_while_the_app_loads_then_the_app_answers(
    make_settings: Callable[..., Settings], sqlite_url: str
) -> None:
    settings = make_settings(database_url=sqlite_url)
    release = threading.Event()

    def build() -> FastAPI:
        assert release.wait(60), "the test never let the app load"
        return create_app(settings, migrate=True)

    with serve_in_thread(BootingApp(build)) as base, httpx.Client(
        base_url=base, timeout=30
    ) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        loading = client.get("/readyz")
        assert loading.status_code == 503 and int(loading.headers["Retry-After"]) >= 1
        assert loading.json()["missing"]["app"] == "loading"
        for path in ("/api/v1/products", "/", "/dashboard"):
            answer = client.get(path)
            assert answer.status_code == 503, (path, answer.text)
            assert answer.json()["error"]["code"] == "starting"
            assert int(answer.headers["Retry-After"]) >= 1
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
        posted = client.post("/api/v1/webhooks/product-sync", content=b"{}")
        assert posted.status_code == 503  # not applied, not an error: the sender retries

        release.set()
        eventually(lambda: client.get("/readyz").status_code == 200, what="ready")
        assert client.get("/api/v1/products").json()["total"] == 0
        assert client.get("/healthz").json() == {"status": "ok"}


def test_an_app_that_fails_to_build_is_named_by_readiness(
    make_settings: Callable[..., Settings], sqlite_url: str
) -> None:
    def build() -> FastAPI:
        raise RuntimeError("a broken install")

    with serve_in_thread(BootingApp(build)) as base, httpx.Client(
        base_url=base, timeout=30
    ) as client:

        def says_why() -> str:
            answer = client.get("/readyz")
            assert answer.status_code == 503
            reason = str(answer.json()["missing"]["app"])
            assert reason != "loading"
            return reason

        reason = eventually(says_why, what="/readyz naming the failed app")
        assert "a broken install" in reason
        assert client.get("/healthz").status_code == 200


def test_a_stop_during_the_load_still_shuts_the_app_down(
    make_settings: Callable[..., Settings], sqlite_url: str
) -> None:
    """The server stops while the app is still loading: the stop waits for the load, then runs
    the app's own shutdown — no worker, writer or search process left behind."""
    settings = make_settings(database_url=sqlite_url)
    release = threading.Event()
    built: list[FastAPI] = []

    def build() -> FastAPI:
        assert release.wait(60)
        built.append(create_app(settings, migrate=True))
        return built[0]

    with serve_in_thread(BootingApp(build)) as base:
        assert httpx.get(base + "/readyz").json()["missing"]["app"] == "loading"
        # Let the load go on only once the server is stopping (serve_in_thread's exit).
        threading.Timer(0.5, release.set).start()
    assert built, "the stop did not wait for the load"
    services = built[0].state.services  # set by the app's lifespan: it did start …
    with pytest.raises(RuntimeError):  # … and its shutdown closed the webhook writer
        services.writer.submit(print)


def test_serve_imports_no_route_before_it_answers(tmp_path: Path) -> None:
    """What ``vitrina serve`` runs before uvicorn listens loads none of the routes' libraries."""
    code = f"""
import os
os.environ["VITRINA_DATABASE_URL"] = "sqlite:///{tmp_path}/s.db"
os.environ["VITRINA_MODEL_DIR"] = "{tmp_path}/models"
import uvicorn
import vitrina.cli.main
from vitrina.api.booting import BootingApp
from vitrina.cli.settings import settings_or_exit
from vitrina.http.slow_clients import GuardedHttpProtocol
from vitrina.logs import configure_logging

settings_or_exit()
"""
    loaded = heavy_modules_after(code, ("fastapi", "jinja2", "httpx", "prometheus_client", "rich",
                                        "vitrina.api.app", "vitrina.catalog.models"))
    assert loaded == set()
