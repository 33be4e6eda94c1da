"""CORS for the storefront: the shop's pages may call the search API, and nothing else may.

Starlette's :class:`CORSMiddleware` does the protocol (preflight, ``Vary: Origin``); this wraps
it so that only the public search paths answer cross-site, and only to the origins in
``VITRINA_CORS_ORIGINS``: the admin API and the dashboard never send CORS headers.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

# What the widget calls: the searches, a product, and "more like this".
PUBLIC_PREFIXES = ("/api/v1/search", "/api/v1/products/")


class StorefrontCORS:
    """CORS headers on the public search paths for the configured origins only."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept", "Accept-Language"],
            allow_credentials=False,
            max_age=3600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if path.startswith(PUBLIC_PREFIXES):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
