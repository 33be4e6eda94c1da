"""A shop with no product REST API: the module's "send everything", an outage, and the manifest
reconcile (``vitrina reconcile --source manifest``) healing all of it — real php, real HTTP.

The shop is the PHP stand-in (``integrations/bitrix/tests/shop.php`` drives it,
``standin/router.php`` serves it); Vitrina is ``vitrina serve`` stopped and started again on the
same port and database.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integrations.bitrix_mariadb import standin_mariadb  # noqa: F401 (the fixture)
from tests.integrations.bitrix_module_support import (
    BITRIX,
    MODULE_API,
    Vitrina,
    cron,
    module_cli,
    serve_site,
    shop,
)
from tests.support.eventually import eventually
from tests.tooling import require_executable
from vitrina.ingest.signatures import new_secret

# The stand-in runs on MariaDB, as a real shop's Bitrix does on MySQL.
pytestmark = [pytest.mark.mariadb, pytest.mark.usefixtures("standin_mariadb")]

PRODUCTS = 300


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


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    return path


def _assert_in_sync(vitrina: Vitrina, shop_products: dict[str, dict[str, Any]]) -> None:
    """Vitrina holds exactly what the shop has: every product's name, price and on-sale flag."""
    have = vitrina.products()
    want = {int(pid): p for pid, p in shop_products.items()}
    assert set(want) <= set(have), f"missing in Vitrina: {sorted(set(want) - set(have))[:10]}"
    wrong = [
        (pid, (have[pid]["name"], have[pid]["price"], have[pid]["on_sale"]), tuple(p.values()))
        for pid, p in want.items()
        if (have[pid]["name"], have[pid]["price"], have[pid]["on_sale"])
        != (p["name"], p["price"], p["enabled"])
    ]
    assert wrong == [], f"{len(wrong)} products differ, e.g. {wrong[:3]}"
    gone_but_enabled = [pid for pid, p in have.items() if pid not in want and p["on_sale"]]
    assert gone_but_enabled == [], "products the shop no longer has are still on sale in Vitrina"
    assert sum(p["on_sale"] for p in have.values()) == sum(p["enabled"] for p in want.values())


@pytest.mark.slow
def test_shop_without_rest_api_send_everything_outage_and_manifest_reconcile(
    php: str, vitrina: Vitrina, site: Path
) -> None:
    secret = vitrina.env["VITRINA_WEBHOOK_SECRETS"]
    shop(php, site, "create", vitrina.url, secret, str(PRODUCTS))  # products before the module
    with serve_site(php, site) as site_url:
        rest = httpx.get(f"{site_url}/api/v2/products/", timeout=10)
        assert "application/json" not in rest.headers.get("content-type", ""), "no REST API here"
        module_url = site_url + MODULE_API
        vitrina.start()

        # 1. "Send everything" from the console: every product, through the signed outbox.
        sent = module_cli(php, site, "send-all")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert f"checked {PRODUCTS} of {PRODUCTS} products, queued {PRODUCTS}" in sent.stdout
        assert f"delivered {PRODUCTS}, still waiting 0" in sent.stdout
        _assert_in_sync(vitrina, json.loads(shop(php, site, "dump")))

        # 2. Vitrina goes down. The admin edits 20 prices (queued, retried); an exchange script
        #    changes 30 products and deletes 10 behind Bitrix's back (no events at all).
        vitrina.stop()
        shop(php, site, "edit", "20")
        cron(php, site)
        shop(php, site, "bypass", "30")
        shop(php, site, "delete-bypass", "10")
        vitrina.start()
        # The queued rows are retried once their time comes (retry_cap_s = 2 on this shop): the
        # sender runs on the module's clock, moved past it rather than waited out.
        retried = shop(php, site, "send-later", "5")
        assert "delivered 20, retrying 0, failed 0" in retried, retried

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
        cron(php, site)
        _assert_in_sync(vitrina, json.loads(shop(php, site, "dump")))
        assert len(vitrina.products()) == PRODUCTS

        again = vitrina.cli("reconcile", "--source", "manifest", "--module-url", module_url)
        assert "resend 0 products" in again.stdout, again.stdout


