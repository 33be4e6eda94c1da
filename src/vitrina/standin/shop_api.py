"""The pretend shop's HTTP side: Bitrix's REST API (``/api/v2/products``), photos, product pages.

It answers as the real module does (``shared/bitrix/``): bearer token, ``limit``/``offset``
paging, ``{"success": false, "error": …}`` failures. :class:`_Misbehaviour` applies the faults a
test injected with :meth:`StandIn.fail_next` and records every answered request.
"""

from __future__ import annotations

import asyncio
import html
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vitrina.catalog.money import format_tenge
from vitrina.standin.photos import render_jpeg

if TYPE_CHECKING:
    from vitrina.standin.server import StandIn

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_TRUE = {"true", "1", "y", "yes"}
_FALSE = {"false", "0", "n", "no"}


def build_shop_app(standin: StandIn) -> FastAPI:
    """The stand-in's routes over its in-memory catalog."""
    app = FastAPI(title="Bitrix stand-in", docs_url=None, redoc_url=None, openapi_url=None)

    app.add_middleware(_Misbehaviour, standin=standin)

    def authorised(request: Request) -> bool:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and credentials.strip() == standin.token

    def unauthorised() -> JSONResponse:
        return _failure(
            401,
            "Authorization required: send Authorization: Bearer <token>.",
            {"WWW-Authenticate": "Bearer"},
        )

    async def list_products(request: Request) -> JSONResponse:
        if not authorised(request):
            return unauthorised()
        query = request.query_params
        try:
            limit = _int_param(query.get("limit"), "limit")
            offset = _int_param(query.get("offset"), "offset")
            product_id = _int_param(query.get("id"), "id")
            available = _bool_param(query.get("isAvailable"))
            type_ = query.get("type") or None
        except ValueError as exc:
            return _failure(400, str(exc))
        limit = DEFAULT_LIMIT if limit is None else limit
        offset = 0 if offset is None else offset
        if not 1 <= limit <= MAX_LIMIT:
            return _failure(400, f"limit must be between 1 and {MAX_LIMIT}.")
        if offset < 0:
            return _failure(400, "offset must not be negative.")
        if type_ not in (None, "catalog", "vitrina"):
            return _failure(400, "type must be catalog or vitrina.")
        selected = standin.listing(type_, available, product_id)
        page = [standin.served(fields) for fields in selected[offset : offset + limit]]
        return JSONResponse(
            {
                "success": True,
                "data": page,
                "pagination": {
                    "total": len(selected),
                    "limit": limit,
                    "offset": offset,
                    "hasMore": offset + len(page) < len(selected),
                },
            }
        )

    async def product_detail(request: Request) -> JSONResponse:
        if not authorised(request):
            return unauthorised()
        try:
            product_id = _int_param(request.query_params.get("id"), "id")
        except ValueError as exc:
            return _failure(400, str(exc))
        if product_id is None:
            return _failure(400, "id is required.")
        product = standin.product(product_id)
        if product is None:
            return _failure(404, f"Product {product_id} not found.")
        return JSONResponse({"success": True, "data": product})

    # Sync on purpose: rendering is CPU work and FastAPI runs sync routes in a thread pool.
    def photo(path: str) -> Response:
        ref = standin.photo_ref("/upload/" + path)
        if ref is None:
            return Response("Not Found", status_code=404, media_type="text/plain")
        body = render_jpeg(ref.bouquet, ref.variant, ref.size)
        return Response(
            body, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=86400"}
        )

    # A shop has a page per product: where a customer who found a bouquet goes to buy it.
    def product_page(product_id: str) -> Response:
        known = product_id.isascii() and product_id.isdigit()
        product = standin.product(int(product_id)) if known else None
        if product is None:
            return Response("Товар не найден", status_code=404, media_type="text/plain")
        return HTMLResponse(_product_page(product))

    for route in ("/api/v2/products/", "/api/v2/products"):
        app.add_api_route(route, list_products, methods=["GET"], include_in_schema=False)
    for route in ("/api/v2/products/detail", "/api/v2/products/detail/"):
        app.add_api_route(route, product_detail, methods=["GET"], include_in_schema=False)
    app.add_api_route("/upload/{path:path}", photo, methods=["GET"], include_in_schema=False)
    app.add_api_route(
        "/catalog/{product_id}/", product_page, methods=["GET"], include_in_schema=False
    )
    return app


def _product_page(product: dict[str, Any]) -> str:
    """A product's page as a small Bitrix shop renders it (Russian, for phones)."""
    title = html.escape(str(product.get("title", "")))
    price = product.get("price")
    shown = format_tenge(price * 100) if isinstance(price, int) else str(price)
    available = "В наличии" if product.get("isAvailable") else "Нет в наличии"
    image = html.escape(str(product.get("image") or ""), quote=True)
    return (
        '<!doctype html><html lang="ru"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} — демо-магазин</title></head><body>"
        f'<h1>{title}</h1><img src="{image}" alt="{title}" style="max-width:100%">'
        f"<p>{html.escape(shown)} · {available}</p>"
        "<button disabled>В корзину</button>"
        "<p><small>Это демонстрационный магазин Vitrina: купить здесь нельзя.</small></p>"
        "</body></html>"
    )


class _Misbehaviour:
    """ASGI middleware: applies injected faults and records every answered request."""

    def __init__(self, app: ASGIApp, standin: StandIn) -> None:
        self.app = app
        self.standin = standin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        status = 0

        query = scope.get("query_string", b"").decode("latin-1")

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # Recorded before the last byte leaves: a client that has its answer must
                # already see its request in ``requests`` (tests count retries by it).
                self.standin.record_request(scope["method"], path, query, status)
            await send(message)

        fault = self.standin.take_fault(path)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.status is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            await _failure(fault.status, "Injected failure.", headers)(
                scope, receive, recording_send
            )
        else:
            await self.app(scope, receive, recording_send)


def _failure(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"success": False, "error": message}, status_code=status, headers=headers)


def _int_param(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {value!r}.") from None


def _bool_param(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError(f"isAvailable must be true or false, got {value!r}.")
