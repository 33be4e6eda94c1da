"""Rendering errors: one handler for the whole hierarchy, JSON for the API."""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.requests import ClientDisconnect

from vitrina.errors import RateLimited, ServiceUnavailable, VitrinaError

log = logging.getLogger("vitrina.api")


class ErrorBody(BaseModel):
    """The error object in every 4xx/5xx answer."""

    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    """``{"status": "error", "error": {...}}``"""

    status: str = "error"
    error: ErrorBody


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The one JSON error shape."""
    body = ErrorResponse(error=ErrorBody(code=code, message=message, field=field))
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


def describe_validation_error(errors: list[Any]) -> tuple[str, str | None]:
    """Pydantic errors → ``"field: problem (got value)"`` naming the first bad field."""
    parts = []
    first_field = None
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
        field = ".".join(loc) or "body"
        first_field = first_field or field
        got = err.get("input")
        shown = f" (got {got!r})" if got is not None and not isinstance(got, dict | list) else ""
        parts.append(f"{field}: {err.get('msg', 'invalid')}{shown}")
    return "; ".join(parts[:5]), first_field


async def _vitrina_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, VitrinaError)
    headers = None
    if isinstance(exc, RateLimited | ServiceUnavailable):
        # An outage with no estimate of its own: a few seconds is how long a restart takes.
        retry_after = exc.retry_after if exc.retry_after is not None else 5.0
        headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}
    if exc.status_code >= 500:
        log.warning("request failed: %s", exc.message, exc_info=exc.__cause__ is not None)
    renderer = getattr(request.app.state, "html_error_renderer", None)
    if renderer is not None and _wants_html(request):
        rendered: Response = renderer(request, exc)
        rendered.headers.update(headers or {})
        return rendered
    return error_response(
        exc.status_code, exc.code, exc.message, getattr(exc, "field", None), headers
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    message, field = describe_validation_error(list(exc.errors()))
    return error_response(422, "invalid_payload", message, field)


async def _client_disconnected(request: Request, exc: Exception) -> Response:
    """The client went away mid-request (closed, or cut as too slow): one line, no traceback;
    nothing was applied, and the answer goes nowhere."""
    client = request.client.host if request.client else "unknown"
    log.info("client %s disconnected during %s %s", client, request.method, request.url.path)
    return Response(status_code=400, headers={"Connection": "close"})


async def _database_error(request: Request, exc: Exception) -> Response:
    """A database error no route turned into a 503 itself: an outage (unreachable, connection
    lost) is still a 503 with ``Retry-After`` on every route, never a 500; anything else is a bug."""
    assert isinstance(exc, DBAPIError)
    if isinstance(exc, OperationalError) or exc.connection_invalidated:
        outage = ServiceUnavailable("The database is unavailable just now; try again shortly.")
        outage.__cause__ = exc
        return await _vitrina_error(request, outage)
    log.exception("unexpected database error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "Internal error; it has been logged.",
                          headers={"Connection": "close"})


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    # Starlette re-raises after this answer and uvicorn then drops the connection: say so, or a
    # keep-alive client's next request on it fails too.
    return error_response(
        500,
        "internal_error",
        "Internal error; it has been logged.",
        headers={"Connection": "close"},
    )


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(VitrinaError, _vitrina_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ClientDisconnect, _client_disconnected)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)
