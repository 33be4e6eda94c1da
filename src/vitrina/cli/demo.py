"""``vitrina demo`` (what ``make run`` runs): a whole shop on this machine, one command, offline.

It starts the Bitrix stand-in with a seeded catalog (photos served on 127.0.0.1), makes a fresh
SQLite database under ``./var/demo/``, a webhook secret and an admin token, imports the catalog,
then serves Vitrina with the embedded worker, which indexes the imported products. Meanwhile the
stand-in plays a shop manager: every ``--change-every`` seconds it edits the catalog and posts
the signed webhook to Vitrina, so the dashboard has something to show.
"""

from __future__ import annotations

import secrets
import shlex
import socket
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.orm import Session, sessionmaker

    from vitrina.config import Settings
    from vitrina.standin.server import StandIn

console = Console(soft_wrap=True)  # never break a secret or a URL across lines
SHOP_ID = 1


def demo(
    port: Annotated[int, typer.Option(help="Port for Vitrina.")] = 8000,
    host: Annotated[str, typer.Option(help="Address for Vitrina.")] = "127.0.0.1",
    products: Annotated[int, typer.Option(min=1, help="Products in the pretend shop.")] = 60,
    seed: Annotated[int, typer.Option(help="Same seed, same catalog and photos.")] = 0,
    data_dir: Annotated[
        Path, typer.Option(help="Where the demo keeps its database.")
    ] = Path("var/demo"),
    bitrix_port: Annotated[
        int, typer.Option(help="Port for the Bitrix stand-in (0: any free port).")
    ] = 8800,
    change_every: Annotated[
        float,
        typer.Option(min=0, help="Seconds between scripted shop changes sent as webhooks (0: none)."),
    ] = 30.0,
    reconcile_every: Annotated[
        float, typer.Option(min=0, help="Seconds between scheduled reconcile runs (0: none).")
    ] = 600.0,
) -> None:
    """Run the offline demo: a seeded pretend Bitrix shop, imported, indexed and served."""
    from vitrina.config import load_settings
    from vitrina.errors import VitrinaError
    from vitrina.ingest.signatures import new_secret
    from vitrina.standin.server import StandIn
    from vitrina.standin.telegram import TelegramStandIn

    if not _port_free(host, port):
        console.print(
            f"[red]error:[/red] port {port} on {host} is in use (another demo?). "
            "Stop it or pass --port."
        )
        raise typer.Exit(1)

    data_dir.mkdir(parents=True, exist_ok=True)
    database = (data_dir / "vitrina.db").resolve()
    for stale in data_dir.glob("vitrina.db*"):  # a fresh catalog every run: same demo each time
        stale.unlink()

    webhook_secret = new_secret()
    admin_token = secrets.token_urlsafe(18)
    bitrix_token = "demo-" + secrets.token_urlsafe(12)

    with console.status(f"Generating a shop of {products} bouquets…"):
        standin = StandIn(products, token=bitrix_token, seed=seed)
        bitrix_url = _start_standin(standin, bitrix_port)
        telegram = TelegramStandIn()  # the shop's bot, long-polling a pretend Telegram
        telegram.start()
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
    try:
        try:
            settings = load_settings(
                database_url=f"sqlite:///{database}",
                webhook_secrets=[webhook_secret],
                admin_token=admin_token,
                image_hosts_allow=["127.0.0.1"],
                bitrix_url=bitrix_url,
                bitrix_token=bitrix_token,
                product_url_template=f"{bitrix_url}/catalog/{{id}}/",  # the stand-in's pages
                reconcile_every=reconcile_every or None,
                default_shop_id=SHOP_ID,
                log_json=False,
                public_url=base,
                telegram_bot_token=telegram.token,
                telegram_api_url=telegram.base_url,
            )
        except VitrinaError as exc:
            console.print(f"[red]error:[/red] {escape(exc.message)}")
            raise typer.Exit(2) from None
        _serve(settings, host, port, standin, webhook_secret, change_every)
    finally:
        standin.stop()
        telegram.stop()