def test_reconcile_refuses_a_module_signed_with_another_secret(
    php: str, vitrina: Vitrina, site: Path
) -> None:
    shop(php, site, "create", vitrina.url, new_secret())  # the module's secret differs
    with serve_site(php, site) as site_url:
        done = vitrina.cli(
            "reconcile", "--source", "manifest", "--module-url", site_url + MODULE_API
        )
    assert done.returncode == 1
    message = " ".join(done.stderr.split())  # rich wraps long lines
    assert "refused the signature" in message
    assert "must be one of VITRINA_WEBHOOK_SECRETS" in message


def test_reconcile_names_a_wrong_source_and_a_missing_module_address(vitrina: Vitrina) -> None:
    bad = vitrina.cli("reconcile", "--source", "ftp")
    assert bad.returncode == 2
    assert "--source: expected auto, rest or manifest, got 'ftp'" in " ".join(bad.stderr.split())
    missing = vitrina.cli("import", "--source", "manifest")
    assert missing.returncode == 2
    assert "VITRINA_BITRIX_MODULE_URL" in " ".join(missing.stderr.split())


def test_scheduled_reconcile_uses_the_manifest_when_the_shop_has_no_rest_api(
    php: str, site: Path, sqlite_url: str
) -> None:
    from vitrina.config import load_settings
    from vitrina.db import make_engine, make_sessionmaker
    from vitrina.integrations.bitrix.models import SyncRun
    from vitrina.integrations.bitrix.reconcile import start_reconcile_schedule

    secret = new_secret()
    shop(php, site, "create", "http://127.0.0.1:9", secret, "3")
    engine = make_engine(sqlite_url)
    try:
        with serve_site(php, site) as site_url:
            settings = load_settings(
                database_url=sqlite_url,
                webhook_secrets=[secret],
                bitrix_module_url=site_url + MODULE_API,
                reconcile_every=0.2,
            )
            sessions = make_sessionmaker(engine)
            stop = start_reconcile_schedule(settings, sessions)
            assert stop is not None, "a schedule runs without a REST token when the module is set"

            def finished_run() -> SyncRun | None:
                with sessions() as session:
                    return session.query(SyncRun).filter(SyncRun.finished_at.is_not(None)).first()

            try:
                run = eventually(finished_run, timeout=30, what="a finished scheduled reconcile")
            finally:
                stop()
        assert run.error is None
        assert (run.kind, run.source_url, run.total, run.created) == (
            "reconcile",
            settings.bitrix_module_url,
            3,
            3,
        )
        status = module_cli(php, site, "status")
        assert "pending   3" in status.stdout, status.stdout  # the module queued all three
    finally:
        engine.dispose()


def test_import_through_the_manifest_asks_for_every_product(
    php: str, vitrina: Vitrina, site: Path
) -> None:
    shop(php, site, "create", "http://127.0.0.1:9", vitrina.env["VITRINA_WEBHOOK_SECRETS"], "4")
    with serve_site(php, site) as site_url:
        done = vitrina.cli("import", "--source", "manifest", "--module-url", site_url + MODULE_API)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "asked the shop to resend 4 products (4 missing" in done.stdout
    assert "the module queued 4" in done.stdout
    assert "pending   4" in module_cli(php, site, "status").stdout


@pytest.mark.slow
def test_two_agent_runs_at_once_send_every_row_exactly_once(
    php: str, vitrina: Vitrina, site: Path
) -> None:
    """Cron overlapping itself (a slow run, a second server): the lease keeps rows apart."""
    shop(php, site, "create", vitrina.url, vitrina.env["VITRINA_WEBHOOK_SECRETS"], "150")
    vitrina.start()
    shop(php, site, "edit", "150")  # 150 price changes queued by the admin
    env = {**os.environ, "VITRINA_STANDIN_DB": str(site / "site.db"), "STANDIN_ROOT": str(site)}
    runs = [
        subprocess.Popen(
            [php, str(BITRIX / "standin" / "cron_events.php"), "--minute-passed"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.wait(timeout=120) == 0, run.stderr.read() if run.stderr else ""
    cron(php, site)  # anything a run left (none expected; harmless)
    rows = json.loads(shop(php, site, "outbox"))
    assert len(rows) == 150
    # Vitrina had none of them yet; a row posted twice would show "duplicate" or 2 attempts.
    assert {tuple(r) for r in rows} == {("delivered", "created", 1)}, "each row posted once"
    _assert_in_sync(vitrina, json.loads(shop(php, site, "dump")))
