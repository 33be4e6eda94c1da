"""A stand-in for the shop's Bitrix REST API, its photo server and its webhooks.

Tests, benchmarks and the offline demo need a shop that speaks the real API
(``shared/bitrix/``), serves real photos and changes while Vitrina watches. :class:`StandIn`
keeps a seeded catalog in memory, serves it over real HTTP (uvicorn, in a background thread or
in the foreground), applies scripted changes and posts the signed webhook for each. It can also
misbehave on purpose (:meth:`StandIn.fail_next`) the way the real server does at times.

Photo URLs point at the stand-in's own address, as the real ones point at the shop's server.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from vitrina.standin.seed import (
    PRODUCT_FIELDS,
    SHOP_TZ,
    GeneratedProduct,
    PhotoRef,
    ProductFactory,
    format_price,
    price_for,
)
from vitrina.standin.serving import ServerThread, StartsAndStops, listening_socket, quiet_server
from vitrina.standin.shop_api import build_shop_app
from vitrina.standin.webhooks import EventType, ProductEvent, send_webhook

FaultScope = Literal["api", "photos", "all"]

DEFAULT_TOKEN = "standin-token"  # noqa: S105 — a pretend shop's token, not a secret


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


class StandIn(StartsAndStops):
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
        self._serving = ServerThread("Bitrix stand-in")
        for _ in range(products):
            self._add(self._factory.new())
        self.app = build_shop_app(self)

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
        sock, self._bound_url = listening_socket(host, port)
        self._serving.start(self.app, sock)
        return self.base_url

    def stop(self) -> None:
        """Stop the background server and wait for it (idempotent)."""
        self._serving.stop()

    def serve_forever(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        *,
        on_ready: Callable[[str], None] | None = None,
    ) -> None:
        """Serve in the calling thread until Ctrl-C; ``on_ready`` gets the base URL once bound."""
        sock, self._bound_url = listening_socket(host, port)
        if on_ready is not None:
            on_ready(self.base_url)
        quiet_server(self.app).run(sockets=[sock])

    # --- the catalog -----------------------------------------------------------------------------

    @property
    def products(self) -> list[dict[str, Any]]:
        """Every product as the API serves it, in listing order."""
        with self._lock:
            return [self.served(stored.fields) for stored in self._products.values()]

    @property
    def product_ids(self) -> list[int]:
        """Ids in listing order."""
        with self._lock:
            return list(self._products)

    def product(self, product_id: int) -> dict[str, Any] | None:
        """One product as the detail endpoint serves it, or ``None``."""
        with self._lock:
            stored = self._products.get(product_id)
            return None if stored is None else self.served(stored.fields)

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
            return self._event("product.created", self.served(stored.fields))

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
            return self._event("product.updated", self.served(stored.fields))

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

    def record_request(self, method: str, path: str, query: str, status: int) -> None:
        """Note an answered request (the HTTP side calls this; tests count retries by it)."""
        with self._lock:
            self.requests.append(RequestRecord(method, path, query, status))

    def clear_faults(self) -> None:
        """Forget faults not yet used."""
        with self._lock:
            self._faults.clear()

    def take_fault(self, path: str) -> Fault | None:
        """The fault for a request to ``path``, if one is waiting for its scope."""
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

    def served(self, fields: dict[str, Any]) -> dict[str, Any]:
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

    def listing(
        self, type_: str | None, available: bool | None, product_id: int | None
    ) -> list[dict[str, Any]]:
        """Stored fields of the products a listing with these filters returns, in order."""
        with self._lock:
            return [
                stored.fields
                for pid, stored in self._products.items()
                if (type_ is None or stored.fields.get("type") == type_)
                and (available is None or bool(stored.fields.get("isAvailable")) is available)
                and (product_id is None or pid == product_id)
            ]


def _check_fields(fields: Iterable[str]) -> None:
    unknown = sorted(set(fields) - set(PRODUCT_FIELDS))
    if unknown:
        raise ValueError(
            f"not Bitrix product fields: {', '.join(unknown)} (known: {PRODUCT_FIELDS})"
        )


def _path_of(url: str) -> str:
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "://" in url else url
