"""Request bodies are limited *while* they are read, so a huge upload never sits in memory.

A plain ASGI middleware: a declared ``Content-Length`` over the limit is refused before a byte is
read, and a body that streams past it (chunked, or a lying header) stops at the limit. Whatever the
route was doing with the body then (FastAPI answers 400 to a body it could not read), the client
gets 413 naming the limit.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vitrina.errors import PayloadTooLarge
from vitrina.http.errors import error_response

DEFAULT_LIMIT = 1024 * 1024
# Multipart boundaries, form fields and JSON around a photo: a generous allowance.
ENVELOPE_BYTES = 64 * 1024
PHOTO_PATHS = frozenset({"/api/v1/search", "/api/v1/search/upload", "/search"})


def photo_body_limit(image_max_bytes: int) -> int:
    """The body limit of the routes that take a photo: the photo as base64 (4/3), plus form."""
    return image_max_bytes * 4 // 3 + ENVELOPE_BYTES


class BodyTooLarge(PayloadTooLarge):
    """Raised from ``receive`` once the body passes the limit."""


class BodyLimitMiddleware:
    """413 for bodies over the limit: ``photo_limit`` on the photo routes, 1 MiB elsewhere."""

    def __init__(self, app: ASGIApp, *, photo_limit: int) -> None:
        self.app = app
        self.photo_limit = photo_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.photo_limit if scope["path"] in PHOTO_PATHS else DEFAULT_LIMIT
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and declared.isdigit() and int(declared[:20]) > limit:
            await _refuse(scope, receive, send, limit)
            return
        seen = 0
        exceeded = False
        answered = False

        async def limited_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise BodyTooLarge(_message(limit))
            return message

        async def checked_send(message: Message) -> None:
            nonlocal answered
            if not exceeded:
                await send(message)
                return
            # The route failed on the cut body in its own way; the truth is "too large".
            if message["type"] == "http.response.start" and not answered:
                answered = True
                await _refuse(scope, receive, send, limit)

        await self.app(scope, limited_receive, checked_send)


def _message(limit: int) -> str:
    return f"The request body is larger than the limit of {limit} bytes."


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    # The rest of the body is still on the wire: do not reuse the connection.
    refusal = error_response(
        413, "payload_too_large", _message(limit), headers={"connection": "close"}
    )
    await refusal(scope, receive, send)
