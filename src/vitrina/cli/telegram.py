"""``vitrina telegram``: the shop's bot by long polling, and registering its webhook."""

from __future__ import annotations

import asyncio
import signal
import threading
from typing import Annotated

import typer

from vitrina.cli.output import err
from vitrina.cli.settings import database_when_reachable, settings_or_exit

app = typer.Typer(no_args_is_help=False)
WEBHOOK_PATH = "/api/v1/telegram/webhook"


def _token_or_exit() -> None:
    settings = settings_or_exit()
    if not settings.telegram_bot_token:
        err().print("[red]error:[/red] set VITRINA_TELEGRAM_BOT_TOKEN (BotFather gives it).")
        raise typer.Exit(2)


@app.callback(invoke_without_command=True)
def telegram(ctx: typer.Context) -> None:
    """Run the shop's Telegram bot with long polling until SIGTERM/SIGINT (no public address
    needed; `vitrina serve` runs it too when VITRINA_TELEGRAM_BOT_TOKEN is set)."""
    if ctx.invoked_subcommand is not None:
        return
    _token_or_exit()
    from vitrina.logs import configure_logging
    from vitrina.runtime import build_api_services
    from vitrina.search.process import SearchProcess
    from vitrina.telegram.bot import TelegramBot

    settings = settings_or_exit()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    waiting = threading.Event()  # SIGTERM while the database is still down at start
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: waiting.set())
    with database_when_reachable(settings, waiting) as engine:
        if engine is None:
            return
    services = build_api_services(settings)
    searcher = services.searcher()
    if isinstance(searcher, SearchProcess):
        searcher.start()

    async def run() -> None:
        bot = TelegramBot(settings, searcher, services.sessions)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        bot.start_soon(polling=True)
        await asyncio.to_thread(searcher.warm, True)
        err().print("Telegram bot polling for updates; Ctrl-C to stop.")
        await stop.wait()
        await bot.stop()

    try:
        asyncio.run(run())
    finally:
        searcher.close()
        services.writer.shutdown(wait=True)
        if services.fetcher is not None:
            services.fetcher.close()
        services.engine.dispose()


@app.command("set-webhook")
def set_webhook(
    url: Annotated[
        str | None,
        typer.Option(help=f"The webhook's address (default: VITRINA_PUBLIC_URL + {WEBHOOK_PATH})."),
    ] = None,
) -> None:
    """Tell Telegram to post the bot's updates to Vitrina (setWebhook, with the secret token)."""
    _token_or_exit()
    settings = settings_or_exit()
    if not settings.telegram_webhook_secret:
        err().print("[red]error:[/red] set VITRINA_TELEGRAM_WEBHOOK_SECRET first.")
        raise typer.Exit(2)
    target = url or (f"{settings.public_url}{WEBHOOK_PATH}" if settings.public_url else None)
    if target is None or not target.startswith(("https://", "http://")):
        err().print("[red]error:[/red] give --url or set VITRINA_PUBLIC_URL (https://…).")
        raise typer.Exit(2)
    from telegram import Bot

    from vitrina.telegram.bot import bot_api_urls

    base_url, file_url = bot_api_urls(settings)
    secret = settings.telegram_webhook_secret

    async def register() -> None:
        assert settings.telegram_bot_token is not None
        async with Bot(
            settings.telegram_bot_token, base_url=base_url, base_file_url=file_url
        ) as bot:
            await bot.set_webhook(
                target, secret_token=secret, allowed_updates=["message", "callback_query"]
            )

    asyncio.run(register())
    typer.echo(f"webhook set: {target}")
