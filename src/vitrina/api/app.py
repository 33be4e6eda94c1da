"""The FastAPI application factory: engines, limiter, search and worker built in the lifespan."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI

from vitrina import __version__
from vitrina.api.errors import install_error_handlers
from vitrina.api.health import router as health_router
from vitrina.api.request_id import RequestIdMiddleware
from vitrina.api.state import Services
from vitrina.api.stats import router as stats_router
from vitrina.catalog.routes import router as catalog_router
from vitrina.config import Settings
from vitrina.db import is_sqlite, make_engine, make_sessionmaker
from vitrina.embedding import get_embedder
from vitrina.images.fetch import HttpPhotoFetcher
from vitrina.ingest.ratelimit import TokenBucketLimiter
from vitrina.ingest.routes import router as webhook_router
from vitrina.integrations.bitrix.reconcile import start_reconcile_schedule
from vitrina.jobs.reindex import IndexingContext
from vitrina.jobs.routes import router as jobs_router
from vitrina.jobs.worker import Worker
from vitrina.metrics import install_metrics
from vitrina.search.routes import router as search_router
from vitrina.search.service import SearchService
from vitrina.vectors.factory import make_index
from vitrina.web.routes import install_web

log = logging.getLogger("vitrina")


def build_services(settings: Settings) -> Services:
    """Everything an app instance needs, built fresh (tests build one per test).

    The embedder is created here but loads its model lazily (the worker loads it at start).
    """
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    embedder = get_embedder(settings=settings)
    fetcher = HttpPhotoFetcher.from_settings(settings)
    index = make_index(
        engine,
        embedder.name,
        embedder.dim,
        folder=settings.vector_index_dir,
        ef_search=settings.vector_ef_search,
    )
    services = Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        limiter=TokenBucketLimiter(settings.webhook_rate_limit, settings.webhook_rate_burst),
        search=SearchService(settings, sessions, embedder, index, fetcher),
        indexing=IndexingContext(sessions, embedder, fetcher, max_pixels=settings.image_max_pixels),
        fetcher=fetcher,
        writer=ThreadPoolExecutor(
            1 if is_sqlite(engine) else 8, thread_name_prefix="vitrina-writer"
        ),
    )
    return services


def _warm_index(services: Services) -> None:
    if services.search is None:
        return
    try:
        with services.sessions() as session:
            services.search.index.count(session)
    except Exception as error:  # the first search retries; the service starts regardless
        log.warning("vector index not warmed at start-up: %s", error)


def build_worker(services: Services) -> Worker:
    """A worker sharing the app's embedder, fetcher and database."""
    settings = services.settings
    assert services.indexing is not None
    return Worker(
        services.indexing,
        concurrency=settings.worker_concurrency,
        lease_s=settings.job_lease_s,
        max_attempts=settings.job_max_attempts,
        poll_s=settings.job_poll_s,
        batch_size=settings.worker_batch,
        retention_days=settings.retention_days,
    )


def create_app(settings: Settings, *, run_worker: bool = False) -> FastAPI:
    """A new Vitrina app. The schema must already be migrated (``vitrina migrate``/``serve`` do)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings)
        app.state.services = services
        if not settings.webhook_secrets and not settings.legacy_webhook_secret:
            log.warning(
                "no webhook secret configured: POST /api/v1/webhooks/product-sync refuses every "
                "request. Create one with `vitrina secret new` and set VITRINA_WEBHOOK_SECRETS."
            )
        if run_worker:
            services.worker = build_worker(services)
            services.worker.start()
        stop_reconcile = start_reconcile_schedule(settings, services.sessions)
        if is_sqlite(services.engine):
            # Load (or build) the in-memory index now rather than in the first customer's search.
            threading.Thread(
                target=_warm_index, args=(services,), name="vitrina-index-warm", daemon=True
            ).start()
        try:
            yield
        finally:
            if stop_reconcile is not None:
                stop_reconcile()
            if services.worker is not None:
                services.worker.stop()
            services.writer.shutdown(wait=True)
            if services.search is not None:
                services.search.index.close()
            if services.fetcher is not None:
                services.fetcher.close()
            services.engine.dispose()

    app = FastAPI(
        title="Vitrina",
        version=__version__,
        description="Real-time catalog sync from 1C-Bitrix and search by photo.",
        lifespan=lifespan,
    )
    install_error_handlers(app)

    app.add_middleware(RequestIdMiddleware)

    app.include_router(health_router)
    app.include_router(webhook_router)
    app.include_router(catalog_router)
    app.include_router(search_router)
    app.include_router(jobs_router)
    app.include_router(stats_router)
    install_metrics(app)
    install_web(app)
    return app
