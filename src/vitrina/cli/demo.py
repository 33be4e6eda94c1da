"""``vitrina demo`` (what ``make run`` runs): a whole shop on this machine, one command, offline.

It starts the Bitrix stand-in with a seeded catalog (photos served on 127.0.0.1), makes a fresh
SQLite database under ``./var/demo/<port>/`` (a folder per port, held under a lock, so two demos
never touch each other's data), a webhook secret and an admin token, imports the catalog,
then serves Vitrina with the embedded worker, which indexes the imported products. Meanwhile the
stand-in plays a shop manager: every ``--change-every`` seconds it edits the catalog and posts
the signed webhook to Vitrina, so the dashboard has something to show; it starts only once
Vitrina answers, and the terminal says when a scheduled reconcile healed a lost webhook.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import shlex
import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vitrina.cli.output import escape, out

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.orm import Session, sessionmaker

    from vitrina.config import Settings
    from vitrina.standin.server import StandIn

SHOP_ID = 1


def demo(
    port: Annotated[int, typer.Option(help="Port for Vitrina.")] = 8000,
    host: Annotated[str, typer.Option(help="Address for Vitrina.")] = "127.0.0.1",
    products: Annotated[int, typer.Option(min=1, help="Products in the pretend shop.")] = 60,
    seed: Annotated[int, typer.Option(help="Same seed, same catalog and photos.")] = 0,
    data_dir: Annotated[
        Path, typer.Option(help="Where the demo keeps its databases (a folder per port).")
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

    if not port_free(host, port):
        out(soft_wrap=True).print(
            f"[red]error:[/red] port {port} on {host} is in use (another demo?). "
            f"Stop it or choose another port: {escape(_port_hint(host, port))}."
        )
        raise typer.Exit(1)

    folder = data_dir / str(port)
    folder.mkdir(parents=True, exist_ok=True)
    with _exclusive(folder) as locked:
        if not locked:
            out(soft_wrap=True).print(
                f"[red]error:[/red] another demo is using {escape(str(folder))}. "
                f"Stop it or choose another port: {escape(_port_hint(host, port))}."
            )
            raise typer.Exit(1)
        _run(folder, host, port, products, seed, bitrix_port, change_every, reconcile_every)


def _run(
    folder: Path,
    host: str,
    port: int,
    products: int,
    seed: int,
    bitrix_port: int,
    change_every: float,
    reconcile_every: float,
) -> None:
    from vitrina.config import load_settings
    from vitrina.errors import VitrinaError
    from vitrina.ingest.signatures import new_secret
    from vitrina.standin.server import StandIn
    from vitrina.standin.telegram import TelegramStandIn

    database = (folder / "vitrina.db").resolve()
    clear_database(database)

    webhook_secret = new_secret()
    admin_token = secrets.token_urlsafe(18)
    bitrix_token = "demo-" + secrets.token_urlsafe(12)

    with out(soft_wrap=True).status(f"Generating a shop of {products} bouquets…"):
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
            out(soft_wrap=True).print(f"[red]error:[/red] {escape(exc.message)}")
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
    from vitrina.http.slow_clients import GuardedHttpProtocol
    from vitrina.integrations.bitrix.client import BitrixClient
    from vitrina.logs import configure_logging
    from vitrina.migrations import upgrade

    assert settings.bitrix_url and settings.bitrix_token
    configure_logging("WARNING", json_logs=False)
    _announce_reconciles()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    out(soft_wrap=True).print(f"[bold]Bitrix stand-in[/bold] on [cyan]{settings.bitrix_url}[/cyan]")
    with BitrixClient(settings.bitrix_url, settings.bitrix_token) as client:
        import_with_progress(sessions, client, shop_id=SHOP_ID)

    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
    webhook_url = f"{base}/api/v1/webhooks/product-sync"
    application = create_app(settings, run_worker=True)
    config = uvicorn.Config(  # X-Forwarded-For only from VITRINA_TRUSTED_PROXIES
        application, host=host, port=port, log_config=None, access_log=False, proxy_headers=False,
        http=GuardedHttpProtocol,
    )
    server = uvicorn.Server(config)
    stop = threading.Event()

    def announce() -> None:
        while not server.started:
            if stop.wait(0.05):
                return
        out(soft_wrap=True).print()
        out(soft_wrap=True).print(f"[bold green]Vitrina demo[/bold green] on [cyan]{base}[/cyan]")
        out(soft_wrap=True).print(f"  search      {base}/            (upload a photo of a bouquet)")
        out(soft_wrap=True).print(f"  dashboard   {base}/dashboard   (admin token below)")
        out(soft_wrap=True).print(f"  API docs    {base}/docs")
        out(soft_wrap=True).print(f"  admin token {settings.admin_token}")
        out(soft_wrap=True).print(f"  Bitrix      {standin.base_url}  (token {settings.bitrix_token})")
        out(soft_wrap=True).print(f"  Telegram    {settings.telegram_api_url}/  (a pretend chat with the shop's bot)")
        out(soft_wrap=True).print(f"  webhooks    the stand-in signs with {webhook_secret}")
        out(soft_wrap=True).print(f"              and posts to {webhook_url}")
        # Without the variable the CLI uses its default database, not this one.
        out(soft_wrap=True).print(f"  CLI         {escape(cli_command(settings.database_url, 'search PHOTO.jpg'))}")
        if change_every:
            out(soft_wrap=True).print(f"  changes     one shop edit every {change_every:g} s, sent as a webhook")
        out(soft_wrap=True).print("Indexing the catalog in the background… Ctrl-C to stop.")
        _watch_indexing(sessions, stop)

    def churn() -> None:
        if not _wait_until_answering(base, stop):
            return
        while not stop.wait(change_every):
            if server.should_exit:  # Ctrl-C: the server is closing, sends would only fail
                return
            event = standin.random_change()
            line = f"shop: {event.event_type} {event.product_data['id']}"
            try:
                response = standin.send_webhook(webhook_url, webhook_secret, event)
                line += f" → webhook HTTP {response.status_code}"
            except Exception as exc:  # the demo goes on even if one delivery fails
                if server.should_exit:  # sent as Ctrl-C closed the server: not a lost webhook
                    return
                line += f" → webhook not delivered ({type(exc).__name__})"
                if settings.reconcile_every:
                    line += f"; the reconcile (every {settings.reconcile_every:g} s) will heal it"
            out(soft_wrap=True).print(escape(line))

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
        out(soft_wrap=True).print("Demo stopped.")


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
            out(soft_wrap=True).print(f"[bold green]Catalog indexed[/bold green]: search is ready{suffix}.")
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
    if port and port_free("127.0.0.1", port):
        try:
            return standin.start(port)
        except RuntimeError:
            pass
    return standin.start(0)


def port_free(host: str, port: int) -> bool:
    """Whether uvicorn could listen there: bound with ``SO_REUSEADDR`` as uvicorn binds, so a
    socket left in TIME_WAIT by the demo just stopped does not count as a running server."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _port_hint(host: str, port: int) -> str:
    """How to start on a free port, the way this demo was started (``make run`` or the command)."""
    other = next((p for p in range(port + 1, min(port + 100, 65536)) if port_free(host, p)), 0)
    chosen = str(other) if other else "N"
    if os.environ.get("MAKELEVEL"):  # started by `make run`: make takes PORT=, not --port
        return f"make run PORT={chosen}"
    return f"--port {chosen}"


