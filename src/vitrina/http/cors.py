"""CORS for the storefront: the shop's pages may call the search API, and nothing else may.

Starlette's :class:`CORSMiddleware` does the protocol (preflight, ``Vary: Origin``); this wraps
it so that only the public search paths answer cross-site, and only to the origins in
``VITRINA_CORS_ORIGINS``: the admin API and the dashboard never send CORS headers.

A browser request from any other site is refused here with a 403, before the photo is read,
embedded or counted: without it the browser would hide the answer from the page anyway, but
Vitrina would have done the work and the dashboard would count a search nobody saw. Vitrina's
own pages are always allowed; requests without an ``Origin`` (servers, curl) are not browsers'.
The refused origins are remembered (in this process) for the dashboard, so a shop that forgot
to list its site sees it there.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from vitrina.db import utcnow
from vitrina.http.errors import error_response

log = logging.getLogger("vitrina.cors")
# What the widget calls: the searches, a product, "more like this" and a customer's request.
PUBLIC_PREFIXES = ("/api/v1/search", "/api/v1/products/", "/api/v1/leads")
MAX_REMEMBERED = 50


@dataclass
class RefusedOrigin:
    """A site whose pages tried to use the search and were refused."""

    origin: str
    count: int
    last_seen: datetime
    last_path: str


class RefusedOrigins:
    """The origins refused since start-up, most recent first, at most ``MAX_REMEMBERED``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, RefusedOrigin] = {}

    def add(self, origin: str, path: str) -> None:
        with self._lock:
            known = self._seen.pop(origin, None)
            if known is None and len(self._seen) >= MAX_REMEMBERED:
                oldest = min(self._seen.values(), key=lambda r: r.last_seen)
                del self._seen[oldest.origin]
            count = known.count + 1 if known else 1
            self._seen[origin] = RefusedOrigin(origin[:200], count, utcnow(), path[:200])

    def recent(self) -> list[RefusedOrigin]:
        with self._lock:
            return sorted(self._seen.values(), key=lambda r: r.last_seen, reverse=True)


def own_origin(scope: Scope, headers: Headers) -> str:
    """This request's own ``scheme://host[:port]``, as a browser on Vitrina's pages sends it."""
    return f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()


class StorefrontCORS:
    """CORS headers on the public search paths for the configured origins only."""

    def __init__(
        self, app: ASGIApp, origins: list[str], refused: RefusedOrigins | None = None
    ) -> None:
        self.app = app
        self.allowed = {origin.lower() for origin in origins}
        self.refused = refused if refused is not None else RefusedOrigins()
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept", "Accept-Language"],
            allow_credentials=False,
            expose_headers=["Retry-After"],  # the widget waits as long as the server asks
            max_age=3600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None or origin.lower() in self.allowed or "*" in self.allowed:
            await self.cors(scope, receive, send)
            return
        if origin.lower() == own_origin(scope, headers):
            await self.app(scope, receive, send)  # Vitrina's own pages: same origin, no CORS
            return
        self.refused.add(origin, path)
        log.warning(
            "refused a request from %s to %s: add it to VITRINA_CORS_ORIGINS if it is the "
            "shop's site",
            origin[:200],
            path,
        )
        if scope.get("method") == "OPTIONS":
            await self.cors(scope, receive, send)  # Starlette's 400 for a disallowed preflight
            return
        await _refuse(scope, receive, send, origin)


async def _refuse(scope: Scope, receive: Receive, send: Send, origin: str) -> None:
    """403 in the one JSON error shape; no CORS headers, so the shop's page cannot read it."""
    message = (
        f"Origin {origin[:200]} is not in VITRINA_CORS_ORIGINS; this site may not use Vitrina's "
        "search."
    )
    await error_response(403, "origin_not_allowed", message, "Origin")(scope, receive, send)
