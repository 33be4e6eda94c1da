"""The faiss HNSW graph over float16 vectors, and how one search walks it.

What a search asks of it: the eligible labels as a bitmap (``Graph.eligible``), a walk with the
filter inside it or an exact scan of the eligible vectors, whichever is cheaper (``plan_walk``),
and for a graph of reduced vectors (``vectors/projection.py``) a shortlist that ``rerank``
orders by the table's exact float32 vectors. Measured on vectors with the model's spectrum
(benchmarks/search.py): at 200k the reduced walk keeps recall@20 at half the walk time, a 2.4×
faster build, and 512 instead of 2,560 bytes per vector in memory. A full-width graph answers
with the cosines of its float16 copies, without a re-rank.

Why faiss (measured on the benchmark's 1280-d vectors, 100k photos, 2 cores, see
docs/operations.md): at the same graph settings it answered in 0.32 ms p50 against usearch's
0.85 ms and built in about half the time, with the same memory (f16 storage, ~300 MB); and it
takes a filter *inside* the graph walk (``IDSelectorBitmap``), which usearch's Python API lacks
and hnswlib only offers as a Python callback per visited node (hnswlib also stores float32 only:
512 MB at 100k). faiss's HNSW cannot delete; a deleted or replaced vector becomes a tombstone that
the eligibility bitmap excludes (every search has one: disabled products are never returned).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import faiss
import numpy as np
from numpy.typing import NDArray

from vitrina.vectors import index_file
from vitrina.vectors.base import Hit, SearchFilters
from vitrina.vectors.projection import REDUCED_DIM

# Graph degree and build depth, measured on vectors with the bundled embedder's spectrum (100k,
# benchmarks/search.py): at M 16, efConstruction 128 needs ef 256 for recall@20 0.98 on new
# photos (0.9 ms); efConstruction 256 reaches 0.99 at ef 256 (0.98 at ef 128) for a 1.1–1.6×
# longer build. M 32 gains as much but holds 128 more bytes a vector (+128 MB at 1M). The search
# depth is the setting ``vector_ef_search`` (default 256). Changing either rebuilds saved files.
M = 16
EF_CONSTRUCTION = 256
# The settings a saved graph was built with; a file with others is rebuilt (``index_file``).
PARAMS = {
    "format": 2,
    "m": M,
    "ef_construction": EF_CONSTRUCTION,
    "storage": 16,
    "reduced_dim": REDUCED_DIM,
}
# The shortlist the exact re-rank orders: at least this many, and half again the asked limit
# (200k spectrum-matched vectors, ef 256: a shortlist of 60 gave recall@20 0.984 on new photos,
# 200 gave 0.988).
SHORTLIST_MIN = 64
EXACT_MIN = 2048  # eligible vectors below which an exact scan is always the cheaper plan
# The exact scan reads every stored vector's code (faiss tests the filter per vector), so its
# cost grows with the whole graph, not with the eligible share; a filtered walk of ef steps costs
# about as much as scanning WALK_COST·ef/share vectors. Measured with a 5 % filter: at 100k the
# scan (3.6 ms, recall 1.0) beats the walk (5.4 ms; 0.88 on the isotropic near-ties); at 300k
# reduced vectors the walk at ef 1024 takes 2 ms for recall@20 0.98 against the scan's 12 ms.
WALK_COST = 8.0
MAX_EF = 4096
DEPTH_FROM = 250_000  # graphs larger than this walk deeper than ``vector_ef_search``

# A product's filter attributes: the shops it is in, its price, whether enabled, its type.
Attrs = tuple[tuple[int, ...], int, bool, str | None]


def plan_walk(eligible: int, total: int, limit: int, ef_search: int) -> int | None:
    """``efSearch`` for a filtered graph walk, or None when an exact scan of the eligible
    vectors is the cheaper (and complete) plan.

    ``ef_search`` is the depth for a graph of up to ``DEPTH_FROM`` vectors; a larger graph
    walks deeper, as √(size / DEPTH_FROM) (measured on spectrum-matched vectors: ef 256 keeps
    recall@20 ≥ 0.98 for new photos at 100k and 300k, 1M needs 512). A filter passing a share
    *s* of the vectors makes the walk visit about 1/s nodes per useful one, so ef grows as 1/√s
    (measured: recall@20 0.97 at s = 0.05 with ef 256) and the walk's cost as ef/s, which is
    compared with the cost of the exact scan (every stored vector's code is read).
    """
    if eligible <= 0 or total <= 0:
        return None
    share = eligible / total
    depth = ef_search * max(1.0, math.sqrt(total / DEPTH_FROM))
    ef = min(MAX_EF, int(max(depth, 2 * limit) / math.sqrt(share)))
    if eligible <= EXACT_MIN or WALK_COST * ef / share >= total:
        return None
    return ef


def shortlist_size(limit: int) -> int:
    """How many hits a reduced graph hands to the exact re-rank for ``limit`` answers."""
    return max(SHORTLIST_MIN, limit + limit // 2)


def rerank(
    query: NDArray[np.float32],
    hits: Sequence[Hit],
    exact: Mapping[int, NDArray[np.float32]],
    limit: int,
) -> list[Hit]:
    """The shortlist by exact cosine (``exact``: photo id → its stored vector); a photo that is
    no longer stored is dropped (it was deleted while the search ran)."""
    kept = [hit for hit in hits if hit.image_id in exact]
    if not kept:
        return []
    matrix = np.stack([exact[hit.image_id] for hit in kept])
    scores = matrix @ np.asarray(query, dtype=np.float32)
    order = np.argsort(-scores, kind="stable")[:limit]
    return [Hit(kept[i].image_id, kept[i].product_id, float(scores[i])) for i in order.tolist()]


@dataclass
class Graph:
    """The faiss graph and, per label (faiss's sequential id), what the vector belongs to.
    Not thread-safe: ``HnswIndex`` guards it."""

    dim: int
    projection: NDArray[np.float32] | None = None  # dim × REDUCED_DIM when reduced
    judged: int = 0  # vectors held when a reduction was judged not worth it (0: never judged)
    index: Any = None
    size: int = 0
    image: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    product: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    alive: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    # per shop, which labels are in it: a product may be in several shops (multi-site Bitrix)
    in_shop: dict[int, NDArray[np.bool_]] = field(default_factory=dict)
    price: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
    enabled: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    kind: NDArray[np.int32] = field(default_factory=lambda: np.zeros(0, np.int32))
    kinds: dict[str | None, int] = field(default_factory=dict)
    # a photo may have several vectors (regions): keys are photos, values their labels
    labels_of_image: dict[int, list[int]] = field(default_factory=dict)
    created_of_image: dict[int, datetime | None] = field(default_factory=dict)
    labels_of_product: dict[int, list[int]] = field(default_factory=dict)
    per_image: int = 1
    dead: int = 0
    vector_mark: datetime | None = None
    product_mark: datetime | None = None
    unsaved: int = 0

    def __post_init__(self) -> None:
        if self.index is None:
            width = self.dim if self.projection is None else self.projection.shape[1]
            # faiss's bundled stubs are SWIG-generated and miss its Python wrappers' signatures
            self.index = faiss.IndexHNSWSQ(
                width,
                faiss.ScalarQuantizer.QT_fp16,  # type: ignore[arg-type]
                M,
                faiss.METRIC_INNER_PRODUCT,
            )
            self.index.hnsw.efConstruction = EF_CONSTRUCTION

    @classmethod
    def from_snapshot(cls, snap: index_file.Snapshot, dim: int) -> Graph:
        graph = cls(dim=dim, projection=snap.projection, judged=snap.judged, index=snap.index)
        n = int(snap.index.ntotal)
        graph._grow(n)
        graph.size = n
        graph.image[:n], graph.product[:n], graph.alive[:n] = (
            snap.image_ids,
            snap.product_ids,
            snap.alive,
        )
        graph.dead = int(n - snap.alive.sum())
        for label in np.flatnonzero(snap.alive).tolist():
            image = int(graph.image[label])
            graph.labels_of_image.setdefault(image, []).append(label)
            graph.labels_of_product.setdefault(int(graph.product[label]), []).append(label)
            graph.created_of_image[image] = None  # unknown: the overlap re-read replaces it
        graph.per_image = max((len(v) for v in graph.labels_of_image.values()), default=1)
        graph.vector_mark = snap.vector_mark
        return graph

    def snapshot(self, params: dict[str, int] = PARAMS) -> index_file.Snapshot:
        n = self.size
        return index_file.Snapshot(
            index=self.index,
            image_ids=self.image[:n].copy(),
            product_ids=self.product[:n].copy(),
            alive=self.alive[:n].copy(),
            projection=self.projection,
            judged=self.judged,
            vector_mark=self.vector_mark,
            params=params,
        )

    @property
    def reduced(self) -> bool:
        """Whether the graph walks reduced vectors, so its hits need the exact re-rank."""
        return self.projection is not None

    def reduce(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        """Vectors as the graph stores them: projected when reduced."""
        x = np.asarray(x, dtype=np.float32)
        return np.ascontiguousarray(x if self.projection is None else x @ self.projection)

    def _grow(self, need: int) -> None:
        if need <= len(self.image):
            return
        capacity = max(need, int(len(self.image) * 1.25) + 1024)
        for name in ("image", "product", "alive", "price", "enabled", "kind"):
            setattr(self, name, _grown(getattr(self, name), capacity))
        for shop, member in self.in_shop.items():
            self.in_shop[shop] = _grown(member, capacity)

    def apply_vectors(self, batch: VectorBatch) -> None:
        """Add a batch of rows; a photo that is already indexed has its old vectors retired."""
        fresh = [
            i
            for i, image in enumerate(batch.image_ids)
            if image not in self.created_of_image
            or self.created_of_image[image] is None
            or self.created_of_image[image] != batch.created[i]
        ]
        if not fresh:
            return
        self.kill_images({batch.image_ids[i] for i in fresh})
        start = self.size
        self._grow(start + len(fresh))
        self.index.add(self.reduce(batch.vectors[fresh]))
        for offset, i in enumerate(fresh):
            label = start + offset
            image, product = batch.image_ids[i], batch.product_ids[i]
            self.image[label], self.product[label], self.alive[label] = image, product, True
            self.labels_of_image.setdefault(image, []).append(label)
            self.created_of_image[image] = batch.created[i]
            self.labels_of_product.setdefault(product, []).append(label)
            self.per_image = max(self.per_image, len(self.labels_of_image[image]))
            self._set(label, *batch.attrs[i])
        self.size = start + len(fresh)
        self.unsaved += len(fresh)
        mark = max(batch.created)
        if self.vector_mark is None or mark > self.vector_mark:
            self.vector_mark = mark

    def kill_images(self, images: set[int]) -> None:
        for image in images:
            labels = self.labels_of_image.pop(image, None)
            self.created_of_image.pop(image, None)
            if labels:
                self.alive[labels] = False
                self.dead += len(labels)
                self.unsaved += len(labels)

    def set_product(self, product: int, attrs: Attrs) -> None:
        for label in self.labels_of_product.get(product, ()):
            self._set(label, *attrs)

    def _set(
        self, label: int, shops: tuple[int, ...], price: int, enabled: bool, kind: str | None
    ) -> None:
        for shop in shops:
            if shop not in self.in_shop:
                self.in_shop[shop] = np.zeros(len(self.image), dtype=bool)
        for shop, member in self.in_shop.items():
            member[label] = shop in shops
        self.price[label], self.enabled[label] = price, enabled
        self.kind[label] = self.kinds.setdefault(kind, len(self.kinds))

    def eligible(self, filters: SearchFilters) -> NDArray[np.bool_]:
        n = self.size
        mask = self.alive[:n] & self.enabled[:n]
        if filters.shop_id is not None:
            member = self.in_shop.get(filters.shop_id)
            if member is None:
                return np.zeros(n, dtype=bool)
            mask &= member[:n]
        if filters.price_min is not None:
            mask &= self.price[:n] >= filters.price_min
        if filters.price_max is not None:
            mask &= self.price[:n] <= filters.price_max
        if filters.type is not None:
            code = self.kinds.get(filters.type)
            if code is None:
                return np.zeros(n, dtype=bool)
            mask &= self.kind[:n] == code
        if filters.exclude_product_id is not None:
            mask &= self.product[:n] != filters.exclude_product_id
        return mask

    def search(
        self, query: NDArray[np.float32], filters: SearchFilters, limit: int, ef_search: int
    ) -> list[Hit]:
        """The index step for one query (see :meth:`search_many`)."""
        return self.search_many(query.reshape(1, -1), filters, limit, ef_search)[0]

    def search_many(
        self, queries: NDArray[np.float32], filters: SearchFilters, limit: int, ef_search: int
    ) -> list[list[Hit]]:
        """The index step for each row of ``queries``: walk or scan (``plan_walk``), the scan
        also for a query whose walk came back short; the filter's mask is built once for all
        rows. A reduced graph returns a longer shortlist (``shortlist_size``) with approximate
        scores, for ``rerank``; a full-width one the ``limit`` best."""
        n = self.size
        mask = self.eligible(filters)
        eligible = int(mask.sum())
        if n == 0 or eligible == 0:
            return [[] for _ in range(len(queries))]
        q = self.reduce(queries)
        if self.reduced:
            limit = shortlist_size(limit)
        k = min(limit * self.per_image, eligible)
        bitmap = np.packbits(mask, bitorder="little")
        selector = faiss.IDSelectorBitmap(bitmap)  # type: ignore[call-arg,arg-type]
        ef = plan_walk(eligible, n, k, ef_search)
        # One faiss call per row: a call with several rows fans out over OpenMP threads, which on
        # two shared cores measured slower than separate calls (85 ms against 53 ms for two).
        shortlists = []
        for row in q:
            one = row.reshape(1, -1)
            labels = scores = np.zeros(0)
            if ef is not None:
                params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
                params.sel, params.efSearch = selector, ef
                scores, found = self.index.search(one, k, params=params)
                labels, scores = found[0], scores[0]
                labels, scores = labels[labels >= 0], scores[labels >= 0]
            if len(labels) < k:
                storage = faiss.downcast_index(self.index.storage)
                exact = faiss.SearchParameters()
                exact.sel = selector
                scores, found = storage.search(one, k, params=exact)
                labels, scores = found[0], scores[0]
            hits: list[Hit] = []
            seen: set[int] = set()
            for label, score in zip(labels.tolist(), scores.tolist(), strict=True):
                image = int(self.image[int(label)])
                if image not in seen:  # one hit per photo, its best vector
                    seen.add(image)
                    hits.append(Hit(image, int(self.product[int(label)]), float(score)))
            shortlists.append(hits[:limit])
        return shortlists


@dataclass
class VectorBatch:
    """Rows of the vector table, with their products' filter attributes; a photo's vectors (one
    per region) arrive in one batch, which tells a replaced photo from a new one."""

    image_ids: list[int]
    product_ids: list[int]
    created: list[datetime]
    attrs: list[Attrs]
    vectors: NDArray[np.float32]

    def photos(self) -> list[list[int]]:
        """The batch's rows grouped by photo, in order of first appearance: the units a batch
        may be cut into (a photo's vectors must stay together, see above)."""
        rows_of: dict[int, list[int]] = {}
        for row, image in enumerate(self.image_ids):
            rows_of.setdefault(image, []).append(row)
        return list(rows_of.values())

    def take(self, rows: Sequence[int]) -> VectorBatch:
        """These rows as a batch of their own."""
        return VectorBatch(
            image_ids=[self.image_ids[i] for i in rows],
            product_ids=[self.product_ids[i] for i in rows],
            created=[self.created[i] for i in rows],
            attrs=[self.attrs[i] for i in rows],
            vectors=np.ascontiguousarray(self.vectors[list(rows)]),
        )


def _grown(old: NDArray[Any], capacity: int) -> NDArray[Any]:
    new = np.zeros(capacity, dtype=old.dtype)
    new[: len(old)] = old
    return new