def _serve(
    settings: Settings,
    host: str,
    port: int,
    standin: StandIn,
    webhook_secret: str,
    change_every: float,
) -> None:
    import uvicorn

    from vitrina.api.app import create_app
    from vitrina.cli.sync import import_with_progress
    from vitrina.db import make_engine, make_sessionmaker
    from vitrina.integrations.bitrix.client import BitrixClient
    from vitrina.logs import configure_logging
    from vitrina.migrations import upgrade

    assert settings.bitrix_url and settings.bitrix_token
    configure_logging("WARNING", json_logs=False)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    console.print(f"[bold]Bitrix stand-in[/bold] on [cyan]{settings.bitrix_url}[/cyan]")
    with BitrixClient(settings.bitrix_url, settings.bitrix_token) as client:
        import_with_progress(sessions, client, shop_id=SHOP_ID)

    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
    webhook_url = f"{base}/api/v1/webhooks/product-sync"
    application = create_app(settings, run_worker=True)
    config = uvicorn.Config(  # X-Forwarded-For only from VITRINA_TRUSTED_PROXIES
        application, host=host, port=port, log_config=None, access_log=False, proxy_headers=False
    )
    server = uvicorn.Server(config)
    stop = threading.Event()

    def announce() -> None:
        while not server.started:
            if stop.wait(0.05):
                return
        console.print()
        console.print(f"[bold green]Vitrina demo[/bold green] on [cyan]{base}[/cyan]")
        console.print(f"  search      {base}/            (upload a photo of a bouquet)")
        console.print(f"  dashboard   {base}/dashboard   (admin token below)")
        console.print(f"  API docs    {base}/docs")
        console.print(f"  admin token {settings.admin_token}")
        console.print(f"  Bitrix      {standin.base_url}  (token {settings.bitrix_token})")
        console.print(f"  Telegram    {settings.telegram_api_url}/  (a pretend chat with the shop's bot)")
        console.print(f"  webhooks    the stand-in signs with {webhook_secret}")
        console.print(f"              and posts to {webhook_url}")
        # Without the variable the CLI uses its default database, not this one.
        console.print(f"  CLI         {escape(cli_command(settings.database_url, 'search PHOTO.jpg'))}")
        if change_every:
            console.print(f"  changes     one shop edit every {change_every:g} s, sent as a webhook")
        console.print("Indexing the catalog in the background… Ctrl-C to stop.")
        _watch_indexing(sessions, stop)

    def churn() -> None:
        while not stop.wait(change_every):
            event = standin.random_change()
            line = f"shop: {event.event_type} {event.product_data['id']}"
            try:
                response = standin.send_webhook(webhook_url, webhook_secret, event)
                line += f" → webhook HTTP {response.status_code}"
            except Exception as exc:  # the demo goes on even if one delivery fails
                line += f" → webhook not delivered ({type(exc).__name__})"
            console.print(escape(line))

    threads = [threading.Thread(target=announce, name="demo-announce", daemon=True)]
    if change_every:
        threads.append(threading.Thread(target=churn, name="demo-changes", daemon=True))
    for thread in threads:
        thread.start()
    try:
        server.run()
    except KeyboardInterrupt:
        pass  # uvicorn shuts down gracefully, then re-raises the Ctrl-C it caught: a normal stop
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        engine.dispose()
        console.print("Demo stopped.")


def _watch_indexing(sessions: sessionmaker[Session], stop: threading.Event) -> None:
    """Say when the imported catalog is searchable (every indexing job finished)."""
    from vitrina.jobs.models import DEAD, PENDING, RUNNING, Job

    while not stop.wait(1.0):
        try:
            with sessions() as session:
                open_jobs = _count(session, Job.state.in_([PENDING, RUNNING]))
                dead = _count(session, Job.state == DEAD)
        except Exception:  # the demo database is going away (shutdown): stop watching
            return
        if open_jobs == 0:
            suffix = f" ({dead} could not be indexed: see /dashboard)" if dead else ""
            console.print(f"[bold green]Catalog indexed[/bold green]: search is ready{suffix}.")
            return


def _count(session: Session, condition: ColumnElement[bool]) -> int:
    from sqlalchemy import func, select

    from vitrina.jobs.models import Job

    return int(session.scalar(select(func.count(Job.id)).where(condition)) or 0)


def cli_command(database_url: str, arguments: str) -> str:
    """A shell line running this same ``vitrina`` on the demo's database (``.venv/bin/vitrina``)."""
    launched = Path(sys.argv[0])
    if launched.name == "vitrina":
        program = launched.resolve()
        shown = program.relative_to(Path.cwd()) if program.is_relative_to(Path.cwd()) else program
        command = shlex.quote(str(shown))
    else:  # python -m vitrina.cli, or a test
        command = f"{shlex.quote(sys.executable)} -m vitrina.cli"
    return f"VITRINA_DATABASE_URL={shlex.quote(database_url)} {command} {arguments}"


def _start_standin(standin: StandIn, port: int) -> str:
    """Start on ``port`` if free, else on any free port (the demo works either way)."""
    if port and _port_free("127.0.0.1", port):
        try:
            return standin.start(port)
        except RuntimeError:
            pass
    return standin.start(0)


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True