def clear_database(database: Path) -> None:
    """Remove a previous run's SQLite files and its saved index (``<database>.vectors/``)."""
    for stale in database.parent.glob(database.name + "*"):
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale)
        else:
            stale.unlink(missing_ok=True)


@contextmanager
def _exclusive(folder: Path) -> Iterator[bool]:
    """Hold ``folder/.lock`` for the demo's life; yields ``False`` when another demo holds it.

    The kernel drops the lock when the process ends however it ends, so a killed demo never
    leaves a stale lock behind."""
    with (folder / ".lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True


def _wait_until_answering(base: str, stop: threading.Event) -> bool:
    """Wait until Vitrina's database is ready (``/readyz``), so the first scripted edit is not
    sent before the server can take it."""
    import httpx

    while not stop.is_set():
        try:
            if "database" in httpx.get(f"{base}/readyz", timeout=5).json().get("ready", []):
                return True
        except (httpx.HTTPError, ValueError):
            pass
        stop.wait(0.2)
    return False


class _ReconcileAnnouncer(logging.Handler):
    """Prints a scheduled reconcile that changed the catalog: a webhook had been lost."""

    def emit(self, record: logging.LogRecord) -> None:
        healed = getattr(record, "healed", 0)
        if healed:
            out(soft_wrap=True).print(
                f"[bold yellow]reconcile[/bold yellow] healed {healed} change(s) that no webhook "
                f"delivered: {escape(record.getMessage())}"
            )


def _announce_reconciles() -> None:
    for handler in logging.getLogger().handlers:  # the console stays at WARNING …
        handler.setLevel(logging.WARNING)
    reconcile_log = logging.getLogger("vitrina.bitrix")
    reconcile_log.setLevel(logging.INFO)  # … while the reconcile's INFO summary reaches us
    if not any(isinstance(h, _ReconcileAnnouncer) for h in reconcile_log.handlers):
        reconcile_log.addHandler(_ReconcileAnnouncer(logging.INFO))
