"""Security headers: a strict Content-Security-Policy on Vitrina's own HTML pages, and the
headers every response can carry.

Each response gets a fresh CSP nonce (``request.state.csp_nonce``): a page that needs an inline
``<script>`` or ``<style>`` marks it with the nonce (the API docs page does); anything else inline
— an injected script — does not run. Pages may not be framed (clickjacking of the dashboard's
buttons). Nothing here restricts *who may load* Vitrina's static files and scripts
(no Cross-Origin-Resource-Policy): shops embed Vitrina's widget on their own sites.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Swagger UI and ReDoc come from a CDN (FastAPI's defaults); only the docs pages may load it.
DOCS_PATHS = frozenset({"/docs", "/redoc"})
_DOCS_SOURCES = "https://cdn.jsdelivr.net"
_NO_PAGES = ("/api/", "/static/", "/metrics", "/healthz")


def content_security_policy(nonce: str, *, docs: bool = False) -> str:
    """The CSP of an HTML page. Shop photos come from the shop's own server (any host), and the
    search page previews the chosen photo from a ``blob:`` URL; everything else is Vitrina's."""
    cdn = f" {_DOCS_SOURCES}" if docs else ""
    fonts = " https://fonts.googleapis.com https://fonts.gstatic.com" if docs else ""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'{cdn}",
            f"style-src 'self' 'nonce-{nonce}'{cdn}{fonts}",
            # The similarity bar's width is a style attribute; attributes cannot run code.
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' data: blob: https: http:",
            f"font-src 'self'{fonts}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Adds the headers to every HTTP response (CSP and framing rules to HTML ones)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        # Pages only: the API (webhooks above all) answers JSON and needs no nonce.
        nonce = "" if path.startswith(_NO_PAGES) else secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        docs = path in DOCS_PATHS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                if nonce and headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = content_security_policy(nonce, docs=docs)
                    headers["X-Frame-Options"] = "DENY"
            await send(message)

        await self.app(scope, receive, send_with_headers)
