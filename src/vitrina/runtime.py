"""Building each kind of process's long-lived objects — the API's, the worker's, the CLI's.

Each builder makes only what its process uses: the worker needs no search index (nor its HNSW
check) and the CLI's queue commands need only the database. Nothing is built at import; the
caller owns what it gets and closes it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from vitrina.config import Settings
from vitrina.db import is_sqlite, make_engine, make_sessionmaker
from vitrina.embedding import get_embedder
from vitrina.http.ratelimit import TokenBucketLimiter
from vitrina.http.state import Services
from vitrina.images.fetch import HttpPhotoFetcher
from vitrina.jobs.reindex import IndexingContext
from vitrina.jobs.worker import Worker
from vitrina.retention import prune
from vitrina.search.process import SearchProcess
from vitrina.search.searcher import Searcher

if TYPE_CHECKING:
    from vitrina.search.service import SearchService


def build_indexing(
    settings: Settings, sessions: sessionmaker[Session], fetcher: HttpPhotoFetcher
) -> IndexingContext:
    """What reindexing needs: the embedder (its model loads lazily) and the photo fetcher."""
    return IndexingContext(
        sessions,
        get_embedder(settings=settings),
        fetcher,
        max_pixels=settings.image_max_pixels,
    )


def build_worker(
    settings: Settings,
    indexing: IndexingContext,
    *,
    concurrency: int | None = None,
    own_process: bool = False,
) -> Worker:
    """A worker over ``indexing``; ``concurrency`` overrides ``VITRINA_WORKER_CONCURRENCY``.
    ``own_process``: no webhook route shares its process to wake it (``vitrina worker``)."""
    return Worker(
        indexing,
        concurrency=concurrency or settings.worker_concurrency,
        lease_s=settings.job_lease_s,
        max_attempts=settings.job_max_attempts,
        poll_s=settings.job_poll_s,
        batch_size=settings.worker_batch,
        retention_days=settings.retention_days,
        prune=prune,
        watch_commits=own_process,
    )


def build_search(settings: Settings, engine: Engine, indexing: IndexingContext) -> SearchService:
    """Search by photo over the vector index of ``indexing``'s embedder, sharing its fetcher."""
    # Imported here: the API process with a search process of its own never builds one, and
    # faiss, OpenCV and the ranking need not load before it answers.
    from vitrina.search.service import SearchService
    from vitrina.vectors.factory import make_index

    embedder = indexing.embedder
    index = make_index(
        engine,
        embedder.name,
        embedder.dim,
        folder=settings.vector_index_dir,
        ef_search=settings.vector_ef_search,
    )
    return SearchService(settings, indexing.sessions, embedder, index, indexing.fetcher)


def build_search_service(settings: Settings) -> SearchService:
    """Search with its own database connections, embedder and fetcher: the search process's
    (``search/process.py`` calls this in the child by name)."""
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    return build_search(
        settings, engine, build_indexing(settings, sessions, HttpPhotoFetcher.from_settings(settings))
    )


def _searcher(settings: Settings, engine: Engine, indexing: IndexingContext) -> Searcher:
    if settings.search_process:
        return SearchProcess(settings, build_search_service, indexing.embedder.name)
    return build_search(settings, engine, indexing)


def build_api_services(settings: Settings) -> Services:
    """Everything an app instance needs, built fresh (tests build one per test).

    The embedder is created here but loads its model lazily (the worker loads it at start);
    search and the worker share it, the fetcher and the database.
    """
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    fetcher = HttpPhotoFetcher.from_settings(settings)
    indexing = build_indexing(settings, sessions, fetcher)
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        limiter=TokenBucketLimiter(settings.webhook_rate_limit, settings.webhook_rate_burst),
        search_limiter=TokenBucketLimiter(settings.search_rate_limit, settings.search_rate_burst),
        search=_searcher(settings, engine, indexing),
        indexing=indexing,
        fetcher=fetcher,
        writer=ThreadPoolExecutor(
            1 if is_sqlite(engine) else 8, thread_name_prefix="vitrina-writer"
        ),
    )
