"""The ``vitrina`` command: serve, migrate, worker, search, calibrate, jobs, import, reconcile, demo, telegram, …

Assembled here and only here: the command modules define plain functions and sub-apps, and never
import this one. Every module imported here is cheap (Typer; Rich loads with the first output,
``cli/output.py``); a command imports what it needs when it runs, so ``vitrina --help`` stays
fast and ``vitrina serve`` answers ``/healthz`` sooner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from vitrina.cli import calibration, demo, dev, indexing, models, sync, telegram
from vitrina.cli.output import err
from vitrina.cli.settings import migrated_database, settings_or_exit

if TYPE_CHECKING:
    from fastapi import FastAPI

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__.split("\n\n")[0])
secret_app = typer.Typer(no_args_is_help=True, help="Webhook secrets.")



def migrate() -> None:
    """Create or upgrade the database schema."""
    from vitrina.migrations import current_revision

    with migrated_database(settings_or_exit()) as engine:
        err().print(f"database at revision {current_revision(engine)}")


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    worker: bool = typer.Option(True, "--worker/--no-worker", help="Run an embedded worker."),
) -> None:
    """Run the HTTP API; it migrates the database as soon as it can reach it (``/readyz``)."""
    settings = settings_or_exit()  # before the heavy imports: a bad setting answers at once
    import uvicorn

    from vitrina.api.booting import BootingApp
    from vitrina.http.slow_clients import GuardedHttpProtocol
    from vitrina.logs import configure_logging

    def build() -> FastAPI:
        from vitrina.api.app import create_app  # the routes and all they import: after listening

        return create_app(settings, run_worker=worker, migrate=True)

    configure_logging(settings.log_level, json_logs=settings.log_json)
    application = BootingApp(build)  # /healthz answers while ``build`` runs
    # proxy_headers=False: X-Forwarded-For is trusted only from VITRINA_TRUSTED_PROXIES (the app
    # applies it), not from uvicorn's default of 127.0.0.1.
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        http=GuardedHttpProtocol,  # header and body timeouts; room kept near the open-file limit
    )


def secret_new() -> None:
    """Print a fresh Standard Webhooks secret (``whsec_…``)."""
    from vitrina.ingest.signatures import new_secret

    typer.echo(new_secret())


app.command()(migrate)
app.command()(serve)
app.command()(indexing.worker)
app.command()(indexing.search)
app.command()(calibration.calibrate)
app.add_typer(indexing.jobs_app, name="jobs")
app.command()(indexing.prune)
app.command()(indexing.reindex)
app.command("import")(sync.import_command)
app.command("reconcile")(sync.reconcile_command)
app.command("demo")(demo.demo)
app.add_typer(secret_app, name="secret")
secret_app.command("new")(secret_new)
app.add_typer(models.app, name="models", help="The image models (prepare the offline cache).")
app.add_typer(telegram.app, name="telegram", help="The shop's Telegram bot (long polling; set-webhook).")
app.add_typer(dev.app, name="dev", help="Development tools (the Bitrix API stand-in).")
