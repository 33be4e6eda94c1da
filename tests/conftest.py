"""Shared fixtures: databases (SQLite and a real PostgreSQL), settings, a live app on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

from tests.support.live import serve_in_thread
from tests.support.postgres import PostgresForTests, private_data_dir
from vitrina.config import Settings, load_settings
from vitrina.ingest.signatures import new_secret

# Hypothesis's per-example deadline is a timing assertion, and a loaded 2-core machine fails
# it at random: examples are judged by what they do, never by how long they took.
hypothesis_settings.register_profile("vitrina", deadline=None)
hypothesis_settings.load_profile("vitrina")

SECRET = new_secret()
ADMIN_TOKEN = "test-admin-token"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresForTests]:
    server = PostgresForTests()
    yield server
    server.stop()


@pytest.fixture
def pgdata() -> Iterator[Path]:
    """A PostgreSQL data directory of the test's own (for tests that stop and restart their
    server), removed afterwards; the test stops its server first."""
    path = private_data_dir()
    yield path
    shutil.rmtree(path.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every test (migrating each time is slower)."""
    from vitrina.db import make_engine
    from vitrina.migrations import upgrade

    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh migrated database: the test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "vitrina.db"
        shutil.copy(sqlite_template, target)
        return f"sqlite:///{target}"
    pg: PostgresForTests = request.getfixturevalue("postgres")
    return pg.fresh_database()


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh migrated SQLite database only (for tests about the embedded default)."""
    target = tmp_path / "vitrina.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model cache per test run: building the ONNX model once is enough.

    Under pytest-xdist the workers share it (their temp dirs have a common parent); the model
    file is written to a temporary name and renamed, so a worker never reads a half-built one.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    path = root / "models"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def make_settings(model_dir: Path) -> Callable[..., Settings]:
    def build(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "webhook_secrets": [SECRET],
            "admin_token": ADMIN_TOKEN,
            "model_dir": model_dir,
            "image_hosts_allow": ["127.0.0.1", "localhost"],
            "log_json": False,
            # Search on the app's own threads: a test's server stays one process and starts
            # fast. The search process (the default) has its own tests, and every test that
            # runs `vitrina serve` uses it.
            "search_process": False,
        }
        values.update(overrides)
        return load_settings(**values)

    return build


@pytest.fixture
def live_app(make_settings: Callable[..., Settings]) -> Callable[..., Iterator[httpx.Client]]:
    """Start a real Vitrina server for the given settings; yields an httpx client bound to it."""
    from contextlib import contextmanager

    from vitrina.api.app import create_app

    @contextmanager
    def start(
        database_url: str, *, run_worker: bool = False, **overrides: object
    ) -> Iterator[httpx.Client]:
        settings = make_settings(database_url=database_url, **overrides)
        app = create_app(settings, run_worker=run_worker)
        with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url, timeout=30) as client:
            yield client

    return start
