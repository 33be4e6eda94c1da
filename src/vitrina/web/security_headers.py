"""The headers responses carry: a strict Content-Security-Policy and framing rules on Vitrina's
own HTML pages, ``Vary: Accept-Language`` on them too, and the headers every response can carry.

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

_NO_PAGES = ("/api/", "/static/", "/static-docs/", "/metrics", "/healthz", "/readyz")


def content_security_policy(nonce: str) -> str:
    """The CSP of an HTML page. Shop photos come from the shop's own server (any host), and the
    search page previews the chosen photo from a ``blob:`` URL; everything else is Vitrina's,
    the API docs' Swagger UI and ReDoc included (``web/docs.py``)."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            # The similarity bar's width is a style attribute; attributes cannot run code.
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' data: blob: https: http:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Adds the headers to every HTTP response (CSP, framing rules and ``Vary`` to HTML ones).

    ``Vary: Accept-Language``: the same address is Russian for one visitor and English for
    another, and a cache in between must not mix them up.
    """

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

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.add_vary_header("Accept-Language")
                    if nonce:
                        headers["Content-Security-Policy"] = content_security_policy(nonce)
                        headers["X-Frame-Options"] = "DENY"
            await send(message)

        await self.app(scope, receive, send_with_headers)
