"""Commands started while the database is down: a one-shot command says so in one line (exit
code 75, EX_TEMPFAIL: retry later), a service waits for it and stops cleanly if told to."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.eventually import eventually
from tests.support.photos import jpeg, sample_photos
from vitrina.standin.telegram import TelegramStandIn

DOWN = "postgresql+psycopg://postgres@/vitrina?host={tmp}"  # no server listens in that folder


def env(tmp_path: Path, model_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "VITRINA_DATABASE_URL": DOWN.format(tmp=tmp_path),
        "VITRINA_MODEL_DIR": str(model_dir),
        "VITRINA_LOG_JSON": "false",
    }


@pytest.mark.parametrize(
    "command", [["migrate"], ["search", "{photo}"], ["reindex"]]
)
def test_a_command_run_with_the_database_down_says_so_in_one_line(tmp_path, model_dir, command):
    photo = tmp_path / "bouquet.jpg"
    photo.write_bytes(jpeg(sample_photos()["coffee"]))
    args = [part.format(photo=photo) for part in command]
    for _ in range(2):  # the same the second time: nothing half-made is left behind
        done = subprocess.run(
            [sys.executable, "-m", "vitrina.cli", *args],
            env=env(tmp_path, model_dir),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 75, done.stderr
        assert "the database cannot be reached" in done.stderr
        assert "Traceback" not in done.stderr + done.stdout
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize("service", ["worker", "telegram"])
def test_a_service_started_with_the_database_down_waits_and_stops_cleanly(
    tmp_path, model_dir, service
):
    log = tmp_path / f"{service}.log"
    with TelegramStandIn() as telegram:
        bot = {"VITRINA_TELEGRAM_BOT_TOKEN": telegram.token,
               "VITRINA_TELEGRAM_API_URL": telegram.base_url}  # fmt: skip
        process = subprocess.Popen(
            [sys.executable, "-m", "vitrina.cli", service],
            env={**env(tmp_path, model_dir), **bot},
            stdout=subprocess.DEVNULL,
            stderr=log.open("ab"),
        )
        try:
            eventually(lambda: "database not ready" in log.read_text(), what=f"{service} waiting")
            assert process.poll() is None  # still waiting, not crashed
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == 0
        finally:
            if process.poll() is None:
                process.kill()
        assert telegram.calls == []  # the bot did not start before its database
    assert "Traceback" not in log.read_text()
    assert log.read_text().count("database not ready") == 1  # once per reason, not per attempt
