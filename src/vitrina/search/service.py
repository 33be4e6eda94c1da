"""Visual search: embed the query photo, rank stored photos, join with the *current* catalog.

Results are joined with the product rows at answer time, so price, name and availability are
always current and a disabled product is never returned even if its vectors are still stored.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vitrina.catalog.models import Product, ProductImage
from vitrina.config import Settings
from vitrina.embedding import Embedder
from vitrina.errors import InvalidPayload, NotFound, PhotoFetchError, ServiceUnavailable
from vitrina.images.decode import decode_image
from vitrina.images.fetch import FetchedPhoto, PhotoFetcher
from vitrina.search.photo_url import for_customer
from vitrina.search.schemas import SearchResponse, SearchResult
from vitrina.vectors.base import Hit, SearchFilters, VectorIndex
from vitrina.vectors.models import ImageVector

# How long a search waits for an embedding slot before answering 503 (a burst queues this long).
SLOT_WAIT_S = 20.0


class SearchBusy(ServiceUnavailable):
    """Search is very busy right now; try again in a few seconds."""

    code = "search_busy"
    retry_after = 2.0


@dataclass
class SearchService:
    """Everything a search needs; built once per app.

    At most ``search_concurrency`` query photos are decoded and embedded at once: each holds a
    decoded image and the model's activations, and on two cores more at a time only add memory
    and latency. The rest of a burst waits for a slot (briefly), not for a 500.
    """

    settings: Settings
    sessions: sessionmaker[Session]
    embedder: Embedder
    index: VectorIndex
    fetcher: PhotoFetcher
    slot_wait_s: float = SLOT_WAIT_S
    _slots: threading.BoundedSemaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(max(1, self.settings.search_concurrency))

    @property
    def exact_threshold(self) -> float:
        configured = self.settings.exact_threshold
        return configured if configured is not None else self.embedder.exact_threshold

    @property
    def similar_threshold(self) -> float:
        configured = self.settings.similar_threshold
        return configured if configured is not None else self.embedder.similar_threshold

    # --- query vectors ---------------------------------------------------------------------

    def embed_bytes(self, data: bytes) -> NDArray[np.float32]:
        """The query photo's vector (decoding checks size, format and bombs)."""
        if not self._slots.acquire(timeout=self.slot_wait_s):
            raise SearchBusy()
        try:
            image = decode_image(
                data,
                max_pixels=self.settings.image_max_pixels,
                max_bytes=self.settings.image_max_bytes,
                draft_size=(self.embedder.decode_size, self.embedder.decode_size),
            )
            return np.asarray(self.embedder.embed_images([image])[0], dtype=np.float32)
        finally:
            self._slots.release()

    def embed_base64(self, text: str) -> NDArray[np.float32]:
        """A base64 photo (data: URLs accepted)."""
        payload = text.split(",", 1)[1] if text.startswith("data:") else text
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidPayload("image_base64: not valid base64", field="image_base64") from None
        return self.embed_bytes(data)

    def embed_url(self, url: str) -> NDArray[np.float32]:
        """A photo by URL, fetched under the same rules as shop photos (no private addresses)."""
        try:
            photo = self.fetcher.fetch(url)
        except PhotoFetchError as error:
            raise for_customer(error) from error
        assert isinstance(photo, FetchedPhoto)
        return self.embed_bytes(photo.data)

    def product_vector(self, product_id: int) -> NDArray[np.float32]:
        """The vector of a product's primary photo (or its first embedded one)."""
        with self.sessions() as session:
            row = session.execute(
                select(ImageVector.embedding)
                .join(ProductImage, ProductImage.id == ImageVector.image_id)
                .where(
                    ImageVector.product_id == product_id, ImageVector.model == self.embedder.name
                )
                .order_by(ProductImage.is_primary.desc(), ProductImage.position)
                .limit(1)
            ).first()
            if row is None:
                exists = session.get(Product, product_id) is not None
        if row is None:
            raise NotFound(
                f"product {product_id} has no indexed photo yet"
                if exists
                else f"product {product_id} not found"
            )
        return np.asarray(row[0], dtype=np.float32)

    # --- ranking ---------------------------------------------------------------------------

    def search(
        self,
        query: NDArray[np.float32],
        *,
        top_k: int,
        threshold: float | None,
        filters: SearchFilters,
        started: float | None = None,
    ) -> SearchResponse:
        """Top ``top_k`` products (one entry each: its best photo), split into exact and similar."""
        started = time.perf_counter() if started is None else started
        with self.sessions() as session:
            # Several photos may belong to one product: ask for more photos than products.
            hits = self.index.search(session, query, filters, top_k * 4)
            results = self._results(session, hits, top_k, threshold, filters)
            total = self.index.count(session)
        exact = [r for r in results if r.similarity >= self.exact_threshold]
        similar = [
            r for r in results if self.similar_threshold <= r.similarity < self.exact_threshold
        ]
        return SearchResponse(
            results=results,
            exact=exact,
            similar=similar,
            search_time_ms=round((time.perf_counter() - started) * 1000, 2),
            total_indexed=total,
            embedder=self.embedder.name,
            exact_threshold=self.exact_threshold,
            similar_threshold=self.similar_threshold,
        )

    @staticmethod
    def _results(
        session: Session,
        hits: list[Hit],
        top_k: int,
        threshold: float | None,
        filters: SearchFilters,
    ) -> list[SearchResult]:
        best: dict[int, Hit] = {}
        for hit in hits:
            if hit.product_id not in best:
                best[hit.product_id] = hit
        if not best:
            return []
        rows = session.execute(
            select(Product, ProductImage.id, ProductImage.url)
            .join(ProductImage, ProductImage.product_id == Product.id)
            .where(ProductImage.id.in_([h.image_id for h in best.values()]))
        ).all()
        current = {image_id: (product, url) for product, image_id, url in rows}
        results = []
        for hit in sorted(best.values(), key=lambda h: h.similarity, reverse=True):
            found = current.get(hit.image_id)
            if found is None:
                continue
            product, url = found
            if not _passes(product, filters) or (
                threshold is not None and hit.similarity < threshold
            ):
                continue
            results.append(
                SearchResult(
                    product_id=product.id,
                    name=product.name,
                    price=product.price,
                    image_url=product.image,
                    matched_image_url=url,
                    similarity=round(min(1.0, hit.similarity), 4),
                )
            )
            if len(results) == top_k:
                break
        return results


def _passes(product: Product, filters: SearchFilters) -> bool:
    """The final check against the current row: what the index knew may be a moment old."""
    return (
        product.enabled
        and (filters.shop_id is None or product.shop_id == filters.shop_id)
        and (filters.price_min is None or product.price >= filters.price_min)
        and (filters.price_max is None or product.price <= filters.price_max)
        and (filters.type is None or product.type == filters.type)
        and product.id != filters.exclude_product_id
    )
