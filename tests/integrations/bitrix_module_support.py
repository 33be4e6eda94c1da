"""Helpers for tests of the Bitrix module: the PHP stand-in shop and a restartable Vitrina."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.eventually import eventually
from tests.support.live import free_port

BITRIX = Path(__file__).resolve().parents[2] / "integrations" / "bitrix"
SHOP = BITRIX / "tests" / "shop.php"
MODULE_API = "/bitrix/tools/vitrinalab.vitrina/api.php"


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until ``url`` answers at all; fail with the server's log when it exits or never starts."""

    def answers() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"{url}: the server exited: {log.read_text()}")
        try:
            httpx.get(url, timeout=1)
        except httpx.HTTPError as error:
            raise AssertionError(f"{url} did not start ({error}): {log.read_text()}") from error
        return True

    # A safety net for a hung start, not a speed limit: the first start builds the model, and
    # the test machine is shared.
    eventually(answers, timeout=180, interval=0.2)


def wait_database_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until ``vitrina serve`` has migrated its database (``/readyz`` lists it as ready)."""

    def ready() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"{base}: the server exited: {log.read_text()}")
        try:
            return "database" in httpx.get(f"{base}/readyz", timeout=1).json()["ready"]
        except (httpx.HTTPError, ValueError, KeyError):
            return False

    # A safety net for a hung start, not a speed limit (a shared machine).
    eventually(ready, timeout=180, interval=0.2, what=f"{base} with its database migrated")


class Vitrina:
    """``vitrina serve --no-worker`` that can go down and come back on the same port and data."""

    def __init__(self, tmp: Path, secret: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "vitrina.log"
        self.env = {
            **os.environ,
            "VITRINA_DATABASE_URL": f"sqlite:///{tmp / 'v.db'}",
            "VITRINA_WEBHOOK_SECRETS": secret,
            "VITRINA_BITRIX_SITE_SHOPS": "s1=1",
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        vitrina = Path(sys.executable).with_name("vitrina")
        command = [str(vitrina)] if vitrina.exists() else [sys.executable, "-m", "vitrina.cli"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [*command, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--no-worker"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_database_ready(self.url, self.proc, self.log)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            # A net for a hung stop, not a speed check: in a CI run at load 10 the stop took
            # over 15 s twice (why was not caught: the log was not kept).
            self.proc.wait(timeout=60)
            self.proc = None

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "vitrina.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def products(self) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        offset = 0
        while True:
            page = httpx.get(
                f"{self.url}/api/v1/products", params={"limit": 500, "offset": offset}, timeout=10
            ).json()
            for p in page["items"]:  # on sale as the shop means it: not deleted, not sold out
                found[p["id"]] = {**p, "on_sale": p["enabled"] and p["available"]}
            offset += len(page["items"])
            if offset >= page["total"]:
                return found


def shop(php: str, site: Path, *args: str) -> str:
    """Drive the stand-in shop in ``site`` (see integrations/bitrix/tests/shop.php)."""
    done = subprocess.run(
        [php, str(SHOP), str(site), *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"shop.php {args}: {done.stdout}{done.stderr}"
    return done.stdout


@contextmanager
def serve_site(php: str, site: Path, *, lang: str = "ru") -> Iterator[str]:
    """The stand-in site over HTTP (``php -S`` with standin/router.php); yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "STANDIN_ROOT": str(site),
        "VITRINA_STANDIN_DB": str(site / "site.db"),
        "STANDIN_LANG": lang,
    }
    log_path = site.parent / f"site-{port}.log"
    with log_path.open("ab") as log:
        server = subprocess.Popen(
            [php, "-S", f"127.0.0.1:{port}", str(BITRIX / "standin" / "router.php")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_http(f"http://127.0.0.1:{port}/", server, log_path)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=15)


def module_cli(php: str, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``php local/modules/vitrinalab.vitrina/cli/vitrina.php ARGS`` on the stand-in site."""
    env = {
        **os.environ,
        "VITRINA_STANDIN_DB": str(site / "site.db"),
        "BITRIX_DOCUMENT_ROOT": str(site),
    }
    cli = site / "local" / "modules" / "vitrinalab.vitrina" / "cli" / "vitrina.php"
    return subprocess.run(
        [php, str(cli), *args], env=env, capture_output=True, text=True, timeout=300
    )


def cron(php: str, site: Path) -> None:
    """What cron does every minute on the site: run the agents (the module's sends the queue)."""
    env = {**os.environ, "VITRINA_STANDIN_DB": str(site / "site.db"), "STANDIN_ROOT": str(site)}
    done = subprocess.run(
        [php, str(BITRIX / "standin" / "cron_events.php"), "--minute-passed"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
