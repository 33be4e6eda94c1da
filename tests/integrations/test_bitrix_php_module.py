"""The Bitrix module (integrations/bitrix/local/modules/vitrinalab.vitrina), run with real ``php``.

Each PHP test script is a plain ``php`` program that exits non-zero when a test fails; here they
run as pytest tests, and the end-to-end script gets a live Vitrina started as a subprocess.
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

import httpx
import pytest

from tests.integrations.bitrix_mariadb import standin_mariadb  # noqa: F401 (the fixture)
from tests.support.eventually import eventually
from tests.tooling import require_executable
from vitrina.ingest.signatures import new_secret, verify

# The stand-in runs on MariaDB, as a real shop's Bitrix does on MySQL.
pytestmark = [pytest.mark.mariadb, pytest.mark.usefixtures("standin_mariadb")]

PHP_TESTS = Path(__file__).resolve().parents[2] / "integrations" / "bitrix" / "tests"
UNIT_SCRIPTS = [
    "test_install.php",
    "test_catalog.php",
    "test_sender.php",
    "test_http.php",
    "test_signature.php",
    "test_deletes.php",
    "test_failures.php",
    "test_data.php",
    "test_exchange.php",
    "test_leads.php",
    "test_storefront.php",
]


def run_php(script: str, env: dict[str, str] | None = None, timeout: float = 240) -> None:
    php = require_executable("php", "php-cli")
    result = subprocess.run(
        [php, str(PHP_TESTS / script)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "VITRINA_PYTHON": sys.executable, **(env or {})},
    )
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"


@pytest.mark.parametrize("script", UNIT_SCRIPTS)
def test_php_module_script_passes(script: str) -> None:
    run_php(script)


def test_signature_made_in_php_verifies_in_python() -> None:
    php = require_executable("php", "php-cli")
    old, new = new_secret(), new_secret()
    body = json.dumps(
        {"event_type": "product.updated", "product_data": {"id": 698977, "title": "Собранный букет"}},
        ensure_ascii=False,
    ).encode()
    now = int(time.time())
    signed = subprocess.run(
        [php, str(PHP_TESTS / "sign.php"), "evt-42", str(now), old, new],
        input=body,
        capture_output=True,
        check=True,
    )
    headers = json.loads(signed.stdout)
    assert verify(headers, body, [new]) == "evt-42"
    assert verify(headers, body, [old]) == "evt-42"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_vitrina(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``vitrina serve --no-worker`` on a free port with a fresh SQLite database: (url, secret)."""
    port = _free_port()
    secret = new_secret()
    vitrina = Path(sys.executable).with_name("vitrina")
    command = [str(vitrina)] if vitrina.exists() else [sys.executable, "-m", "vitrina.cli"]
    env = {
        **os.environ,
        "VITRINA_DATABASE_URL": f"sqlite:///{tmp_path / 'v.db'}",
        "VITRINA_WEBHOOK_SECRETS": secret,
        "VITRINA_BITRIX_SITE_SHOPS": "s1=1,s2=2",
    }
    log = (tmp_path / "vitrina.log").open("w")
    proc = subprocess.Popen(
        [*command, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        def healthy() -> bool:
            assert proc.poll() is None, (tmp_path / "vitrina.log").read_text()
            try:
                ready = httpx.get(f"{url}/readyz", timeout=1).json()["ready"]
            except (httpx.HTTPError, ValueError, KeyError):
                return False
            return "database" in ready

        eventually(healthy, timeout=180, what="vitrina serve with its database migrated")
        yield url, secret
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


@pytest.mark.slow
def test_bitrix_module_end_to_end_against_live_vitrina(live_vitrina: tuple[str, str]) -> None:
    require_executable("php", "php-cli")
    url, secret = live_vitrina
    run_php("test_e2e_vitrina.php", {"VITRINA_E2E_URL": url, "VITRINA_E2E_SECRET": secret})
