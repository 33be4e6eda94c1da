"""``vitrina telegram`` as an operator runs it (real subprocesses, the Bot API stand-in)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.support.eventually import eventually
from vitrina.standin.telegram import TelegramStandIn


def vitrina(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vitrina.cli", "telegram", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def bot_env(telegram: TelegramStandIn, **settings: str) -> dict[str, str]:
    """The bot's token and the stand-in's address, and ``settings`` as VITRINA_ variables."""
    return {
        "VITRINA_TELEGRAM_BOT_TOKEN": telegram.token,
        "VITRINA_TELEGRAM_API_URL": telegram.base_url,
        **{f"VITRINA_{name.upper()}": value for name, value in settings.items()},
    }


def test_set_webhook_registers_the_address_with_the_secret(sqlite_url):
    with TelegramStandIn() as telegram:
        env = bot_env(telegram, database_url=sqlite_url, public_url="https://vitrina.shop.kz/")
        refused = vitrina("set-webhook", env=env)
        assert (
            refused.returncode == 2
            and "VITRINA_TELEGRAM_WEBHOOK_SECRET" in refused.stdout + refused.stderr
        )
        done = vitrina("set-webhook", env={**env, "VITRINA_TELEGRAM_WEBHOOK_SECRET": "s3cret"})
        assert done.returncode == 0, done.stderr
        assert telegram.webhook_url == "https://vitrina.shop.kz/api/v1/telegram/webhook"
        assert telegram.webhook_secret == "s3cret"


def test_polling_command_takes_updates_until_stopped(sqlite_url, model_dir):
    with TelegramStandIn() as telegram:
        telegram.webhook_url = "https://left-over.example/hook"  # polling replaces a webhook
        env = bot_env(
            telegram, database_url=sqlite_url, model_dir=str(model_dir), search_process="false"
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "vitrina.cli", "telegram"],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            eventually(lambda: "getUpdates" in telegram.calls, timeout=120, what="polling")
            assert telegram.webhook_url is None
            telegram.send_message(3, {"text": "/start"})
            reply = eventually(lambda: telegram.messages(3), timeout=60, what="the reply")
            assert reply[0].text.startswith("Пришлите фото букета")
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr


def test_serve_runs_the_bot_when_the_token_is_set(tmp_path, model_dir):
    from tests.support.live import free_port

    with TelegramStandIn() as telegram:
        serve_db = f"sqlite:///{tmp_path}/serve.db"  # migrated by serve itself
        env = bot_env(telegram, database_url=serve_db, model_dir=str(model_dir))
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "vitrina.cli",
                "serve",
                "--port",
                str(free_port()),
                "--no-worker",
            ],
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            eventually(lambda: "getUpdates" in telegram.calls, timeout=180, what="polling")
            telegram.send_message(4, {"text": "/help"}, language="en")
            reply = eventually(lambda: telegram.messages(4), timeout=60, what="the reply")
            assert reply[0].text.startswith("Send a photo of a bouquet")
        finally:
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=60)
        # uvicorn re-raises the SIGTERM it handled once shut down: -15 is a clean stop here.
        assert process.returncode in (0, -signal.SIGTERM), stderr
        assert "Application shutdown complete" in stderr


def test_a_bot_shop_the_sites_do_not_map_to_stops_the_start_with_a_clear_message(sqlite_url):
    with TelegramStandIn() as telegram:
        env = bot_env(
            telegram, database_url=sqlite_url, bitrix_site_shops="s1=1,s2=2", telegram_shop_id="3"
        )
        refused = vitrina(env=env)
        assert refused.returncode == 2
        assert "VITRINA_TELEGRAM_SHOP_ID: shop 3" in refused.stdout + refused.stderr
        assert telegram.calls == []  # the bot never started
