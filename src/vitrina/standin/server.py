"""A stand-in for the shop's Bitrix REST API, its photo server and its webhooks.

Tests, benchmarks and the offline demo need a shop that speaks the real API
(``shared/bitrix/``), serves real photos and changes while Vitrina watches. :class:`StandIn`
keeps a seeded catalog in memory, serves it over real HTTP (uvicorn, in a background thread or
in the foreground), applies scripted changes and posts the signed webhook for each. It can also
misbehave on purpose (:meth:`StandIn.fail_next`) the way the real server does at times.

Photo URLs point at the stand-in's own address, as the real ones point at the shop's server.
"""

from __future__ import annotations

import asyncio
import html
import json
import random
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, Self

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vitrina.catalog.money import format_tenge
from vitrina.ingest.signatures import signed_headers
from vitrina.standin.photos import render_jpeg
from vitrina.standin.seed import (
    PRODUCT_FIELDS,
    SHOP_TZ,
    GeneratedProduct,
    PhotoRef,
    ProductFactory,
    format_price,
    price_for,
)

EventType = Literal["product.created", "product.updated", "product.deleted"]
FaultScope = Literal["api", "photos", "all"]

DEFAULT_TOKEN = "standin-token"  # noqa: S105 — a pretend shop's token, not a secret
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_TRUE = {"true", "1", "y", "yes"}
_FALSE = {"false", "0", "n", "no"}


@dataclass(frozen=True, slots=True)
class ProductEvent:
    """One change at the source, in Vitrina's webhook envelope."""

    event_type: EventType
    product_data: dict[str, Any]
    event_id: str
    sequence: int
    occurred_at: str

    def envelope(self) -> dict[str, Any]:
        """The JSON body a good sender posts (what Vitrina's own Bitrix module sends)."""
        return {
            "event_type": self.event_type,
            "product_data": self.product_data,
            "event_id": self.event_id,
            "sequence": self.sequence,
            "occurred_at": self.occurred_at,
        }

    def legacy_body(self) -> dict[str, Any]:
        """The body the shop's old ``init.php`` handler posts: no ordering, no id."""
        return {"event_type": self.event_type, "product_data": self.product_data}


@dataclass(frozen=True, slots=True)
class Fault:
    """One request the stand-in will spoil: delay it, then answer ``status`` (or normally)."""

    status: int | None = 503
    retry_after: str | None = None
    delay: float = 0.0
    scope: FaultScope = "api"


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """A request the stand-in answered — so tests can count retries and pages."""

    method: str
    path: str
    query: str
    status: int


@dataclass(slots=True)
class _Stored:
    fields: dict[str, Any]
    generated: GeneratedProduct
    photo_paths: set[str] = field(default_factory=set)


