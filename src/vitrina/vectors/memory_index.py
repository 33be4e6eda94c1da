"""Search for the embedded default (SQLite): vectors held in memory, refreshed incrementally.

Two stages, because 100k photos × 1280 float32 is 512 MB and a full scan reads all of it:

1. every vector is kept as a 256-d random orthogonal projection (100 MB at 100k photos); the
   filter mask (shop, price, type, enabled) is applied first, then one BLAS matrix-vector product
   ranks the eligible rows and keeps a generous candidate set (when fewer rows are eligible than
   that, every one is a candidate and the search is exact);
2. the candidates are re-ranked with their full vectors, kept in memory as float16 (256 MB at
   100k; cosines exact to about 1e-3).

Rows whose photo was deleted are dropped at the answer's join with the catalog; a periodic
count check rebuilds the arrays when such rows pile up.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from vitrina.catalog.models import Product
from vitrina.vectors.base import Hit, SearchFilters
from vitrina.vectors.models import ImageVector
from vitrina.vectors.repository import count_vectors

PROJECTED_DIM = 256
MIN_CANDIDATES = 1024
LOAD_CHUNK = 1000
# The per-row arrays, grown together (``_type`` holds Python strings, so it has no byte size).
_COLUMNS = (
    "_vectors",
    "_full",
    "_image_ids",
    "_product_ids",
    "_shop",
    "_price",
    "_enabled",
    "_type",
)  # rows per batch when loading: bounds the transient memory of a full load
COUNT_CHECK_EVERY_S = 10.0
# Refresh reads a little before the watermark: timestamps of concurrent commits may interleave.
OVERLAP = timedelta(seconds=2)


class MemoryIndex:
    """The in-memory two-stage exact index for one embedding model."""

    def __init__(self, model: str, dim: int, *, seed: int = 20251124) -> None:
        self.model = model
        self.dim = dim
        self.projected_dim = min(dim, PROJECTED_DIM)
        if dim > PROJECTED_DIM:
            gaussian = np.random.default_rng(seed).standard_normal((dim, PROJECTED_DIM))
            basis, _ = np.linalg.qr(gaussian)
            # Scaled so projected dot products estimate the full cosine.
            self._projection: NDArray[np.float32] | None = (
                basis * np.sqrt(dim / PROJECTED_DIM)
            ).astype(np.float32)
        else:
            self._projection = None
        self._lock = threading.Lock()  # guards the arrays; never held while reading the database
        self._refreshing = threading.Lock()  # one refresh at a time
        self._reset()

    def _reset(self) -> None:
        self._size = 0
        self._vectors = np.zeros((1024, self.projected_dim), dtype=np.float32)
        self._full = np.zeros((1024, self.dim), dtype=np.float16)
        self._image_ids = np.zeros(1024, dtype=np.int64)
        self._product_ids = np.zeros(1024, dtype=np.int64)
        self._shop = np.zeros(1024, dtype=np.int64)
        self._price = np.zeros(1024, dtype=np.int64)
        self._enabled = np.zeros(1024, dtype=bool)
        self._type = np.zeros(1024, dtype=object)
        self._row_of_image: dict[int, int] = {}
        self._rows_of_product: dict[int, list[int]] = {}
        self._vector_mark: datetime | None = None
        self._product_mark: datetime | None = None
        self._last_count_check = 0.0

    # --- refresh ---------------------------------------------------------------------------

    def refresh(self, session: Session) -> None:
        """Pull vectors and product changes committed since the last refresh.

        The database is read with no lock held that a search waits on: one search at a time
        pulls the changes (``_refreshing``, taken without waiting once the index is loaded —
        the others rank what is already there, a moment old), and ``_lock`` is held only while
        the rows read are copied into the arrays.
        """
        if not self._refreshing.acquire(blocking=self._vector_mark is None):
            return
        try:
            self._refresh_vectors(session)
            self._refresh_products(session)
            now = time.monotonic()
            if now - self._last_count_check > COUNT_CHECK_EVERY_S:
                self._last_count_check = now
                if count_vectors(session, self.model) != len(self._row_of_image):
                    self._reload(session)
        finally:
            self._refreshing.release()

    def _reload(self, session: Session) -> None:
        """Rebuild from scratch (rows were deleted) beside the live arrays, then swap them in."""
        fresh = MemoryIndex(self.model, self.dim)
        fresh._refresh_vectors(session)
        fresh._refresh_products(session)
        with self._lock:
            for name in (*_COLUMNS, "_size", "_row_of_image", "_rows_of_product"):
                setattr(self, name, getattr(fresh, name))
            self._vector_mark = fresh._vector_mark
            self._product_mark = fresh._product_mark

    def _refresh_vectors(self, session: Session) -> None:
        query = (
            select(
                ImageVector.image_id,
                ImageVector.product_id,
                ImageVector.embedding,
                ImageVector.created_at,
                Product.shop_id,
                Product.price,
                Product.enabled,
                Product.type,
            )
            .join(Product, Product.id == ImageVector.product_id)
            .where(ImageVector.model == self.model)
        )
        if self._vector_mark is not None:
            query = query.where(ImageVector.created_at >= self._vector_mark - OVERLAP)
        else:  # a full load: size the arrays once instead of growing through copies
            expected = count_vectors(session, self.model)
            if expected > len(self._image_ids):
                with self._lock:
                    self._grow(int(expected * 1.05) + 1024)
        result = session.execute(query.execution_options(yield_per=LOAD_CHUNK))
        for rows in result.partitions():
            fresh = np.stack([np.asarray(r.embedding, dtype=np.float32) for r in rows])
            projected = fresh @ self._projection if self._projection is not None else fresh
            with self._lock:
                for i, row in enumerate(rows):
                    index = self._row_of_image.get(row.image_id)
                    if index is None:
                        index = self._append(row.image_id, row.product_id)
                    self._vectors[index] = projected[i]
                    self._full[index] = fresh[i]
                    self._set_product(index, row.shop_id, row.price, row.enabled, row.type)
            for row in rows:
                if self._vector_mark is None or row.created_at > self._vector_mark:
                    self._vector_mark = row.created_at

    def _refresh_products(self, session: Session) -> None:
        query = select(
            Product.id,
            Product.shop_id,
            Product.price,
            Product.enabled,
            Product.type,
            Product.updated_at,
        )
        if self._product_mark is not None:
            query = query.where(Product.updated_at >= self._product_mark - OVERLAP)
        rows = session.execute(query).all()
        with self._lock:
            for row in rows:
                for index in self._rows_of_product.get(row.id, ()):
                    self._set_product(index, row.shop_id, row.price, row.enabled, row.type)
        for row in rows:
            if self._product_mark is None or row.updated_at > self._product_mark:
                self._product_mark = row.updated_at

    def _append(self, image_id: int, product_id: int) -> int:
        if self._size == len(self._image_ids):
            self._grow()
        index = self._size
        self._size += 1
        self._image_ids[index] = image_id
        self._product_ids[index] = product_id
        self._row_of_image[image_id] = index
        self._rows_of_product.setdefault(product_id, []).append(index)
        return index

    def _grow(self, capacity: int | None = None) -> None:
        # x1.25, not x2: at 100k photos the arrays are ~400 MB and the slack is memory held.
        capacity = capacity or int(len(self._image_ids) * 1.25) + 1024
        for name in _COLUMNS:
            old = getattr(self, name)
            new = np.zeros((capacity, *old.shape[1:]), dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def _set_product(
        self, index: int, shop: int, price: int, enabled: bool, kind: str | None
    ) -> None:
        self._shop[index] = shop
        self._price[index] = price
        self._enabled[index] = enabled
        self._type[index] = kind

    # --- search ----------------------------------------------------------------------------

    def search(
        self, session: Session, query: NDArray[np.float32], filters: SearchFilters, limit: int
    ) -> list[Hit]:
        """Stage 1 on the eligible rows' projections, stage 2 on the candidates' full vectors."""
        self.refresh(session)
        with self._lock:
            n = self._size
            mask = self._enabled[:n].copy()
            if filters.shop_id is not None:
                mask &= self._shop[:n] == filters.shop_id
            if filters.price_min is not None:
                mask &= self._price[:n] >= filters.price_min
            if filters.price_max is not None:
                mask &= self._price[:n] <= filters.price_max
            if filters.type is not None:
                mask &= self._type[:n] == filters.type
            if filters.exclude_product_id is not None:
                mask &= self._product_ids[:n] != filters.exclude_product_id
            eligible = np.flatnonzero(mask)
            keep = max(MIN_CANDIDATES, limit * 8)
            if eligible.size <= keep:
                rows = eligible  # few enough to compare every one exactly
            else:
                projected_query = (
                    query @ self._projection if self._projection is not None else query
                )
                if eligible.size * 4 > n:
                    # Most rows pass: scan all in place (no 100 MB gather), then mask.
                    scores = self._vectors[:n] @ projected_query
                    scores[~mask] = -np.inf
                    rows = np.argpartition(-scores, keep - 1)[:keep]
                else:
                    scores = self._vectors[eligible] @ projected_query
                    rows = eligible[np.argpartition(-scores, keep - 1)[:keep]]
            if rows.size == 0:
                return []
            exact = self._full[rows].astype(np.float32) @ query
            order = np.argsort(-exact)[:limit]
            return [
                Hit(int(self._image_ids[rows[i]]), int(self._product_ids[rows[i]]), float(exact[i]))
                for i in order
            ]

    def count(self, session: Session) -> int:
        """Photos in the index as of the last refresh (a COUNT(*) per search costs more than
        the search itself at 100k photos)."""
        if self._vector_mark is None:
            self.refresh(session)
        return len(self._row_of_image)

    def memory_bytes(self) -> int:
        """Bytes held by the arrays (for the benchmark's memory figure)."""
        return sum(getattr(self, name).nbytes for name in _COLUMNS if name != "_type")
