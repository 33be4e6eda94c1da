"""The ``vitrina`` command as an operator uses it (real subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys

from vitrina.ingest.signatures import secret_key


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vitrina.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_secret_new_prints_a_usable_secret():
    result = run("secret", "new")
    assert result.returncode == 0
    secret = result.stdout.strip()
    assert secret.startswith("whsec_") and len(secret_key(secret)) == 32


def test_migrate_creates_the_schema(tmp_path):
    url = f"sqlite:///{tmp_path}/v.db"
    result = run("migrate", env={"VITRINA_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert "revision" in result.stderr


def test_a_start_on_an_up_to_date_database_skips_alembic_and_an_old_one_is_upgraded(tmp_path):
    """``upgrade`` trusts migrations.HEAD to skip Alembic at start-up: it must be the real head."""
    from alembic.script import ScriptDirectory

    from vitrina.db import make_engine
    from vitrina.migrations import HEAD, alembic_config, stored_revision, upgrade

    engine = make_engine(f"sqlite:///{tmp_path}/v.db")
    assert ScriptDirectory.from_config(alembic_config(engine)).get_heads() == [HEAD]
    assert stored_revision(engine) is None
    upgrade(engine, "0009")
    assert stored_revision(engine) == "0009"
    upgrade(engine)
    assert stored_revision(engine) == HEAD
    engine.dispose()


def test_invalid_configuration_is_a_clear_error(tmp_path):
    result = run("migrate", env={"VITRINA_WEBHOOK_SECRETS": "plain-text-secret"})
    assert result.returncode == 2
    assert "VITRINA_WEBHOOK_SECRETS" in result.stderr and "whsec_" in result.stderr
