"""Read the shop's catalog through its REST API (``/api/v2/products/``), as raw Bitrix dicts.

The client only moves data: products come back exactly as Bitrix sends them, and turning them
into Vitrina's catalog is :mod:`vitrina.ingest.bitrix_format`'s job. What it adds is what a flaky
shop server needs: retries with backoff for timeouts, 5xx and 429 (honouring ``Retry-After``),
and typed errors that say what to fix (the token, or the address).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Protocol, Self

import httpx

from vitrina.integrations.bitrix.errors import (
    BitrixAuthError,
    BitrixError,
    BitrixUnavailable,
    busy_answer,
)
from vitrina.retry import Retries, Transient

LIST_PATH = "api/v2/products/"
DETAIL_PATH = "api/v2/products/detail"
MAX_LIMIT = 100

ProductType = Literal["catalog", "vitrina"]
RawProduct = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ProductPage:
    """One page of ``/api/v2/products/``: raw products plus where the page sits in the listing."""

    products: list[RawProduct]
    offset: int
    limit: int
    total: int
    has_more: bool

    @property
    def next_offset(self) -> int:
        """Where the next page starts — what an interrupted import stores to resume."""
        return self.offset + len(self.products)


class ProductSource(Protocol):
    """What Vitrina needs from a shop: the importer and reconciliation depend on this only."""

    def iter_pages(
        self,
        limit: int = MAX_LIMIT,
        offset: int = 0,
        type: ProductType | None = None,
        is_available: bool | None = None,
    ) -> Iterator[ProductPage]: ...

    def iter_products(
        self,
        limit: int = MAX_LIMIT,
        offset: int = 0,
        type: ProductType | None = None,
        is_available: bool | None = None,
    ) -> Iterator[RawProduct]: ...

    def get_product(self, product_id: int) -> RawProduct | None: ...


class BitrixClient:
    """Synchronous client for one shop; reuse it (it keeps connections) and close it when done.

    ``retries``: how a transient failure (timeout, 429, 5xx) is retried; the rest are not.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
        retries: Retries = Retries(),
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise BitrixError(
                f"The Bitrix address must start with http:// or https://, got {base_url!r}.",
                url=base_url,
            )
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.retries = retries
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close pooled connections."""
        self._http.close()

    # --- the API ---------------------------------------------------------------------------------

    def get_page(
        self,
        limit: int = MAX_LIMIT,
        offset: int = 0,
        type: ProductType | None = None,
        is_available: bool | None = None,
    ) -> ProductPage:
        """One page of the listing."""
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
        if offset < 0:
            raise ValueError(f"offset must not be negative, got {offset}")
        params: dict[str, str | int] = {"limit": limit, "offset": offset}
        if type is not None:
            params["type"] = type
        if is_available is not None:
            params["isAvailable"] = "true" if is_available else "false"
        response = self._request(LIST_PATH, params)
        payload = self._json(response)
        data = payload.get("data")
        pagination = payload.get("pagination")
        if not isinstance(data, list) or not isinstance(pagination, dict):
            raise self._unexpected(response, "no data list or pagination object")
        try:
            return ProductPage(
                products=data,
                offset=int(pagination.get("offset", offset)),
                limit=int(pagination.get("limit", limit)),
                total=int(pagination["total"]),
                has_more=bool(pagination["hasMore"]),
            )
        except (KeyError, TypeError, ValueError):
            raise self._unexpected(response, f"bad pagination {pagination!r}") from None

    def iter_pages(
        self,
        limit: int = MAX_LIMIT,
        offset: int = 0,
        type: ProductType | None = None,
        is_available: bool | None = None,
    ) -> Iterator[ProductPage]:
        """Every page from ``offset`` on, following ``hasMore``.

        The next offset is this offset plus the products actually received, so a server that
        returns short pages skips nothing.
        """
        while True:
            page = self.get_page(limit, offset, type, is_available)
            yield page
            if not page.has_more:
                return
            if not page.products:
                # hasMore with an empty page would loop forever; the shop is inconsistent.
                raise BitrixError(
                    f"Bitrix says more products follow offset {offset} but sent none.",
                    url=self._url(LIST_PATH),
                )
            offset = page.next_offset

    def iter_products(
        self,
        limit: int = MAX_LIMIT,
        offset: int = 0,
        type: ProductType | None = None,
        is_available: bool | None = None,
    ) -> Iterator[RawProduct]:
        """Every product, page by page, as raw dicts."""
        for page in self.iter_pages(limit, offset, type, is_available):
            yield from page.products

    def get_product(self, product_id: int) -> RawProduct | None:
        """One product from the detail endpoint, or ``None`` when the shop has no such product."""
        response = self._request(DETAIL_PATH, {"id": product_id}, allow_not_found=True)
        if response.status_code == 404:
            return None
        data = self._json(response).get("data")
        if not isinstance(data, dict):
            raise self._unexpected(response, "no data object")
        return data

    # --- transport -------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return self.base_url + path

    def _request(
        self, path: str, params: dict[str, str | int], *, allow_not_found: bool = False
    ) -> httpx.Response:
        """GET with retries; returns a 2xx response (or a JSON 404 when ``allow_not_found``)."""
        url = self._url(path)

        def attempt(n: int) -> httpx.Response:
            try:
                response = self._http.get(path, params=params)
            except httpx.TimeoutException:
                raise Transient(
                    BitrixUnavailable(
                        f"Bitrix at {url} did not answer within {self.timeout:g} s"
                        f" ({n + 1} attempts); try again later.",
                        url=url,
                    )
                ) from None
            except httpx.TransportError as exc:
                raise Transient(
                    BitrixUnavailable(
                        f"Cannot reach Bitrix at {url}: {exc or type(exc).__name__}"
                        f" ({n + 1} attempts). Check the address and that the shop is up.",
                        url=url,
                    )
                ) from None
            status = response.status_code
            if status < 300:
                return response
            if status in (401, 403):
                raise BitrixAuthError(
                    f"Bitrix at {url} refused the API token (HTTP {status}):"
                    " check the token in Vitrina's settings.",
                    url=url,
                    status=status,
                )
            busy = busy_answer(
                response,
                f"Bitrix at {url} answered HTTP {status} {n + 1} times; try again later.",
                url,
            )
            if busy is not None:
                raise busy
            if status == 404 and allow_not_found and _is_bitrix_json(response):
                return response
            if status == 404:
                raise BitrixError(
                    f"No Bitrix product API at {url} (HTTP 404): check the shop address.",
                    url=url,
                    status=status,
                )
            raise BitrixError(
                f"Bitrix at {url} rejected the request (HTTP {status}):"
                f" {_error_message(response)}",
                url=url,
                status=status,
            )

        return self.retries.run(attempt)

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            payload = response.json()
        except ValueError:
            raise self._unexpected(response, "the body is not JSON") from None
        if not isinstance(payload, dict):
            raise self._unexpected(response, "the body is not a JSON object")
        if payload.get("success") is False:
            raise BitrixError(
                f"Bitrix at {response.url} reported a failure: {_error_message(response)}",
                url=str(response.url),
                status=response.status_code,
            )
        return payload

    @staticmethod
    def _unexpected(response: httpx.Response, why: str) -> BitrixError:
        return BitrixError(
            f"Unexpected answer from Bitrix at {response.url}: {why}.",
            url=str(response.url),
            status=response.status_code,
        )


def _is_bitrix_json(response: httpx.Response) -> bool:
    """A 404 from the API itself (``success: false``), not from a wrong address."""
    try:
        payload = response.json()
    except ValueError:
        return False
    return isinstance(payload, dict) and payload.get("success") is False


def _error_message(response: httpx.Response) -> str:
    """The server's own words when it gave any, else the start of the body."""
    try:
        payload = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(payload, dict):
        error = payload.get("error") or payload.get("message")
        if isinstance(error, dict):
            error = error.get("message") or error
        if error:
            return str(error)
    return str(payload)[:200]
