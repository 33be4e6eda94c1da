"""FastAPI dependencies as ``Annotated`` aliases."""

from __future__ import annotations

import hmac
import math
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from vitrina.db import database_errors
from vitrina.errors import RateLimited, Unauthorized
from vitrina.http import csrf
from vitrina.http import session as dashboard_session
from vitrina.http.state import Services


def get_services(request: Request) -> Services:
    """The app's services (built in the lifespan)."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

# Routes that answer while the process starts: liveness and readiness themselves.
HEALTH_PATHS = frozenset({"/healthz", "/readyz"})


async def require_started(request: Request) -> None:
    """Every route but health waits for the migrated database: 503 ``starting`` until then.

    ``async``, though it awaits nothing: a plain function dependency runs on anyio's thread
    pool, and that hand-over on every request was ~7 % of the event loop's time under webhook
    load (py-spy), besides the pool thread's own work, for a check that reads one flag.
    """
    if request.url.path not in HEALTH_PATHS:
        get_services(request).readiness.require_database()


def get_read_session(services: ServicesDep) -> Iterator[Session]:
    """A session for reads; routes that write own their transaction explicitly."""
    with database_errors(), services.sessions() as session:
        yield session


ReadSession = Annotated[Session, Depends(get_read_session)]


def client_address(request: Request) -> str:
    """The client's address: the TCP peer, or X-Forwarded-For's when the peer is a trusted proxy
    (``VITRINA_TRUSTED_PROXIES``; the proxy middleware has already rewritten the peer)."""
    return request.client.host if request.client else "unknown"


def limit_searches(request: Request, services: ServicesDep) -> None:
    """Search is public: each client address gets ``VITRINA_SEARCH_RATE_LIMIT`` searches a second
    (bursts up to ``VITRINA_SEARCH_RATE_BURST``), then 429 with ``Retry-After``."""
    wait = services.search_limiter.acquire(client_address(request))
    if wait is not None:
        raise RateLimited(
            f"Too many searches from your address; try again in {math.ceil(wait)} s.",
            retry_after=wait,
        )


SearchQuota = Depends(limit_searches)


def require_admin(request: Request, services: ServicesDep) -> None:
    """Bearer ``VITRINA_ADMIN_TOKEN`` (or the dashboard's session cookie, set after login)."""
    token = services.settings.admin_token
    if not token:
        raise Unauthorized("Admin endpoints are disabled: set VITRINA_ADMIN_TOKEN.")
    header = request.headers.get("authorization", "")
    offered = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None
    if offered is None:
        cookie = request.cookies.get(dashboard_session.COOKIE_NAME)
        with database_errors():
            logged_in = dashboard_session.is_active(services.sessions, cookie, token)
        if logged_in:
            assert cookie is not None
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                # A cookie is sent by the browser on its own: the dashboard's token proves
                # that the dashboard, not another site, sent this request.
                csrf.check_token(request, cookie, request.headers.get(csrf.HEADER))
            return
    if (
        offered is None
        or not offered.isascii()
        or not hmac.compare_digest(offered.encode(), token.encode())
    ):
        raise Unauthorized(
            "Admin token required: send 'Authorization: Bearer <VITRINA_ADMIN_TOKEN>'."
        )


AdminDep = Annotated[None, Depends(require_admin)]
