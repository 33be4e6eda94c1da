"""The FastAPI application factory: mounts every domain's routes; builds services in the lifespan."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import Depends, FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from vitrina import __version__
from vitrina.api.health import router as health_router
from vitrina.api.metrics import install_metrics
from vitrina.api.startup import Startup
from vitrina.catalog.routes import router as catalog_router
from vitrina.config import Settings
from vitrina.http.body_limit import BodyLimitMiddleware, photo_body_limit
from vitrina.http.cors import RefusedOrigins, StorefrontCORS
from vitrina.http.deps import require_started
from vitrina.http.errors import install_error_handlers
from vitrina.http.readiness import DATABASE
from vitrina.http.request_id import RequestIdMiddleware
from vitrina.http.state import Services
from vitrina.jobs.routes import router as jobs_router
from vitrina.leads.routes import build_lead_sender, install_leads
from vitrina.runtime import build_api_services
from vitrina.search.routes import router as search_router
from vitrina.sync.routes import router as webhook_router
from vitrina.sync.stats import router as stats_router
from vitrina.telegram.routes import router as telegram_router
from vitrina.web.docs import install_docs
from vitrina.web.routes import install_web

if TYPE_CHECKING:  # the library (0.1 s) loads only when a bot is configured
    from vitrina.telegram.bot import TelegramBot
from vitrina.web.security_headers import SecurityHeadersMiddleware

log = logging.getLogger("vitrina")
GIL_SWITCH_INTERVAL_S = 0.001
API_DESCRIPTION = """Real-time catalog sync from 1C-Bitrix and search by photo.

**Units.** Every price is an integer in minor units of the currency: 1 ₸ = 100, so `495000`
is 4 950 ₸. Sizes are centimetres.

**Limits.** A photo (upload, base64 or address) is at most `VITRINA_IMAGE_MAX_BYTES` (10 MiB by
default) and `VITRINA_IMAGE_MAX_PIXELS` (40 megapixels); `top_k` is 1–100. Webhooks are limited
to `VITRINA_WEBHOOK_RATE_LIMIT` per second per address.

**Product pages.** Products and results carry `page_url`, the product's page on the shop; send
customers through `/go/{product_id}?s={search_id}` to count their click.
"""


def start_telegram_bot(
    settings: Settings, services: Services, wake_leads: Callable[[], None]
) -> TelegramBot | None:
    """The shop's bot when VITRINA_TELEGRAM_BOT_TOKEN is set: fed by the webhook route when
    VITRINA_TELEGRAM_WEBHOOK_SECRET is set, else long polling."""
    if not settings.telegram_bot_token:
        return None
    from vitrina.telegram.bot import TelegramBot  # python-telegram-bot: only for a shop's bot

    bot = TelegramBot(settings, services.searcher(), services.sessions, on_lead=wake_leads)
    # After the migrated database (``vitrina serve`` migrates in the background).
    bot.start_soon(
        polling=settings.telegram_webhook_secret is None,
        ready=lambda: services.readiness.is_ready(DATABASE),
    )
    return bot


def create_app(settings: Settings, *, run_worker: bool = False, migrate: bool = False) -> FastAPI:
    """A new Vitrina app. ``migrate``: bring the schema up in the background, answering 503
    ``starting`` until it is (``vitrina serve``); otherwise it must already be migrated."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Hand the GIL over every 1 ms instead of 5: the event loop (webhooks, every request's
        # I/O) then waits less behind search and worker threads running Python. Measured with
        # benchmarks/mixed_load.py: webhook p50 under search load 61–96 ms → 21–44 ms.
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        services = build_api_services(settings)
        app.state.services = services
        if not settings.webhook_secrets and not settings.legacy_webhook_secret:
            log.warning(
                "no webhook secret configured: POST /api/v1/webhooks/product-sync refuses every "
                "request. Create one with `vitrina secret new` and set VITRINA_WEBHOOK_SECRETS."
            )
        app.state.lead_sender = build_lead_sender(settings, services)
        startup = Startup(
            settings,
            services,
            run_worker=run_worker,
            migrate=migrate,
            lead_sender=app.state.lead_sender,
        )
        startup.begin()
        bot = start_telegram_bot(settings, services, app.state.lead_sender.wakeup.set)
        app.state.telegram = bot
        try:
            yield
        finally:
            if bot is not None:
                await bot.stop()
            startup.stop()
            services.writer.shutdown(wait=True)
            if services.search is not None:
                services.search.close()
            if services.fetcher is not None:
                services.fetcher.close()
            services.engine.dispose()

    app = FastAPI(
        title="Vitrina",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(require_started)],
        docs_url=None,  # served by install_docs: offline assets, the CSP nonce on its script
        redoc_url=None,
    )
    install_error_handlers(app)

    app.add_middleware(RequestIdMiddleware)
    app.state.refused_origins = RefusedOrigins()  # listed on the dashboard
    app.add_middleware(
        StorefrontCORS, origins=settings.cors_origins, refused=app.state.refused_origins
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, photo_limit=photo_body_limit(settings.image_max_bytes))
    if settings.trusted_proxies:
        # Outermost, so every part of the app (rate limits, logs) sees the real client address.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)

    app.include_router(health_router)
    app.include_router(webhook_router)
    app.include_router(catalog_router)
    app.include_router(search_router)
    app.include_router(jobs_router)
    app.include_router(stats_router)
    app.include_router(telegram_router)
    install_leads(app)
    install_metrics(app)
    install_web(app)
    install_docs(app)
    return app
