"""The FastAPI application factory: engines, limiter, search and worker built in the lifespan."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from vitrina import __version__
from vitrina.api.errors import install_error_handlers
from vitrina.api.health import router as health_router
from vitrina.api.state import Services
from vitrina.catalog.routes import router as catalog_router
from vitrina.config import Settings
from vitrina.db import make_engine, make_sessionmaker
from vitrina.ingest.ratelimit import TokenBucketLimiter
from vitrina.ingest.routes import router as webhook_router
from vitrina.logs import request_id_var

log = logging.getLogger("vitrina")


def build_services(settings: Settings) -> Services:
    """Everything an app instance needs, built fresh (tests build one per test)."""
    engine = make_engine(settings.database_url)
    return Services(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        limiter=TokenBucketLimiter(settings.webhook_rate_limit, settings.webhook_rate_burst),
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
        try:
            yield
        finally:
            services.engine.dispose()

    app = FastAPI(
        title="Vitrina",
        version=__version__,
        description="Real-time catalog sync from 1C-Bitrix and search by photo.",
        lifespan=lifespan,
    )
    install_error_handlers(app)

    @app.middleware("http")
    async def request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        request.state.request_id = rid
        token = request_id_var.set(rid)
        try:
            response = await call_next(request)
        finally:
            request_id_var.reset(token)
        response.headers["X-Request-ID"] = rid
        return response

    app.include_router(health_router)
    app.include_router(webhook_router)
    app.include_router(catalog_router)
    return app
