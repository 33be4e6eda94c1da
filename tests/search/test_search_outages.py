"""The default ``vitrina serve`` (search in its own process) through database outages and a killed
search process: 503 with ``Retry-After`` meanwhile, never a 500, and back by itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import SECRET
from tests.search.test_search_process import _healthy, _search_processes
from tests.support.eventually import eventually
from tests.support.live import free_port
from tests.support.photos import jpeg, sample_photos
from tests.support.postgres import start_server

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").exists(), reason="finds the search process in /proc"
)


def _serve(
    url: str, model_dir: Path, log: Path, **settings: str
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {key: val for key, val in os.environ.items() if not key.startswith("VITRINA_")}
    env.update(
        VITRINA_DATABASE_URL=url,
        VITRINA_MODEL_DIR=str(model_dir),
        VITRINA_WEBHOOK_SECRETS=SECRET,
        VITRINA_LOG_JSON="false",
        **settings,
    )
    with log.open("ab") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "vitrina.cli", "serve", "--port", str(port), "--no-worker"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    return server, f"http://127.0.0.1:{port}"


def _alive(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz").status_code == 200
    except httpx.TransportError:  # not listening yet
        return False


def _search(base: str, photo: bytes) -> httpx.Response:
    return httpx.post(f"{base}/api/v1/search/upload", files={"file": ("q.jpg", photo)}, timeout=120)


def _unavailable(response: httpx.Response) -> bool:
    assert response.status_code in (503, 200), (response.status_code, response.text)
    if response.status_code == 503:
        assert int(response.headers["Retry-After"]) >= 1
        return True
    return False


@pytest.mark.postgres
@pytest.mark.timeout(900)
def test_search_waits_out_postgresql_and_a_killed_search_process_without_a_500(
    tmp_path: Path, model_dir: Path, pgdata: Path
) -> None:
    photo = jpeg(sample_photos()["rocket"])
    pg = start_server(pgdata)
    host = pg.get_uri().split("host=")[1]
    admin = create_engine(f"postgresql+psycopg://postgres@/postgres?host={host}",
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "outage"'))  # empty: serve migrates it itself
    admin.dispose()
    pg.cleanup()  # PostgreSQL is down when serve starts (compose ordering, a failover)
    log = tmp_path / "serve.log"
    server, base = _serve(f"postgresql+psycopg://postgres@/outage?host={host}", model_dir, log)
    try:
        eventually(lambda: _alive(base), timeout=120, what="serve alive without its database")
        assert _unavailable(_search(base, photo))
        assert "database" in httpx.get(f"{base}/readyz").json()["missing"]

        pg = start_server(pgdata)  # the database returns, empty: migrated, then searched
        eventually(lambda: _healthy(int(base.rsplit(":", 1)[1])), timeout=300,
                   what="ready once PostgreSQL is back")
        assert _search(base, photo).status_code == 200

        pg.cleanup()  # an outage while serving
        assert _unavailable(_search(base, photo))
        (child,) = _search_processes(server.pid)
        os.kill(child, signal.SIGKILL)  # and the search process dies during it
        for _ in range(3):
            assert _unavailable(_search(base, photo))

        pg = start_server(pgdata)
        eventually(lambda: not _unavailable(_search(base, photo)), timeout=300,
                   what="search back by itself, no restart")
        assert server.poll() is None
        assert "Traceback" not in log.read_text()
    finally:
        server.terminate()
        server.wait(60)
        pg.cleanup()


def test_a_clean_stop_saves_the_index_file(tmp_path: Path, model_dir: Path) -> None:
    """Without this, a shop under 10,000 photos rebuilt its graph at every start."""
    database = tmp_path / "vitrina.db"
    log = tmp_path / "serve.log"
    server, base = _serve(f"sqlite:///{database}", model_dir, log)
    try:
        eventually(lambda: _healthy(int(base.rsplit(":", 1)[1])), timeout=300, what="ready")
        assert _search(base, jpeg(sample_photos()["rocket"])).status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(120)
    assert server.returncode == 0, log.read_text()
    saved = Path(f"{database}.vectors")
    assert saved.is_dir() and any(saved.iterdir()), log.read_text()


def test_a_wedged_search_process_is_replaced_and_the_customer_gets_503(
    tmp_path: Path, model_dir: Path
) -> None:
    """A child that stops answering (here: SIGSTOP) holds no API thread past the deadline."""
    photo = jpeg(sample_photos()["rocket"])
    log = tmp_path / "serve.log"
    server, base = _serve(f"sqlite:///{tmp_path / 'vitrina.db'}", model_dir, log,
                          VITRINA_SEARCH_DEADLINE_S="10")
    try:
        eventually(lambda: _healthy(int(base.rsplit(":", 1)[1])), timeout=300, what="ready")
        assert _search(base, photo).status_code == 200
        (wedged,) = _search_processes(server.pid)
        os.kill(wedged, signal.SIGSTOP)

        answer = _search(base, photo)
        assert answer.status_code == 503, answer.text
        assert int(answer.headers["Retry-After"]) >= 1
        assert "did not answer find within 10 s" in log.read_text()
        eventually(lambda: "replaced and warmed" in log.read_text(), timeout=300,
                   what="a new search process, warmed")
        assert _search(base, photo).status_code == 200
        assert wedged not in _search_processes(server.pid)
        assert not Path(f"/proc/{wedged}").exists()  # killed and reaped, not left stopped
        assert "Traceback" not in log.read_text()
    finally:
        server.terminate()
        server.wait(60)
