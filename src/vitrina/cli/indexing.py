"""``vitrina worker``, ``vitrina search``, ``vitrina jobs``, ``vitrina reindex``."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from vitrina.api.state import Services
from vitrina.cli.main import app, settings_or_exit
from vitrina.db import write_session
from vitrina.errors import VitrinaError
from vitrina.jobs import queue
from vitrina.jobs.models import PENDING, RUNNING, Job

jobs_app = typer.Typer(no_args_is_help=True, help="The reindex job queue.")
app.add_typer(jobs_app, name="jobs")
console = Console()
errors = Console(stderr=True)


def _services() -> Services:
    from vitrina.api.app import build_services
    from vitrina.db import make_engine
    from vitrina.logs import configure_logging
    from vitrina.migrations import upgrade

    settings = settings_or_exit()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    engine.dispose()
    return build_services(settings)


@app.command()
def worker(
    concurrency: int = typer.Option(
        None, help="Worker threads (default VITRINA_WORKER_CONCURRENCY)."
    ),
) -> None:
    """Take reindex jobs until SIGTERM/SIGINT (the current job finishes or is released)."""
    from vitrina.api.app import build_worker

    services = _services()
    if concurrency:
        services.settings.worker_concurrency = concurrency
    running = build_worker(services)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    running.start()
    stop.wait()
    running.stop()


@app.command()
def search(
    photo: Path = typer.Argument(..., exists=True, dir_okay=False, help="A photo file."),
    top_k: int = typer.Option(10, "--top-k", min=1, max=100),
    shop: int = typer.Option(None, help="Only this shop."),
) -> None:
    """Search the catalog by photo and print a table."""
    from vitrina.vectors.base import SearchFilters

    services = _services()
    assert services.search is not None
    try:
        query = services.search.embed_bytes(photo.read_bytes())
        found = services.search.search(
            query, top_k=top_k, threshold=None, filters=SearchFilters(shop_id=shop)
        )
    except VitrinaError as exc:
        errors.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from None
    table = Table(
        title=f"{len(found.results)} of {found.total_indexed} photos "
        f"({found.embedder}, {found.search_time_ms:.0f} ms)"
    )
    for column in ("#", "product", "name", "price", "similarity", "colour", "match"):
        table.add_column(column)
    exact = {r.product_id for r in found.exact}
    for n, r in enumerate(found.results, 1):
        check = r.verification
        table.add_row(
            str(n),
            str(r.product_id),
            r.name,
            f"{r.price / 100:,.0f} ₸".replace(",", " "),
            f"{r.similarity:.3f}",
            "—" if r.colour_similarity is None else f"{r.colour_similarity:.2f}",
            f"exact ({check.inliers} points, colours {check.colour_agreement:.0%})"
            if r.product_id in exact and check is not None
            else "similar",
        )
    console.print(table)


@jobs_app.command("list")
def jobs_list(
    state: str = typer.Option(None, help="pending|running|done|dead"), limit: int = typer.Option(50)
) -> None:
    """Newest jobs first."""
    services = _services()
    with services.sessions() as session:
        rows = queue.list_jobs(session, state=state, limit=limit)
        table = Table()
        for column in ("id", "product", "state", "attempts", "error / outcome"):
            table.add_column(column)
        for job in rows:
            table.add_row(
                str(job.id),
                str(job.product_id),
                job.state,
                str(job.attempts),
                job.last_error if job.state == "dead" else (job.outcome or ""),
            )
    console.print(table)


@jobs_app.command("retry")
def jobs_retry(job_id: int) -> None:
    """Put a dead job back in the queue."""
    services = _services()
    with write_session(services.sessions) as session:
        job = queue.retry_dead(session, job_id)
    if job is None:
        errors.print(f"[red]error:[/red] job {job_id} not found or not dead")
        raise typer.Exit(1)
    console.print(f"job {job_id} queued again")


@app.command()
def prune(
    days: float = typer.Option(
        None, help="Older than this many days (default VITRINA_RETENTION_DAYS)."
    ),
) -> None:
    """Delete finished jobs and event-log rows past the retention period (dead jobs stay)."""
    from vitrina.jobs.retention import prune as prune_history

    services = _services()
    keep = days if days is not None else services.settings.retention_days
    with write_session(services.sessions) as session:
        pruned = prune_history(session, keep)
    console.print(
        f"deleted {pruned.events} events and {pruned.jobs} finished jobs older than {keep:g} days"
    )


@app.command()
def reindex(
    shop: int = typer.Option(None, help="Only this shop."),
    stale_only: bool = typer.Option(False, help="Only products not yet embedded by this model."),
) -> None:
    """Queue and run reindex jobs, with a progress bar."""
    from sqlalchemy import func, select

    from vitrina.api.app import build_worker

    services = _services()
    assert services.search is not None
    with write_session(services.sessions) as session:
        ids = queue.enqueue_products(
            session, services.search.embedder.name, shop_id=shop, stale_only=stale_only
        )
    runner = build_worker(services)
    with Progress(
        TextColumn("reindexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("reindex", total=len(ids))
        while True:
            ran = runner.run_until_idle(max_jobs=10)
            with services.sessions() as session:
                left = (
                    session.scalar(
                        select(func.count()).where(
                            Job.product_id.in_(ids), Job.state.in_([PENDING, RUNNING])
                        )
                    )
                    or 0
                )
            progress.update(task, completed=len(ids) - left)
            if ran == 0:
                break
    with services.sessions() as session:
        dead = len(queue.list_jobs(session, state="dead", limit=1000))
    console.print(f"{len(ids)} products queued; dead jobs in the queue: {dead}")