class StandIn:
    """The shop: a seeded in-memory catalog behind the real REST API, photos and webhooks.

    ``public_url`` overrides the address written into photo URLs (e.g. behind a proxy);
    otherwise it is the address :meth:`start` or :meth:`serve_forever` bound.
    """

    def __init__(
        self,
        products: int = 50,
        *,
        token: str = DEFAULT_TOKEN,
        seed: int = 0,
        public_url: str | None = None,
    ) -> None:
        self.token = token
        self.seed = seed
        self.events: list[ProductEvent] = []
        self.requests: list[RequestRecord] = []
        self._public_url = public_url.rstrip("/") if public_url else None
        self._bound_url: str | None = None
        self._lock = threading.RLock()
        self._factory = ProductFactory(seed)
        self._change_rng = random.Random(seed + 1)
        self._products: dict[int, _Stored] = {}
        self._photos: dict[str, PhotoRef] = {}
        self._faults: deque[Fault] = deque()
        self._sequence = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        for _ in range(products):
            self._add(self._factory.new())
        self.app = self._build_app()

    # --- lifecycle -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Where the stand-in answers, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        url = self._public_url or self._bound_url
        if url is None:
            raise RuntimeError("The stand-in is not started; call start() first.")
        return url

    def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Serve in a background thread; returns the base URL (``port=0`` picks a free port)."""
        if self._thread is not None:
            raise RuntimeError("The stand-in is already running.")
        sock = self._bind(host, port)
        server = self._make_server()
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="bitrix-standin", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError(f"The Bitrix stand-in did not start on {host}:{port}.")
            time.sleep(0.01)
        self._server, self._thread = server, thread
        return self.base_url

    def stop(self) -> None:
        """Stop the background server and wait for it (idempotent)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server, self._thread = None, None

    def serve_forever(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        *,
        on_ready: Callable[[str], None] | None = None,
    ) -> None:
        """Serve in the calling thread until Ctrl-C; ``on_ready`` gets the base URL once bound."""
        sock = self._bind(host, port)
        if on_ready is not None:
            on_ready(self.base_url)
        self._make_server().run(sockets=[sock])

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _bind(self, host: str, port: int) -> socket.socket:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit this; without it, keep-alive requests given to uvicorn as a
        # ready socket stall ~40 ms each on Nagle's algorithm plus delayed ACKs.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        # Listening from here on: a client told the address (``on_ready``) before uvicorn runs
        # waits in the backlog instead of being refused.
        sock.listen(2048)
        bound_port = sock.getsockname()[1]
        # A wildcard bind is reached through loopback; URLs must name an address that answers.
        shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(
            host, f"[{host}]" if ":" in host else host
        )
        self._bound_url = f"http://{shown}:{bound_port}"
        return sock

    def _make_server(self) -> uvicorn.Server:
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        return uvicorn.Server(config)

    # --- the catalog -----------------------------------------------------------------------------

    @property
    def products(self) -> list[dict[str, Any]]:
        """Every product as the API serves it, in listing order."""
        with self._lock:
            return [self._public(stored.fields) for stored in self._products.values()]

    @property
    def product_ids(self) -> list[int]:
        """Ids in listing order."""
        with self._lock:
            return list(self._products)

    def product(self, product_id: int) -> dict[str, Any] | None:
        """One product as the detail endpoint serves it, or ``None``."""
        with self._lock:
            stored = self._products.get(product_id)
            return None if stored is None else self._public(stored.fields)

    def create_product(self, **fields: Any) -> ProductEvent:
        """Add a generated product (``fields`` override what was generated) to the end."""
        _check_fields(fields)
        with self._lock:
            generated = self._factory.new(created_at=datetime.now(SHOP_TZ))
            if "id" in fields:
                if fields["id"] in self._products:
                    raise ValueError(f"product {fields['id']} already exists")
                self._factory.reserve_id(int(fields["id"]))
            generated.fields.update(fields)
            stored = self._add(generated)
            return self._event("product.created", self._public(stored.fields))

    def update_product(
        self, product_id: int, *, replace_photos: bool | int = False, **fields: Any
    ) -> ProductEvent:
        """Change fields (Bitrix names: ``price``, ``isAvailable``, …) of an existing product.

        ``replace_photos`` (``True`` or a photo count) uploads new shots of the same bouquet
        under new URLs; the old URLs answer 404 afterwards, as on the real server.
        """
        _check_fields(fields)
        if "id" in fields:
            raise ValueError("a product's id cannot change")
        with self._lock:
            stored = self._require(product_id)
            if replace_photos:
                count = len(stored.fields["images"]) if replace_photos is True else replace_photos
                self._drop_photos(stored)
                generated = stored.generated
                image, images, photos = self._factory.photo_set(
                    generated.bouquet, first_variant=generated.next_variant, count=int(count)
                )
                generated.next_variant += int(count)
                stored.fields["image"], stored.fields["images"] = image, images
                self._add_photos(stored, photos)
            stored.fields.update(fields)
            return self._event("product.updated", self._public(stored.fields))

    def delete_product(self, product_id: int) -> ProductEvent:
        """Remove a product and its photos (their URLs answer 404 from now on)."""
        with self._lock:
            stored = self._require(product_id)
            del self._products[product_id]
            self._drop_photos(stored)
            return self._event("product.deleted", {"id": product_id})

    def random_change(self) -> ProductEvent:
        """One plausible edit by a shop manager (price, availability, photos, new or removed
        product), drawn from the seed: for demos and freshness benchmarks."""
        with self._lock:
            rng = self._change_rng
            kind = rng.choices(
                ["price", "availability", "photos", "create", "delete"],
                weights=[40, 20, 10, 20, 10],
            )[0]
            if kind == "create" or len(self._products) < 2:
                return self.create_product()
            product_id = rng.choice(list(self._products))
            if kind == "delete":
                return self.delete_product(product_id)
            if kind == "photos":
                return self.update_product(product_id, replace_photos=True)
            if kind == "availability":
                available = bool(self._products[product_id].fields.get("isAvailable"))
                return self.update_product(product_id, isAvailable=not available)
            bouquet = self._products[product_id].generated.bouquet
            return self.update_product(product_id, price=format_price(price_for(bouquet, rng), rng))

    def remove_photo(self, url: str) -> None:
        """Make one photo answer 404 while products still list it (a stale URL)."""
        path = _path_of(url)
        with self._lock:
            if self._photos.pop(path, None) is None:
                raise KeyError(f"no photo at {path}")

    def photo_ref(self, url: str) -> PhotoRef | None:
        """What a photo URL shows (bouquet, shot, size): for tests that reason about similarity."""
        with self._lock:
            return self._photos.get(_path_of(url))

    # --- webhooks --------------------------------------------------------------------------------

    def send_webhook(
        self,
        vitrina_url: str,
        secret: str | Sequence[str],
        event: ProductEvent,
        *,
        legacy: bool = False,
        timeout: float = 10.0,
    ) -> httpx.Response:
        """POST ``event`` to Vitrina, signed (see :func:`send_webhook`); returns the response."""
        return send_webhook(vitrina_url, secret, event, legacy=legacy, timeout=timeout)

    def _event(self, event_type: EventType, product_data: dict[str, Any]) -> ProductEvent:
        # Sequences must keep growing across stand-in restarts, or a Vitrina that remembers the
        # last sequence would drop every change of a new demo run as stale: start from the clock.
        self._sequence = max(self._sequence + 1, time.time_ns() // 1000)
        event = ProductEvent(
            event_type=event_type,
            product_data=product_data,
            event_id=str(uuid.uuid4()),
            sequence=self._sequence,
            occurred_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
        )
        self.events.append(event)
        return event

    # --- misbehaviour ----------------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int | None = 503,
        retry_after: float | str | None = None,
        delay: float = 0.0,
        scope: FaultScope = "api",
    ) -> None:
        """Spoil the next ``count`` requests in ``scope``: wait ``delay`` s, then answer ``status``.

        ``status=None`` with a ``delay`` makes a slow but correct answer — longer than the
        client's timeout, it is a timeout. ``retry_after`` is sent as the ``Retry-After`` header.
        """
        header = None if retry_after is None else str(retry_after)
        with self._lock:
            self._faults.extend(Fault(status, header, delay, scope) for _ in range(count))

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    def clear_faults(self) -> None:
        """Forget faults not yet used."""
        with self._lock:
            self._faults.clear()

    def _take_fault(self, path: str) -> Fault | None:
        scope = (
            "api" if path.startswith("/api/") else "photos" if path.startswith("/upload/") else ""
        )
        with self._lock:
            if self._faults and self._faults[0].scope in (scope, "all"):
                return self._faults.popleft()
        return None

    # --- store internals -------------------------------------------------------------------------

    def _add(self, generated: GeneratedProduct) -> _Stored:
        stored = _Stored(fields=generated.fields, generated=generated)
        self._products[int(generated.fields["id"])] = stored
        self._add_photos(stored, generated.photos)
        return stored

    def _add_photos(self, stored: _Stored, photos: dict[str, PhotoRef]) -> None:
        self._photos.update(photos)
        stored.photo_paths.update(photos)

    def _drop_photos(self, stored: _Stored) -> None:
        for path in stored.photo_paths:
            self._photos.pop(path, None)
        stored.photo_paths.clear()

    def _require(self, product_id: int) -> _Stored:
        stored = self._products.get(product_id)
        if stored is None:
            raise KeyError(f"no product {product_id} in the stand-in")
        return stored

    def _public(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Fields as served: photo paths become absolute URLs on this server."""
        out = dict(fields)
        out["image"] = self._absolute(fields.get("image"))
        images = fields.get("images")
        if isinstance(images, list):
            out["images"] = [self._absolute(url) for url in images]
        return out

    def _absolute(self, url: Any) -> Any:
        if isinstance(url, str) and url.startswith("/"):
            base = self._public_url or self._bound_url or "http://127.0.0.1"
            return base + url
        return url

    def _select(
        self, type_: str | None, available: bool | None, product_id: int | None
    ) -> list[dict[str, Any]]:
        with self._lock:
            return [
                stored.fields
                for pid, stored in self._products.items()
                if (type_ is None or stored.fields.get("type") == type_)
                and (available is None or bool(stored.fields.get("isAvailable")) is available)
                and (product_id is None or pid == product_id)
            ]

    # --- HTTP ------------------------------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="Bitrix stand-in", docs_url=None, redoc_url=None, openapi_url=None)

        app.add_middleware(_Misbehaviour, standin=self)

        def authorised(request: Request) -> bool:
            scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
            return scheme.lower() == "bearer" and credentials.strip() == self.token

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
            selected = self._select(type_, available, product_id)
            page = [self._public(fields) for fields in selected[offset : offset + limit]]
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
            product = self.product(product_id)
            if product is None:
                return _failure(404, f"Product {product_id} not found.")
            return JSONResponse({"success": True, "data": product})

        # Sync on purpose: rendering is CPU work and FastAPI runs sync routes in a thread pool.
        def photo(path: str) -> Response:
            with self._lock:
                ref = self._photos.get("/upload/" + path)
            if ref is None:
                return Response("Not Found", status_code=404, media_type="text/plain")
            body = render_jpeg(ref.bouquet, ref.variant, ref.size)
            return Response(
                body, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=86400"}
            )

        # A shop has a page per product: where a customer who found a bouquet goes to buy it.
        def product_page(product_id: str) -> Response:
            known = product_id.isascii() and product_id.isdigit()
            product = self.product(int(product_id)) if known else None
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
                self.standin._record(RequestRecord(scope["method"], path, query, status))
            await send(message)

        fault = self.standin._take_fault(path)
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.status is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            await _failure(fault.status, "Injected failure.", headers)(
                scope, receive, recording_send
            )
        else:
            await self.app(scope, receive, recording_send)


def send_webhook(
    vitrina_url: str,
    secret: str | Sequence[str],
    event: ProductEvent,
    *,
    legacy: bool = False,
    timeout: float = 10.0,
) -> httpx.Response:
    """POST ``event`` to Vitrina's webhook URL, signed the Standard Webhooks way.

    Several secrets produce several ``v1,`` signatures, as a sender does during key rotation.
    ``legacy=True`` imitates the shop's old handler instead: the bare body and the secret in
    ``X-Webhook-Secret``.
    """
    secrets_ = [secret] if isinstance(secret, str) else list(secret)
    if legacy:
        body = json.dumps(event.legacy_body(), ensure_ascii=False).encode()
        headers = {"X-Webhook-Secret": secrets_[0]}
    else:
        body = json.dumps(event.envelope(), ensure_ascii=False).encode()
        timestamp = int(time.time())
        headers = signed_headers(secrets_[0], body, event.event_id, timestamp)
        headers["webhook-signature"] = " ".join(
            signed_headers(s, body, event.event_id, timestamp)["webhook-signature"]
            for s in secrets_
        )
    headers["Content-Type"] = "application/json"
    return httpx.post(vitrina_url, content=body, headers=headers, timeout=timeout)


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


def _check_fields(fields: Iterable[str]) -> None:
    unknown = sorted(set(fields) - set(PRODUCT_FIELDS))
    if unknown:
        raise ValueError(
            f"not Bitrix product fields: {', '.join(unknown)} (known: {PRODUCT_FIELDS})"
        )


def _path_of(url: str) -> str:
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
