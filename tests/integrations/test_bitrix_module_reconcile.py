"""A shop with no product REST API: the module's "send everything", an outage, and the manifest
reconcile (``vitrina reconcile --source manifest``) healing all of it — real php, real HTTP.

The shop is the PHP stand-in (``integrations/bitrix/tests/shop.php`` drives it, ``standin/router.php``
serves it); Vitrina is ``vitrina serve`` stopped and started again on the same port and database.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.tooling import require_executable
from vitrina.ingest.signatures import new_secret

BITRIX = Path(__file__).resolve().parents[2] / "integrations" / "bitrix"
SHOP = BITRIX / "tests" / "shop.php"
PRODUCTS = 300


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{url}: the server exited: {log.read_text()}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                pytest.fail(f"{url} did not start: {log.read_text()}")
            time.sleep(0.2)


class Vitrina:
    """``vitrina serve --no-worker`` that can go down and come back on the same port and data."""

    def __init__(self, tmp: Path, secret: str) -> None:
        self.port = _free_port()
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
        _wait_http(f"{self.url}/healthz", self.proc, self.log)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=15)
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
            found.update((p["id"], p) for p in page["items"])
            offset += len(page["items"])
            if offset >= page["total"]:
                return found


@pytest.fixture
def php() -> str:
    return require_executable("php", "php-cli")


@pytest.fixture
def vitrina(tmp_path: Path) -> Iterator[Vitrina]:
    server = Vitrina(tmp_path, new_secret())
    try:
        yield server
    finally:
        server.stop()


def _shop(php: str, site: Path, *args: str) -> str:
    done = subprocess.run(
        [php, str(SHOP), str(site), *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"shop.php {args}: {done.stdout}{done.stderr}"
    return done.stdout


def _module_cli(php: str, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "VITRINA_STANDIN_DB": str(site / "site.db"),
        "BITRIX_DOCUMENT_ROOT": str(site),
    }
    cli = site / "local" / "modules" / "vitrinalab.vitrina" / "cli" / "vitrina.php"
    return subprocess.run(
        [php, str(cli), *args], env=env, capture_output=True, text=True, timeout=300
    )


def _cron(php: str, site: Path) -> None:
    """What cron does every minute on the site: run due agents (the module's sends the queue)."""
    env = {**os.environ, "VITRINA_STANDIN_DB": str(site / "site.db"), "STANDIN_ROOT": str(site)}
    done = subprocess.run(
        [php, str(BITRIX / "standin" / "cron_events.php"), "--minute-passed"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _assert_in_sync(vitrina: Vitrina, shop: dict[str, dict[str, Any]]) -> None:
    """Vitrina holds exactly what the shop has: every product's name, price and on-sale flag."""
    have = vitrina.products()
    want = {int(pid): p for pid, p in shop.items()}
    assert set(want) <= set(have), f"missing in Vitrina: {sorted(set(want) - set(have))[:10]}"
    wrong = [
        (pid, (have[pid]["name"], have[pid]["price"], have[pid]["enabled"]), tuple(p.values()))
        for pid, p in want.items()
        if (have[pid]["name"], have[pid]["price"], have[pid]["enabled"])
        != (p["name"], p["price"], p["enabled"])
    ]
    assert wrong == [], f"{len(wrong)} products differ, e.g. {wrong[:3]}"
    gone_but_enabled = [pid for pid, p in have.items() if pid not in want and p["enabled"]]
    assert gone_but_enabled == [], "products the shop no longer has are still on sale in Vitrina"
    assert sum(p["enabled"] for p in have.values()) == sum(p["enabled"] for p in want.values())


@pytest.mark.slow
def test_shop_without_rest_api_send_everything_outage_and_manifest_reconcile(
    php: str, vitrina: Vitrina, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    secret = vitrina.env["VITRINA_WEBHOOK_SECRETS"]
    _shop(php, site, "create", vitrina.url, secret, str(PRODUCTS))  # products before the module
    port = _free_port()
    site_env = {
        **os.environ,
        "STANDIN_ROOT": str(site),
        "VITRINA_STANDIN_DB": str(site / "site.db"),
    }
    site_log = tmp_path / "site.log"
    with site_log.open("ab") as log:
        site_server = subprocess.Popen(
            [php, "-S", f"127.0.0.1:{port}", str(BITRIX / "standin" / "router.php")],
            env=site_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    module_url = f"http://127.0.0.1:{port}/bitrix/tools/vitrinalab.vitrina/api.php"
    try:
        _wait_http(f"http://127.0.0.1:{port}/", site_server, site_log)
        rest = httpx.get(f"http://127.0.0.1:{port}/api/v2/products/", timeout=10)
        assert "application/json" not in rest.headers.get("content-type", ""), "no REST API here"
        vitrina.start()

        # 1. "Send everything" from the console: every product, through the signed outbox.
        sent = _module_cli(php, site, "send-all")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert f"checked {PRODUCTS} of {PRODUCTS} products, queued {PRODUCTS}" in sent.stdout
        assert f"delivered {PRODUCTS}, still waiting 0" in sent.stdout
        _assert_in_sync(vitrina, json.loads(_shop(php, site, "dump")))

        # 2. Vitrina goes down. The admin edits 20 prices (queued, retried); an exchange script
        #    changes 30 products and deletes 10 behind Bitrix's back (no events at all).
        vitrina.stop()
        _shop(php, site, "edit", "20")
        _cron(php, site)
        _shop(php, site, "bypass", "30")
        _shop(php, site, "delete-bypass", "10")
        vitrina.start()
        time.sleep(2.5)  # the queued rows' retry time (retry_base_s = 1 on this shop)
        _cron(php, site)

        # 3. The manifest finds exactly the drift the outbox could not know about.
        dry = vitrina.cli(
            "reconcile", "--source", "manifest", "--module-url", module_url, "--dry-run"
        )
        assert dry.returncode == 0, dry.stdout + dry.stderr
        # 30 changed; of the 10 deleted, one was sold out (not on sale in Vitrina) already.
        expected = "would ask the shop to resend 39 products (0 missing, 30 changed, 9 gone"
        assert expected in dry.stdout
        # --source auto: no REST token is configured, so the manifest is used.
        healed = vitrina.cli("reconcile", "--module-url", module_url)
        assert healed.returncode == 0, healed.stdout + healed.stderr
        assert "the module queued 39" in healed.stdout
        _cron(php, site)
        _assert_in_sync(vitrina, json.loads(_shop(php, site, "dump")))
        assert len(vitrina.products()) == PRODUCTS

        again = vitrina.cli("reconcile", "--source", "manifest", "--module-url", module_url)
        assert "resend 0 products" in again.stdout, again.stdout
    finally:
        site_server.terminate()
        site_server.wait(timeout=15)


def test_reconcile_refuses_a_module_signed_with_another_secret(
    php: str, vitrina: Vitrina, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _shop(php, site, "create", vitrina.url, new_secret())  # the module's secret differs
    port = _free_port()
    site_log = tmp_path / "site.log"
    env = {**os.environ, "STANDIN_ROOT": str(site), "VITRINA_STANDIN_DB": str(site / "site.db")}
    with site_log.open("ab") as log:
        server = subprocess.Popen(
            [php, "-S", f"127.0.0.1:{port}", str(BITRIX / "standin" / "router.php")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_http(f"http://127.0.0.1:{port}/", server, site_log)
        url = f"http://127.0.0.1:{port}/bitrix/tools/vitrinalab.vitrina/api.php"
        done = vitrina.cli("reconcile", "--source", "manifest", "--module-url", url)
        assert done.returncode == 1
        message = " ".join(done.stderr.split())  # rich wraps long lines
        assert "refused the signature" in message
        assert "must be one of VITRINA_WEBHOOK_SECRETS" in message
    finally:
        server.terminate()
        server.wait(timeout=15)


def test_reconcile_names_a_wrong_source_and_a_missing_module_address(vitrina: Vitrina) -> None:
    bad = vitrina.cli("reconcile", "--source", "ftp")
    assert bad.returncode == 2
    assert "--source: expected auto, rest or manifest, got 'ftp'" in " ".join(bad.stderr.split())
    missing = vitrina.cli("import", "--source", "manifest")
    assert missing.returncode == 2
    assert "VITRINA_BITRIX_MODULE_URL" in " ".join(missing.stderr.split())


def test_scheduled_reconcile_uses_the_manifest_when_the_shop_has_no_rest_api(
    php: str, tmp_path: Path, sqlite_url: str
) -> None:
    from vitrina.config import load_settings
    from vitrina.db import make_engine, make_sessionmaker
    from vitrina.integrations.bitrix.models import SyncRun
    from vitrina.integrations.bitrix.reconcile import start_reconcile_schedule

    secret = new_secret()
    site = tmp_path / "site"
    site.mkdir()
    _shop(php, site, "create", "http://127.0.0.1:9", secret, "3")
    port = _free_port()
    env = {**os.environ, "STANDIN_ROOT": str(site), "VITRINA_STANDIN_DB": str(site / "site.db")}
    site_log = tmp_path / "site.log"
    with site_log.open("ab") as log:
        server = subprocess.Popen(
            [php, "-S", f"127.0.0.1:{port}", str(BITRIX / "standin" / "router.php")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    engine = make_engine(sqlite_url)
    try:
        _wait_http(f"http://127.0.0.1:{port}/", server, site_log)
        settings = load_settings(
            database_url=sqlite_url,
            webhook_secrets=[secret],
            bitrix_module_url=f"http://127.0.0.1:{port}/bitrix/tools/vitrinalab.vitrina/api.php",
            reconcile_every=0.2,
        )
        sessions = make_sessionmaker(engine)
        stop = start_reconcile_schedule(settings, sessions)
        assert stop is not None, "a schedule runs without a REST token when the module is set"
        deadline = time.monotonic() + 30
        run = None
        while run is None and time.monotonic() < deadline:
            time.sleep(0.2)
            with sessions() as session:
                run = session.query(SyncRun).filter(SyncRun.finished_at.is_not(None)).first()
        stop()
        assert run is not None and run.error is None
        assert (run.kind, run.source_url, run.total, run.created) == (
            "reconcile",
            settings.bitrix_module_url,
            3,
            3,
        )
        status = _module_cli(php, site, "status")
        assert "pending   3" in status.stdout, status.stdout  # the module queued all three
    finally:
        engine.dispose()
        server.terminate()
        server.wait(timeout=15)
