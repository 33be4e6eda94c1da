"""The ``vitrina`` command: serve, migrate, worker, search, jobs, import, reconcile, demo, …"""

from __future__ import annotations

import typer
from rich.console import Console

from vitrina.cli.demo import demo
from vitrina.cli.sync import import_command, reconcile_command
from vitrina.config import Settings, load_settings
from vitrina.errors import VitrinaError

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
secret_app = typer.Typer(no_args_is_help=True, help="Webhook secrets.")
app.add_typer(secret_app, name="secret")
app.command("import")(import_command)
app.command("reconcile")(reconcile_command)
app.command("demo")(demo)

console = Console(stderr=True)


def settings_or_exit() -> Settings:
    """The settings, or a clear message and exit code 2 when the configuration is invalid."""
    try:
        return load_settings()
    except VitrinaError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from vitrina.db import make_engine
    from vitrina.migrations import current_revision, upgrade

    settings = settings_or_exit()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    console.print(f"database at revision {current_revision(engine)}")
    engine.dispose()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    worker: bool = typer.Option(True, "--worker/--no-worker", help="Run an embedded worker."),
) -> None:
    """Run the HTTP API (migrating the database first)."""
    import uvicorn

    from vitrina.api.app import create_app
    from vitrina.db import make_engine
    from vitrina.logs import configure_logging
    from vitrina.migrations import upgrade

    settings = settings_or_exit()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    application = create_app(settings, run_worker=worker)
    uvicorn.run(application, host=host, port=port, log_config=None, access_log=False)


@secret_app.command("new")
def secret_new() -> None:
    """Print a fresh Standard Webhooks secret (``whsec_…``)."""
    from vitrina.ingest.signatures import new_secret

    typer.echo(new_secret())


def _register_subcommands() -> None:
    """Command groups live in their own modules; importing them registers them on ``app``."""
    from vitrina.cli import calibration, dev, indexing, models  # noqa: F401

    app.add_typer(models.app, name="models", help="The image models (prepare the offline cache).")
    app.add_typer(dev.app, name="dev", help="Development tools (the Bitrix API stand-in).")


_register_subcommands()

