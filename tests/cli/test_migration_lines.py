"""CLI commands say nothing about the schema unless they migrated it, and then one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_only_a_migration_is_reported_and_in_one_line(tmp_path: Path) -> None:
    env = {key: val for key, val in os.environ.items() if not key.startswith("VITRINA_")}
    env.update(
        VITRINA_DATABASE_URL=f"sqlite:///{tmp_path / 'vitrina.db'}",
        VITRINA_MODEL_DIR=str(tmp_path / "models"),
    )

    def jobs_list() -> list[str]:
        result = subprocess.run(
            [sys.executable, "-m", "vitrina.cli", "jobs", "list"],
            env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        return [line for line in result.stderr.splitlines() if line.strip()]

    first = jobs_list()
    assert len(first) == 1 and "database migrated from an empty schema to" in first[0], first
    assert jobs_list() == []
