"""``vitrina demo`` (``make run``): one command starts a shop, imports it and serves Vitrina."""

from __future__ import annotations

import html
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.support.eventually import eventually
from tests.support.live import free_port
from vitrina.cli.demo import cli_command, port_free
from vitrina.cli.main import app
from vitrina.standin.webhooks import ProductEvent, send_webhook


def _demo_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VITRINA_")}
    env.update({"COLUMNS": "200", "PYTHONUNBUFFERED": "1"})
    if "VITRINA_MODEL_DIR" in os.environ:  # share a prebuilt model cache, if the run has one
        env["VITRINA_MODEL_DIR"] = os.environ["VITRINA_MODEL_DIR"]
    return env


@dataclass
class Demo:
    """A running ``vitrina demo`` and everything it printed so far."""

    process: subprocess.Popen[str]
    base: str
    output: list[str] = field(default_factory=list)

    @property
    def printed(self) -> str:
        return "".join(self.output)

    def wait_for(self, text: str) -> str:
        def seen() -> bool:
            assert self.process.poll() is None, self.printed
            return text in self.printed

        eventually(seen, timeout=180, what=f"the demo printing {text!r}")
        return self.printed


@contextmanager
def running_demo(
    cwd: Path, data_dir: Path, *, port: int | None = None, products: int = 7,
    extra: tuple[str, ...] = ("--change-every", "0", "--reconcile-every", "0"),
) -> Iterator[Demo]:
    """``vitrina demo`` in a subprocess; stopped with Ctrl-C (SIGINT) at the end, as a person does."""
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from vitrina.cli.main import app; app()", "demo",
         "--port", str(port), "--products", str(products), "--bitrix-port", "0",
         "--data-dir", str(data_dir), *extra],
        cwd=cwd, env=_demo_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    demo = Demo(process, f"http://127.0.0.1:{port}")
    reader = threading.Thread(target=lambda: demo.output.extend(iter(process.stdout.readline, "")))  # type: ignore[union-attr]
    reader.start()
    try:
        yield demo
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
            reader.join(timeout=10)


