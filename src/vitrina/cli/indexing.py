"""``vitrina worker``, ``vitrina search``, ``vitrina jobs``, ``vitrina reindex``."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vitrina.cli.output import err, out
from vitrina.cli.settings import database_when_reachable, migrated_database, settings_or_exit

if TYPE_CHECKING:
    from vitrina.config import Settings

jobs_app = typer.Typer(no_args_is_help=True, help="The reindex job queue.")


def _settings() -> Settings:
    from vitrina.logs import configure_logging

    settings = settings_or_exit()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    return settings


def worker(
    concurrency: int = typer.Option(
        None, help="Worker threads (default VITRINA_WORKER_CONCURRENCY)."
    ),
) -> None:
    """Take reindex jobs until SIGTERM/SIGINT; a database down at start is waited for.

    At the signal the current job finishes or is released.
    """
    from vitrina.db import make_sessionmaker
    from vitrina.images.fetch import HttpPhotoFetcher
    from vitrina.runtime import build_indexing, build_worker

    settings = _settings()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with database_when_reachable(settings, stop) as engine:
        if engine is None:  # stopped while the database was still down
            return
        with HttpPhotoFetcher.from_settings(settings) as fetcher:
            indexing = build_indexing(settings, make_sessionmaker(engine), fetcher)
            running = build_worker(settings, indexing, concurrency=concurrency, own_process=True)
            running.start()
            # Woken at least every half second: a signal the kernel hands to another thread
            # (the model's or a download's) only runs its Python handler when the main thread
            # next runs Python, and a wait without a timeout might never return to do that.
            while not stop.wait(0.5):
                pass
            running.stop()


def search(
    photo: Path = typer.Argument(..., exists=True, dir_okay=False, help="A photo file."),
    top_k: int = typer.Option(10, "--top-k", min=1, max=100),
    shop: int = typer.Option(None, help="Only this shop."),
    text: str = typer.Option(
        None,
        "--text",
        help="A few words with the photo: «такой же, но белый, до 20 000», «51 роза в коробке».",
    ),
) -> None:
    """Search the catalog by photo (and a few words) and print a table."""
    from rich.table import Table

    from vitrina.db import make_sessionmaker
    from vitrina.errors import VitrinaError
    from vitrina.images.fetch import HttpPhotoFetcher
    from vitrina.runtime import build_indexing, build_search
    from vitrina.search.asked import filters_with, read_words
    from vitrina.vectors.base import SearchFilters
    from vitrina.words.describe import describe

    settings = _settings()
    words = read_words(text)
    if words is not None:
        out().print(describe(words, settings.language or "ru") or "Понял: ничего из этих слов")
    with migrated_database(settings) as engine, HttpPhotoFetcher.from_settings(settings) as fetcher:
        indexing = build_indexing(settings, make_sessionmaker(engine), fetcher)
        service = build_search(settings, engine, indexing)
        try:
            query = service.embed_bytes(photo.read_bytes())
            found = service.search(
                query,
                top_k=top_k,
                threshold=None,
                filters=filters_with(SearchFilters(shop_id=shop), words),
                words=words,
            )
        except VitrinaError as exc:
            err().print(f"[red]error:[/red] {exc.message}")
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
    out().print(table)


@jobs_app.command("list")
def jobs_list(
    state: str = typer.Option(None, help="pending|running|done|dead"), limit: int = typer.Option(50)
) -> None:
    """Newest jobs first."""
    from rich.table import Table

    from vitrina.db import make_sessionmaker
    from vitrina.jobs import queue

    with migrated_database(_settings()) as engine, make_sessionmaker(engine)() as session:
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
    out().print(table)


@jobs_app.command("retry")
def jobs_retry(job_id: int) -> None:
    """Put a dead job back in the queue."""
    from vitrina.db import make_sessionmaker, write_session
    from vitrina.jobs import queue

    with (
        migrated_database(_settings()) as engine,
        write_session(make_sessionmaker(engine)) as session,
    ):
        job = queue.retry_dead(session, job_id)
    if job is None:
        err().print(f"[red]error:[/red] job {job_id} not found or not dead")
        raise typer.Exit(1)
    out().print(f"job {job_id} queued again")


def prune(
    days: float = typer.Option(
        None, help="Older than this many days (default VITRINA_RETENTION_DAYS)."
    ),
) -> None:
    """Delete finished jobs, event-log rows and search analytics past the retention period."""
    from vitrina.db import make_sessionmaker, write_session
    from vitrina.retention import prune as prune_history

    settings = _settings()
    keep = days if days is not None else settings.retention_days
    with migrated_database(settings) as engine, write_session(make_sessionmaker(engine)) as session:
        pruned = prune_history(session, keep)
    out().print(
        f"deleted {pruned.events} events, {pruned.jobs} finished jobs and {pruned.searches} "
        f"search records older than {keep:g} days"
    )


def reindex(
    shop: int = typer.Option(None, help="Only this shop."),
    stale_only: bool = typer.Option(False, help="Only products not yet embedded by this model."),
) -> None:
    """Queue and run reindex jobs, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from sqlalchemy import func, select

    from vitrina.db import make_sessionmaker, write_session
    from vitrina.images.fetch import HttpPhotoFetcher
    from vitrina.jobs import queue
    from vitrina.jobs.models import PENDING, RUNNING, Job
    from vitrina.runtime import build_indexing, build_worker

    settings = _settings()
    with migrated_database(settings) as engine, HttpPhotoFetcher.from_settings(settings) as fetcher:
        sessions = make_sessionmaker(engine)
        indexing = build_indexing(settings, sessions, fetcher)
        with write_session(sessions) as session:
            ids = queue.enqueue_products(
                session, indexing.embedder.name, shop_id=shop, stale_only=stale_only
            )
        runner = build_worker(settings, indexing)
        with Progress(
            TextColumn("reindexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=out(),
        ) as progress:
            task = progress.add_task("reindex", total=len(ids))
            while True:
                ran = runner.run_until_idle(max_jobs=10)
                with sessions() as session:
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
        with sessions() as session:
            dead = len(queue.list_jobs(session, state="dead", limit=1000))
    out().print(f"{len(ids)} products queued; dead jobs in the queue: {dead}")
