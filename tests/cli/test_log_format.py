"""Logs read by a person are text; logs read by a machine are JSON (unless a setting says)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path


def run_cli(tmp_path: Path, *, terminal: bool, **env: str) -> list[str]:
    """``vitrina jobs list`` on a fresh database (it migrates, which logs); its stderr lines."""
    environment = {key: value for key, value in os.environ.items() if key != "VITRINA_LOG_JSON"}
    environment |= {
        "VITRINA_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "VITRINA_MODEL_DIR": str(tmp_path / "models"),
        **env,
    }
    command = [sys.executable, "-m", "vitrina.cli", "jobs", "list"]
    if not terminal:
        done = subprocess.run(command, env=environment, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stderr.decode().splitlines()
    primary, secondary = pty.openpty()
    try:
        done = subprocess.run(
            command, env=environment, stdout=subprocess.DEVNULL, stderr=secondary, timeout=120
        )
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(primary)
    assert done.returncode == 0
    return b"".join(chunks).decode().splitlines()


def test_logs_in_a_terminal_are_text(tmp_path: Path) -> None:
    lines = [line for line in run_cli(tmp_path, terminal=True) if line.strip()]
    assert any("database migrated" in line for line in lines), lines
    assert not any(line.lstrip().startswith("{") for line in lines), lines


def test_logs_to_a_pipe_are_json(tmp_path: Path) -> None:
    lines = [line for line in run_cli(tmp_path, terminal=False) if line.strip()]
    entries = [json.loads(line) for line in lines]
    assert any("database migrated" in entry["message"] for entry in entries), entries


def test_the_setting_overrides_the_terminal_check(tmp_path: Path) -> None:
    lines = [line for line in run_cli(tmp_path, terminal=True, VITRINA_LOG_JSON="true") if line]
    assert lines and all(json.loads(line)["level"] for line in lines if line.strip())
