"""A bad setting stops the start with one line naming it, exit code 2 — never a traceback, never
a healthy start followed by a 500 on every webhook or search."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.live import free_port
from vitrina.cli.main import app

# (setting, value; "{file}" is a regular file, "{tmp}" a writable folder)
BAD = [
    ("VITRINA_WEBHOOK_SECRETS", "whsec_not*base64!"),
    ("VITRINA_WEBHOOK_SECRETS", "whsec_c2hvcnQ="),  # base64, but 5 bytes
    ("VITRINA_WEBHOOK_SECRETS", "hunter2"),
    ("VITRINA_LEGACY_WEBHOOK_SECRET", " "),
    ("VITRINA_ADMIN_TOKEN", "  "),
    ("VITRINA_DATABASE_URL", "mysql://shop@db/vitrina"),
    ("VITRINA_DATABASE_URL", "postgresql+asyncpg://vitrina@db/vitrina"),
    ("VITRINA_DATABASE_URL", "not a url"),
    ("VITRINA_DATABASE_URL", "sqlite:///{file}/vitrina.db"),
    ("VITRINA_MODEL_DIR", "{file}/models"),
    ("VITRINA_VECTOR_INDEX_DIR", "{file}/vectors"),
    ("VITRINA_CLIP_DIR", "{tmp}/no-such-folder"),
    ("VITRINA_VERTEX_CREDENTIALS", "{tmp}/no-such-key.json"),
    ("VITRINA_EMBEDDER", "resnet-9000"),
    ("VITRINA_WORKER_CONCURRENCY", "0"),
    ("VITRINA_WORKER_CONCURRENCY", "two"),
    ("VITRINA_WORKER_BATCH", "0"),
    ("VITRINA_JOB_LEASE_S", "0"),
    ("VITRINA_JOB_POLL_S", "-1"),
    ("VITRINA_JOB_MAX_ATTEMPTS", "0"),
    ("VITRINA_RETENTION_DAYS", "0"),
    ("VITRINA_WEBHOOK_TOLERANCE_S", "0"),
    ("VITRINA_WEBHOOK_RATE_BURST", "0"),
    ("VITRINA_WEBHOOK_RATE_LIMIT", "-5"),
    ("VITRINA_SEARCH_CONCURRENCY", "0"),
    ("VITRINA_SEARCH_RATE_BURST", "0"),
    ("VITRINA_IMAGE_MAX_PIXELS", "-1"),
    ("VITRINA_IMAGE_MAX_BYTES", "0"),
    ("VITRINA_IMAGE_TIMEOUT_S", "0"),
    ("VITRINA_IMAGE_HOSTS_ALLOW", "http://photos.shop.kz/"),
    ("VITRINA_EXACT_THRESHOLD", "7"),
    ("VITRINA_VECTOR_EF_SEARCH", "5"),
    ("VITRINA_DEFAULT_SHOP_ID", "0"),
    ("VITRINA_RECONCILE_EVERY", "-5"),
    ("VITRINA_BITRIX_URL", "shop.kz"),
    ("VITRINA_BITRIX_MODULE_URL", "http://shop.kz:port/"),
    ("VITRINA_BITRIX_SITE_SHOPS", "s1"),
    ("VITRINA_SHOP_BASE_URL", "ftp://shop.kz/"),
    ("VITRINA_PRODUCT_URL_TEMPLATE", "https://shop.kz/catalog/"),
    ("VITRINA_CORS_ORIGINS", "https://shop.kz/catalog"),
    ("VITRINA_TRUSTED_PROXIES", "the-proxy"),
    ("VITRINA_LANGUAGE", "de"),
    ("VITRINA_LOG_LEVEL", "LOUD"),
    ("VITRINA_LOG_JSON", "sometimes"),
    ("VITRINA_SEARCH_PROCESS", "maybe"),
]


def _environment(tmp_path: Path, setting: str, value: str) -> dict[str, str]:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    env = {
        "VITRINA_DATABASE_URL": f"sqlite:///{tmp_path / 'vitrina.db'}",
        "VITRINA_MODEL_DIR": str(tmp_path / "models"),
    }
    env[setting] = value.format(file=a_file, tmp=tmp_path)
    return env


@pytest.mark.parametrize(("setting", "value"), BAD, ids=[f"{s}={v}" for s, v in BAD])
def test_a_bad_setting_stops_serve_with_one_line_naming_it(
    setting: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [key for key in os.environ if key.startswith("VITRINA_")]:
        monkeypatch.delenv(key)
    result = CliRunner().invoke(
        app, ["serve", "--port", str(free_port())], env=_environment(tmp_path, setting, value)
    )
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and setting in lines[0], result.output
    assert not (tmp_path / "vitrina.db").exists()  # stopped before touching the database


@pytest.mark.parametrize(
    ("setting", "value"),
    [("VITRINA_WEBHOOK_SECRETS", "whsec_not*base64!"), ("VITRINA_MODEL_DIR", "{file}/models")],
)
def test_the_real_command_exits_with_one_line_and_no_traceback(
    setting: str, value: str, tmp_path: Path
) -> None:
    env = {key: val for key, val in os.environ.items() if not key.startswith("VITRINA_")}
    env.update(_environment(tmp_path, setting, value), COLUMNS="80")
    result = subprocess.run(
        [sys.executable, "-m", "vitrina.cli", "serve", "--port", str(free_port())],
        env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and setting in lines[0], result.stderr
    assert "Traceback" not in result.stderr
