"""``vitrina serve``'s first second: answer ``/healthz`` while the real app is imported and built.

Importing the whole app — FastAPI, its routes, the ORM models, httpx, Jinja2, Prometheus — was
about two thirds of the start (issue 20: start-up to ``/healthz`` was 3.5× ``import fastapi``).
This ASGI app is what uvicorn serves: it imports none of that, builds the real app in a thread
once the server is up, runs the real app's lifespan, and from then on hands every request to it.
Until then ``/healthz`` is 200, ``/readyz`` is 503 naming the app as loading (or why it failed
to build), and every other route 503 ``starting`` with ``Retry-After`` — what the real app
answers while it migrates. Tests and the demo build the real app directly (``create_app``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from vitrina.http.readiness import PARTS, Starting

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import Receive, Scope, Send

log = logging.getLogger("vitrina.startup")
APP = "app"  # the extra part /readyz names while the routes load

# What every response carries (web/security_headers.py adds them once the app is up).
HEADERS = [(b"content-type", b"application/json"), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"strict-origin-when-cross-origin")]


class BootingApp:
    """An ASGI app that is ``build()``'s app once built, and answers health until then."""

    def __init__(self, build: Callable[[], FastAPI]) -> None:
        self._build = build
        self._app: FastAPI | None = None
        self._loading: asyncio.Task[None] | None = None
        self._lifespan: AbstractAsyncContextManager[Any] | None = None
        self._failure: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._run_lifespan(receive, send)
        elif self._app is not None:
            await self._app(scope, receive, send)
        elif scope["type"] == "http":
            await self._answer_while_loading(scope, send)
        else:  # a websocket before the app is up: refused (Vitrina serves none)
            await send({"type": "websocket.close", "code": 1013})

    async def _run_lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._loading = asyncio.create_task(self._load(), name="vitrina-load-app")
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _load(self) -> None:
        """Build the app off the event loop, then start it (its lifespan) on the loop."""
        try:
            app = await asyncio.to_thread(self._build)
            lifespan = app.router.lifespan_context(app)
            await lifespan.__aenter__()
        except Exception as error:  # a bug or a broken install: not ready, and logged once
            log.exception("the app failed to start")
            self._failure = f"failed: {type(error).__name__}: {error}"
            return
        self._lifespan, self._app = lifespan, app

    async def _stop(self) -> None:
        """Shut down: a load in progress is finished first, then the real app's lifespan."""
        if self._loading is not None:
            await self._loading
        if self._lifespan is not None:
            await self._lifespan.__aexit__(None, None, None)

    async def _answer_while_loading(self, scope: Scope, send: Send) -> None:
        path = scope["path"]
        body: dict[str, object]
        if path == "/healthz":
            status, body, headers = 200, {"status": "ok"}, HEADERS
        else:
            retry = [(b"retry-after", str(int(Starting.retry_after or 2)).encode())]
            headers = HEADERS + retry
            if path == "/readyz":
                missing = {part: "starting" for part in PARTS}
                missing[APP] = self._failure or "loading"
                status, body = 503, {"status": "starting", "ready": [], "missing": missing}
            else:
                starting = Starting()
                error = {"code": starting.code, "message": starting.message}
                status, body = starting.status_code, {"status": "error", "error": error}
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})
