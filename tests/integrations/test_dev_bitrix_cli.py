"""``vitrina dev bitrix`` runs the stand-in in the foreground, says where, and stops on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx

from tests.integrations.conftest import TOKEN


def test_dev_bitrix_serves_the_catalog_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", "from vitrina.cli.dev import app; app()", "bitrix",
         "--port", "0", "--products", "30", "--token", TOKEN, "--seed", "4"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"},
    )
    try:
        assert process.stdout is not None
        output = ""
        deadline = time.monotonic() + 30
        while (match := re.search(r"on (http://127\.0\.0\.1:\d+)", output)) is None:
            assert time.monotonic() < deadline and process.poll() is None, output
            output += process.stdout.readline()
        base_url = match.group(1)
        output += process.stdout.readline()
        assert TOKEN in output

        response = httpx.get(f"{base_url}/api/v2/products/", params={"limit": 100},
                             headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.json()["pagination"]["total"] == 30
        assert httpx.get(response.json()["data"][0]["image"]).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