def test_demo_imports_the_seeded_shop_serves_it_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = _demo_env()
    with running_demo(tmp_path, tmp_path / "demo", port=port) as demo:
        base = demo.base
        printed = demo.wait_for("Indexing the catalog")

        assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
        listing = httpx.get(f"{base}/api/v1/products", params={"limit": 50}).json()
        assert listing["total"] == 7
        assert "Imported 7 products" in printed
        for where in (f"{base}/dashboard", f"{base}/docs", "admin token"):
            assert where in printed

        # A customer who found a bouquet can go to its page on the shop and buy it there.
        first = listing["items"][0]
        page = httpx.get(f"{base}/go/{first['id']}", follow_redirects=True)
        assert page.status_code == 200 and str(page.url) == first["page_url"]
        assert html.escape(first["name"]) in page.text and "В корзину" in page.text

        # The printed secret is the one Vitrina accepts: a change signed with it is applied.
        secret = re.search(r"signs with (whsec_\S+)", printed)
        assert secret is not None
        product = listing["items"][0]
        event = ProductEvent("product.deleted", {"id": product["id"]}, "demo-test-1",
                             time.time_ns() // 1000 + 10**9, "2030-01-01T00:00:00+00:00")
        answer = send_webhook(f"{base}/api/v1/webhooks/product-sync", secret[1], event)
        assert answer.status_code == 200 and answer.json()["action"] == "deleted"

        # The printed CLI line reaches the demo's database from another terminal.
        line = re.search(r"CLI\s+(VITRINA_DATABASE_URL=\S+ .+) search PHOTO\.jpg", printed)
        assert line is not None, printed
        assignment, *command = shlex.split(line[1])
        name, url = assignment.split("=", 1)
        jobs = subprocess.run(
            [*command, "jobs", "list"], env={**env, name: url}, cwd=tmp_path,
            capture_output=True, text=True, timeout=120,
        )
        assert jobs.returncode == 0, jobs.stderr
        assert str(product["id"]) in jobs.stdout
    process = demo.process
    assert process.returncode == 0, demo.printed
    assert "Demo stopped." in demo.printed
    assert (tmp_path / "demo" / str(port) / "vitrina.db").exists()


@pytest.mark.timeout(900)  # two demos one after the other, on a shared 2-core machine
def test_demo_runs_again_in_the_same_folder_after_its_index_was_saved(tmp_path: Path) -> None:
    """A second ``make run`` after Ctrl-C: the saved index folder is cleared, not a traceback."""
    port = free_port()
    with running_demo(tmp_path, tmp_path / "demo", port=port, products=4) as first:
        first.wait_for("search is ready")
    assert first.process.returncode == 0, first.printed
    saved = tmp_path / "demo" / str(port) / "vitrina.db.vectors"
    saved.mkdir(exist_ok=True)  # as `vitrina search` or a clean stop leaves it
    (saved / "left-by-the-first-run").write_bytes(b"stale")

    with running_demo(tmp_path, tmp_path / "demo", port=port, products=4) as second:
        second.wait_for("search is ready")
        assert httpx.get(f"{second.base}/api/v1/products").json()["total"] == 4
    assert second.process.returncode == 0, second.printed
    assert "Traceback" not in second.printed
    assert not (saved / "left-by-the-first-run").exists()  # cleared, not reused


@pytest.mark.timeout(900)  # two demos at once, on a shared 2-core machine
def test_two_demos_side_by_side_never_touch_each_others_data(tmp_path: Path) -> None:
    with running_demo(tmp_path, tmp_path / "demo", products=3) as one:
        one.wait_for("Indexing the catalog")
        # The other demo's pretend shop edits every half second from the moment it serves.
        changes = ("--change-every", "0.5", "--reconcile-every", "0")
        with running_demo(tmp_path, tmp_path / "demo", products=5, extra=changes) as other:
            other.wait_for("→ webhook HTTP 200")
            assert httpx.get(f"{one.base}/api/v1/products").json()["total"] == 3
            assert httpx.get(f"{other.base}/api/v1/products").json()["total"] == 5
        assert other.process.returncode == 0, other.printed
        # The first demo's database is still its own, and it still serves.
        assert httpx.get(f"{one.base}/api/v1/products").json()["total"] == 3
        assert httpx.get(f"{one.base}/healthz").status_code == 200
    assert "Traceback" not in one.printed + other.printed
    assert "not delivered" not in other.printed  # the shop waited for the server to answer


def test_a_busy_port_is_named_with_a_hint_that_works_under_make(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        monkeypatch.setenv("MAKELEVEL", "1")  # as `make run` starts it
        result = CliRunner().invoke(
            app, ["demo", "--port", str(port), "--data-dir", str(tmp_path / "demo")]
        )
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.output
    assert re.search(r"make run PORT=\d+", result.output), result.output
    assert "--port" not in result.output
    assert not (tmp_path / "demo").exists()  # nothing touched


def test_a_port_left_in_time_wait_is_free_for_the_next_demo() -> None:
    """Right after Ctrl-C the old server's connections sit in TIME_WAIT; uvicorn can bind anyway."""
    listening = socket.socket()
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    port = listening.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listening.accept()
    accepted.close()  # the server closes first: its side of the connection enters TIME_WAIT
    client.recv(1)
    client.close()
    listening.close()
    assert port_free("127.0.0.1", port)


def test_the_demo_names_the_cli_the_way_it_was_started(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``make run`` starts ``.venv/bin/vitrina``: the printed line says so, relative to here."""
    program = tmp_path / ".venv" / "bin" / "vitrina"
    program.parent.mkdir(parents=True)
    program.write_text("")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(program), "demo"])
    assert cli_command("sqlite:////srv/demo db/vitrina.db", "jobs list") == (
        "VITRINA_DATABASE_URL='sqlite:////srv/demo db/vitrina.db' .venv/bin/vitrina jobs list"
    )
