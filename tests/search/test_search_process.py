"""Search in its own process (``VITRINA_SEARCH_PROCESS``, the default of ``vitrina serve``).

The answers are the same as on the API's threads, errors come back as the customer should see
them, a search process that dies is replaced (the searches in flight answer 503 with
Retry-After), it runs at a lower CPU priority, and it never outlives the server.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import SECRET
from tests.search.test_visual_search import upload, wait_until_idle
from tests.support.eventually import eventually
from tests.support.live import free_port
from tests.support.photos import altered, jpeg, photo_server, sample_photos
from tests.support.webhooks import sample_product, send
from vitrina.search.process import NICE

PHOTOS = sample_photos()


def _answer(response: httpx.Response) -> list[tuple[int, bool]]:
    body = response.json()
    exact = {r["product_id"] for r in body["exact"]}
    return [(r["product_id"], r["product_id"] in exact) for r in body["results"]]


@pytest.fixture
def indexed(live_app, sqlite_url):
    """A server whose search runs in its own process, with one product per sample photo."""
    with (
        photo_server() as photos,
        live_app(sqlite_url, run_worker=True, search_process=True, search_rate_limit=0) as client,
    ):
        for n, (name, image) in enumerate(PHOTOS.items()):
            url = photos.add(f"/p/{name}.jpg", jpeg(image))
            product = sample_product(id=10 + n, title=name, image=url, images=[url])
            assert send(client, "created", product, secret=SECRET).status_code == 200
        wait_until_idle(client)
        yield client


def test_the_same_answers_as_searching_in_the_api_process(indexed, live_app, sqlite_url):
    query = jpeg(altered(PHOTOS["flower"]))
    in_child = upload(indexed, query)
    assert in_child.status_code == 200
    flower = 10 + list(PHOTOS).index("flower")
    assert _answer(in_child)[0] == (flower, True)
    # the same database searched on the API's own threads
    with live_app(sqlite_url, search_process=False, search_rate_limit=0) as threads:
        assert _answer(upload(threads, query)) == _answer(in_child)
    similar = indexed.get(f"/api/v1/products/{flower}/similar")
    assert similar.status_code == 200
    assert flower not in {r["product_id"] for r in similar.json()["results"]}


def test_errors_come_back_as_the_customer_should_see_them(indexed):
    missing = indexed.post("/api/v1/search", json={"product_id": 999})
    assert missing.status_code == 404
    assert "999" in missing.json()["error"]["message"]
    not_a_photo = upload(indexed, b"<html>not a photo</html>")
    assert not_a_photo.status_code == 422
    bad_base64 = indexed.post("/api/v1/search", json={"image_base64": "%%%"})
    assert bad_base64.status_code == 422
    assert bad_base64.json()["error"]["field"] == "image_base64"


def test_a_dead_search_process_is_replaced(indexed):
    query = jpeg(altered(PHOTOS["coffee"]))
    assert upload(indexed, query).status_code == 200
    (child,) = _search_processes_here()
    assert os.getpriority(os.PRIO_PROCESS, child.pid) == min(
        19, os.getpriority(os.PRIO_PROCESS, 0) + NICE
    )
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    first = upload(indexed, query)
    # the search that finds the process dead says so; the next one has a new process
    assert first.status_code in (200, 503)
    if first.status_code == 503:
        assert first.headers["Retry-After"]
        assert first.json()["error"]["code"] == "search_restarting"
    eventually(lambda: upload(indexed, query).status_code == 200, what="a search after the restart")
    assert [p.pid for p in _search_processes_here()] != [child.pid]


def _subclasses(cls: type) -> set[type]:
    return {c for sub in cls.__subclasses__() for c in {sub, *_subclasses(sub)}}


def test_every_error_crosses_the_process_boundary_as_itself():
    """The search process sends errors back pickled: a class that loses its status, code or
    field on the way would answer the customer differently from the API's threads."""
    from vitrina.errors import InvalidPayload, VitrinaError

    errors = [cls("what went wrong") for cls in _subclasses(VitrinaError)]
    errors.append(InvalidPayload("top_k: too big", field="top_k"))
    assert len(errors) > 10
    for error in errors:
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error)
        assert (back.message, back.status_code, back.code, back.retry_after) == (
            error.message,
            error.status_code,
            error.code,
            error.retry_after,
        )
        assert back.__dict__ == error.__dict__


def _search_processes_here() -> list[multiprocessing.process.BaseProcess]:
    """The search processes this test process started (its servers run in threads here)."""
    return [p for p in multiprocessing.active_children() if p.name.startswith("_Manager")]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()]


def _healthy(port: int) -> bool:
    """Ready: migrated, and the search process has loaded the model and the index."""
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200
    except httpx.TransportError:
        return False


def _search_processes(pid: int) -> list[int]:
    """The server's children started by multiprocessing's "spawn" (not its resource tracker)."""
    return [
        child
        for child in _children(pid)
        if "spawn_main" in Path(f"/proc/{child}/cmdline").read_text()
    ]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads children from /proc")
def test_the_search_process_ends_with_a_killed_server(tmp_path, model_dir):
    port = free_port()
    env = {
        **os.environ,
        "VITRINA_DATABASE_URL": f"sqlite:///{tmp_path / 'v.db'}",
        "VITRINA_MODEL_DIR": str(model_dir),
        "VITRINA_WEBHOOK_SECRETS": SECRET,
    }
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "vitrina.cli", "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        eventually(lambda: _healthy(port), timeout=300, what="the server up")
        (child,) = eventually(lambda: _search_processes(server.pid), what="a search process")
        server.kill()  # no shutdown: as the OOM killer or `kill -9` would
        server.wait(10)
        eventually(lambda: not _alive(child), timeout=20)
    finally:
        if server.poll() is None:
            server.kill()
        log.close()


def test_the_search_process_logs_under_the_customers_request_id(
    capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import json
    import logging

    from tests.search.child_service import build
    from vitrina.config import Settings
    from vitrina.errors import NotFound
    from vitrina.logs import configure_logging, request_id_var
    from vitrina.search.process import SearchProcess

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("INFO", json_logs=True)  # the child logs as the parent does
    search = SearchProcess(Settings(database_url=f"sqlite:///{tmp_path}/v.db"), build, "test")
    token = request_id_var.set("req-7f3a")
    try:
        with pytest.raises(NotFound):
            search.find(product_id=5)
    finally:
        request_id_var.reset(token)
        search.close()
        root.handlers[:], root.level = handlers, level
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line[:1] == "{"]
    (line,) = [e for e in lines if e["message"] == "searching for product 5 in the child"]
    assert line["request_id"] == "req-7f3a"
