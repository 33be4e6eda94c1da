"""``vitrina demo`` (``make run``): one command starts a shop, imports it and serves Vitrina."""

from __future__ import annotations

import html
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.eventually import eventually
from tests.support.live import free_port
from vitrina.cli.demo import cli_command
from vitrina.standin.server import ProductEvent, send_webhook


def test_demo_imports_the_seeded_shop_serves_it_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("VITRINA_")}
    env.update({"COLUMNS": "200", "PYTHONUNBUFFERED": "1"})
    if "VITRINA_MODEL_DIR" in os.environ:  # share a prebuilt model cache, if the run has one
        env["VITRINA_MODEL_DIR"] = os.environ["VITRINA_MODEL_DIR"]
    process = subprocess.Popen(
        [sys.executable, "-c", "from vitrina.cli.main import app; app()", "demo",
         "--port", str(port), "--products", "7", "--bitrix-port", "0", "--change-every", "0",
         "--reconcile-every", "0", "--data-dir", str(tmp_path / "demo")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(iter(process.stdout.readline, "")))  # type: ignore[union-attr]
    reader.start()
    base = f"http://127.0.0.1:{port}"
    try:
        def serving() -> bool:
            assert process.poll() is None, "".join(output)
            return "Indexing the catalog" in "".join(output)

        eventually(serving, timeout=180, what="the demo serving")
        printed = "".join(output)

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
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
            reader.join(timeout=10)
    assert process.returncode == 0, "".join(output)
    assert "Demo stopped." in "".join(output)
    assert (tmp_path / "demo" / "vitrina.db").exists()


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
