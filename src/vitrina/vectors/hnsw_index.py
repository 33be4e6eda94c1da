"""Search for the embedded default (SQLite): a faiss HNSW graph over float16 vectors.

A large catalog's graph walks *reduced* vectors: the embeddings' variance lies in few directions
(the bundled model's participation ratio is ~17 of 1280), so a rotation onto the first 256
principal directions keeps the neighbourhoods, and the walk reads a fifth of the bytes. The walk
then only chooses a shortlist, which is ordered by exact cosines of the table's float32 vectors
(``rerank``). Measured on vectors with the model's spectrum (benchmarks/search.py): at 200k the
same recall@20 at half the walk time, a 2.4× faster build, and 512 instead of 2,560 bytes per
vector in memory.

Why faiss (measured on the benchmark's 1280-d vectors, 100k photos, 2 cores, see
docs/operations.md): at the same graph settings it answered in 0.32 ms p50 against usearch's
0.85 ms and built in about half the time, with the same memory (f16 storage, ~300 MB); and it
takes a filter *inside* the graph walk (``IDSelectorBitmap``), which usearch's Python API lacks
and hnswlib only offers as a Python callback per visited node (hnswlib also stores float32 only:
512 MB at 100k). faiss's HNSW cannot delete; a deleted or replaced vector becomes a tombstone that
the eligibility bitmap excludes (every search has one: disabled products are never returned), and
the graph is rebuilt in the background when tombstones pass a quarter of it.

The table is the truth, the graph follows it: each search first pulls what changed (vectors
newer than a watermark, product rows updated since another, and every few seconds a count that
reveals deletions), whichever process wrote it. The graph is saved next to the database
(``index_file``) so a restart loads it instead of rebuilding.

Locks: ``_lock`` guards the arrays and the graph and is never held across a database read (read
first, then apply briefly). ``_refreshing`` lets one thread pull changes; other searches do not
wait for it (they answer from the state a moment old) except before the very first load.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, LargeBinary, func, select, type_coerce
from sqlalchemy.orm import Session

from vitrina.catalog.models import Product
from vitrina.vectors import index_file
from vitrina.vectors.base import Hit, SearchFilters
from vitrina.vectors.models import ImageVector

log = logging.getLogger("vitrina.vectors")

# Graph degree and build depth, measured on vectors with the bundled embedder's spectrum (100k,
# benchmarks/search.py): at M 16, efConstruction 128 needs ef 256 for recall@20 0.98 on new
# photos (0.9 ms); efConstruction 256 reaches 0.99 at ef 256 (0.98 at ef 128) for a 1.1–1.6×
# longer build. M 32 gains as much but holds 128 more bytes a vector (+128 MB at 1M). The search
# depth is the setting ``vector_ef_search`` (default 256). Changing either rebuilds saved files.
M = 16
EF_CONSTRUCTION = 256
# From this many stored vectors the graph walks reduced vectors (a projection trained on the
# first REDUCE_FROM of them); smaller catalogs keep the full width and need no re-rank. A graph
# built before the catalog reached twice this is rebuilt reduced, in the background.
REDUCE_FROM = 20_000
REDUCED_DIM = 256
# ...and only if those directions hold this share of the vectors' energy: the bundled model's
# embeddings (spectrum-matched) keep ~96 % in 256 of 1280; vectors spread evenly (the
# benchmark's isotropic kind, ~60 %) keep the full width, or their neighbourhoods would be lost.
MIN_KEPT = 0.9
# The shortlist the exact re-rank orders: at least this many, and half again the asked limit
# (200k spectrum-matched vectors, ef 256: a shortlist of 60 gave recall@20 0.984 on new photos,
# 200 gave 0.988).
SHORTLIST_MIN = 64
LOAD_CHUNK = 2000  # rows per read when building: bounds the transient float32 memory
# Deletions show as a lower row count; COUNT(*) costs ~2 ms at 100k photos, so not per search.
# Meanwhile the search service drops photos that are gone when it joins hits with the catalog.
COUNT_CHECK_EVERY_S = 2.0
# Refresh reads a little before the watermark: timestamps of concurrent commits may interleave.
OVERLAP = timedelta(seconds=2)
COMPACT_WHEN_DEAD = 0.25
EXACT_MIN = 2048  # eligible vectors below which an exact scan is always the cheaper plan
# The exact scan reads every stored vector's code (faiss tests the filter per vector), so its
# cost grows with the whole graph, not with the eligible share; a filtered walk of ef steps costs
# about as much as scanning WALK_COST·ef/share vectors. Measured with a 5 % filter: at 100k the
# scan (3.6 ms, recall 1.0) beats the walk (5.4 ms; 0.88 on the isotropic near-ties); at 300k
# reduced vectors the walk at ef 1024 takes 2 ms for recall@20 0.98 against the scan's 12 ms.
WALK_COST = 8.0
MAX_EF = 4096
DEPTH_FROM = 250_000  # graphs larger than this walk deeper than ``vector_ef_search``
PARAMS = {
    "format": 2,
    "m": M,
    "ef_construction": EF_CONSTRUCTION,
    "storage": 16,
    "reduced_dim": REDUCED_DIM,
}


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


@dataclass(frozen=True)
class Projection:
    """Where a model's vectors lie: the ``width`` directions that hold most of their energy
    (eigenvectors of the uncentred second moment, so inner products, not distances to a mean,
    are kept) as a ``dim × width`` matrix, and the share of the energy they hold."""

    matrix: NDArray[np.float32]
    kept: float

    @property
    def worth_it(self) -> bool:
        """Vectors spread over many more directions would lose their neighbourhoods."""
        return self.kept >= MIN_KEPT


def train_projection(batches: Iterable[NDArray[np.float32]], width: int) -> Projection | None:
    """The projection of the vectors in ``batches``, None without any. The moment is summed
    batch by batch: no copy of the sample is held."""
    moment: NDArray[np.float64] | None = None
    for x in batches:
        part = (x.T @ x).astype(np.float64)
        moment = part if moment is None else moment + part
    if moment is None:
        return None
    values, vectors = np.linalg.eigh(moment)  # ascending eigenvalues
    kept = float(values[::-1][:width].sum() / max(values.sum(), 1e-30))
    return Projection(np.ascontiguousarray(vectors[:, ::-1][:, :width], dtype=np.float32), kept)


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
    shop: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64))
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
        for name in ("image", "product", "alive", "shop", "price", "enabled", "kind"):
            old = getattr(self, name)
            new = np.zeros(capacity, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

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

    def set_product(self, product: int, attrs: tuple[int, int, bool, str | None]) -> None:
        for label in self.labels_of_product.get(product, ()):
            self._set(label, *attrs)

    def _set(self, label: int, shop: int, price: int, enabled: bool, kind: str | None) -> None:
        self.shop[label], self.price[label], self.enabled[label] = shop, price, enabled
        self.kind[label] = self.kinds.setdefault(kind, len(self.kinds))

    def eligible(self, filters: SearchFilters) -> NDArray[np.bool_]:
        n = self.size
        mask = self.alive[:n] & self.enabled[:n]
        if filters.shop_id is not None:
            mask &= self.shop[:n] == filters.shop_id
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
        """The index step: walk or scan (``plan_walk``), the scan also when the walk is short.
        A reduced graph returns a longer shortlist (``shortlist_size``) with approximate
        scores, for ``rerank``; a full-width one the ``limit`` best."""
        n = self.size
        mask = self.eligible(filters)
        eligible = int(mask.sum())
        if n == 0 or eligible == 0:
            return []
        q = self.reduce(query.reshape(1, -1))
        if self.reduced:
            limit = shortlist_size(limit)
        k = min(limit * self.per_image, eligible)
        bitmap = np.packbits(mask, bitorder="little")
        selector = faiss.IDSelectorBitmap(bitmap)  # type: ignore[call-arg,arg-type]
        ef = plan_walk(eligible, n, k, ef_search)
        labels = scores = np.zeros(0)
        if ef is not None:
            params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.sel, params.efSearch = selector, ef
            scores, found = self.index.search(q, k, params=params)
            labels, scores = found[0], scores[0]
            labels, scores = labels[labels >= 0], scores[labels >= 0]
        if len(labels) < k:
            storage = faiss.downcast_index(self.index.storage)
            exact = faiss.SearchParameters()
            exact.sel = selector
            scores, found = storage.search(q, k, params=exact)
            labels, scores = found[0], scores[0]
        hits: list[Hit] = []
        seen: set[int] = set()
        for label, score in zip(labels.tolist(), scores.tolist(), strict=True):
            image = int(self.image[int(label)])
            if image not in seen:  # one hit per photo, its best vector
                seen.add(image)
                hits.append(Hit(image, int(self.product[int(label)]), float(score)))
        return hits[:limit]


@dataclass
class VectorBatch:
    image_ids: list[int]
    product_ids: list[int]
    created: list[datetime]
    attrs: list[tuple[int, int, bool, str | None]]
    vectors: NDArray[np.float32]


@dataclass
class _Changes:
    vectors: list[VectorBatch]
    products: list[tuple[int, tuple[int, int, bool, str | None], datetime]]
    stored: int | None = None  # rows in the table, when counted


class HnswIndex:
    """The embedded default's vector index for one embedding model."""

    def __init__(
        self,
        model: str,
        dim: int,
        *,
        folder: Path | None = None,
        ef_search: int = 256,
        count_every_s: float = COUNT_CHECK_EVERY_S,
        reduce_from: int = REDUCE_FROM,
        reduced_dim: int = REDUCED_DIM,
    ) -> None:
        self.model = model
        self.dim = dim
        self.ef_search = ef_search
        self.count_every_s = count_every_s
        # Reduce only where it pays: a model at most twice the reduced width keeps its own.
        self.reduce_from = reduce_from if dim > 2 * reduced_dim else None
        self.reduced_dim = reduced_dim
        self._params = {**PARAMS, "reduced_dim": reduced_dim}
        self._files = index_file.IndexFiles(folder, model) if folder is not None else None
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._graph: Graph | None = None
        self._last_count = 0.0

    # --- search ----------------------------------------------------------------------------

    def search(
        self, session: Session, query: NDArray[np.float32], filters: SearchFilters, limit: int
    ) -> list[Hit]:
        """Best photos among the eligible ones: a filtered graph walk, or an exact scan when
        that is cheaper or the walk came back short (so a filter never hides a result); a
        reduced graph's shortlist is ordered by the table's exact vectors, read outside the
        lock."""
        self.sync(session)
        with self._lock:
            graph = self._graph
            if graph is None:
                return []
            hits = graph.search(query, filters, limit, self.ef_search)
            reduced = graph.reduced
        if not reduced:
            return hits
        return rerank(query, hits, self._exact(session, [h.image_id for h in hits]), limit)

    def _exact(self, session: Session, images: Sequence[int]) -> dict[int, NDArray[np.float32]]:
        """The stored vectors of these photos. Read as raw bytes on the session's connection:
        the ORM's per-row processing cost more than the read itself (1.4–3 ms against
        0.4–1 ms for 150 rows)."""
        raw = type_coerce(ImageVector.embedding, LargeBinary)
        query = self._stored(ImageVector.image_id, raw).where(ImageVector.image_id.in_(images))
        return {
            image: np.frombuffer(data, "<f4") for image, data in session.connection().execute(query)
        }

    def count(self, session: Session) -> int:
        """Vectors in the index as of the last refresh (a COUNT(*) per search costs more than
        the search itself at 100k photos)."""
        if self._graph is None:
            self.sync(session)
        graph = self._graph
        return 0 if graph is None else graph.size - graph.dead

    # --- keeping up with the table ---------------------------------------------------------

    def sync(self, session: Session) -> None:
        """Pull what changed in the table. Only the first load makes other searches wait."""
        if not self._refreshing.acquire(blocking=self._graph is None):
            return
        handed_over = False
        try:
            if self._graph is None:
                handed_over = self._first_load(session)
            else:
                handed_over = self._refresh(session)
        finally:
            if not handed_over:
                self._refreshing.release()

    def close(self) -> None:
        """Save unsaved changes (at shutdown), so the next start replays less. Skipped when a
        build is still running: the table stays the truth and the next start catches up."""
        if not self._refreshing.acquire(timeout=1.0):
            return
        try:
            graph = self._graph
            if graph is not None and graph.unsaved:
                self._save(graph)
        finally:
            self._refreshing.release()

    def _first_load(self, session: Session) -> bool:
        started = time.perf_counter()
        snap = (
            index_file.load(self._files, self.model, self.dim, self._params)
            if self._files
            else None
        )
        if snap is not None:
            newest = session.scalar(self._stored(func.max(ImageVector.created_at)))
            if snap.vector_mark is not None and (newest is None or newest < snap.vector_mark):
                log.warning(
                    "vector index file holds vectors newer than the table (a restored or "
                    "different database); rebuilding from the table"
                )
                snap = None
        handed_over = False
        if snap is None:
            graph = self._build(session)
            with self._lock:
                self._graph = graph
            self._save(graph)
            how = "built from the table"
        else:
            graph = Graph.from_snapshot(snap, self.dim)
            with self._lock:
                self._graph = graph
            handed_over = self._refresh(session, count_now=True)
            how = "loaded from file"
        log.info(
            "vector index for %s %s: %d vectors in %.1f s",
            self.model,
            how,
            self.count(session),
            time.perf_counter() - started,
        )
        return handed_over

    def _build(self, session: Session) -> Graph:
        """A new graph from every stored vector, read in chunks, built without the lock;
        reduced when the table holds ``reduce_from`` vectors (the first of them train it)."""
        projection = None
        if self.reduce_from is not None:
            projection = self._train(session, self.reduce_from)
        reduce = projection is not None and projection.worth_it
        graph = Graph(dim=self.dim, projection=projection.matrix if projection and reduce else None)
        for batch in self._read_vectors(session, None):
            graph.apply_vectors(batch)
        if projection is not None and not reduce:
            graph.judged = graph.size
            log.info(
                "vectors of %s spread over many directions (%d of %d hold %.0f %% of their "
                "energy): the graph keeps their full width",
                self.model,
                self.reduced_dim,
                self.dim,
                100 * projection.kept,
            )
        for product, attrs, updated in self._read_products(session, None):
            graph.set_product(product, attrs)
            if graph.product_mark is None or updated > graph.product_mark:
                graph.product_mark = updated
        return graph

    def _train(self, session: Session, rows: int) -> Projection | None:
        """A projection trained on the first ``rows`` stored vectors, streamed; None when the
        table holds fewer (a small catalog keeps the full width)."""
        sample = self._stored(ImageVector.embedding).order_by(ImageVector.image_id).limit(rows)
        result = session.execute(sample.execution_options(yield_per=LOAD_CHUNK))
        seen = 0

        def chunks() -> Iterator[NDArray[np.float32]]:
            nonlocal seen
            for part in result.partitions():
                seen += len(part)
                yield np.stack([row.embedding for row in part])

        projection = train_projection(chunks(), self.reduced_dim)
        return projection if seen >= rows else None

    def _refresh(self, session: Session, *, count_now: bool = False) -> bool:
        """Apply the table's changes; True when a background rebuild took over the refresh."""
        graph = self._graph
        assert graph is not None
        changes = _Changes(
            vectors=list(self._read_vectors(session, graph.vector_mark)),
            products=list(self._read_products(session, graph.product_mark)),
        )
        now = time.monotonic()
        if count_now or now - self._last_count >= self.count_every_s:
            self._last_count = now
            changes.stored = int(session.scalar(self._stored(func.count())) or 0)
        with self._lock:
            self._apply(graph, changes)
            mismatch = changes.stored is not None and changes.stored != graph.size - graph.dead
        if mismatch:
            # Rows were deleted, or some were committed late (older than the watermark's
            # overlap): compare every stored photo with the graph, then apply the difference.
            stored = set(session.scalars(self._stored(ImageVector.image_id)))
            with self._lock:
                graph.kill_images(graph.created_of_image.keys() - stored)
                missing = stored - graph.created_of_image.keys()
            for batch in self._read_vectors(session, None, only=sorted(missing)):
                with self._lock:
                    graph.apply_vectors(batch)
        if graph.size > 1000 and graph.dead > COMPACT_WHEN_DEAD * graph.size:
            return self._rebuild_in_background(session, f"{graph.dead} retired vectors")
        live = graph.size - graph.dead
        grown = self.reduce_from is not None and live >= 2 * max(self.reduce_from, graph.judged)
        if not graph.reduced and grown:
            return self._rebuild_in_background(session, f"{live} vectors: reducing the graph")
        if graph.unsaved > max(10_000, graph.size // 10):
            self._save(graph)
        return False

    @staticmethod
    def _apply(graph: Graph, changes: _Changes) -> None:
        for batch in changes.vectors:
            graph.apply_vectors(batch)
        for product, attrs, updated in changes.products:
            graph.set_product(product, attrs)
            if graph.product_mark is None or updated > graph.product_mark:
                graph.product_mark = updated

    def _rebuild_in_background(self, session: Session, reason: str) -> bool:
        """Rebuild from the table in a thread; the old graph answers meanwhile."""
        engine = session.get_bind()
        assert isinstance(engine, Engine)
        log.info("rebuilding the vector index for %s in the background: %s", self.model, reason)

        def run() -> None:
            try:
                with Session(engine) as own:
                    graph = self._build(own)
                with self._lock:
                    self._graph = graph
                self._save(graph)
            except Exception:
                log.exception("vector index rebuild failed; the old index stays in use")
            finally:
                self._refreshing.release()

        threading.Thread(target=run, name="vitrina-index-rebuild", daemon=True).start()
        return True

    def _stored(self, *columns: Any) -> Any:
        """A query over this model's stored vectors. No join with products: foreign keys
        (vector → photo → product, on delete cascade) keep every row's product, and the
        model's index answers a count without reading the table (~2 ms at 100k photos)."""
        return select(*columns).select_from(ImageVector).where(ImageVector.model == self.model)

    def _save(self, graph: Graph) -> None:
        # Called with _refreshing held, so nothing changes the graph; searches may read it.
        if self._files is None:
            return
        try:
            index_file.save(self._files, graph.snapshot(self._params), self.model, self.dim)
            graph.unsaved = 0
        except OSError as error:
            log.warning("could not save the vector index to %s: %s", self._files.folder, error)

    def _read_vectors(
        self, session: Session, since: datetime | None, *, only: Sequence[int] | None = None
    ) -> Iterator[VectorBatch]:
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
        if since is not None:
            query = query.where(ImageVector.created_at >= since - OVERLAP)
        if only is not None:
            for start in range(0, len(only), 500):
                chunk = only[start : start + 500]
                rows = session.execute(query.where(ImageVector.image_id.in_(chunk))).all()
                if rows:
                    yield _batch(rows)
            return
        # Ordered by photo and cut only between photos: a photo's vectors (several once regions
        # are stored) arrive in one batch, which is how a replaced photo is told from a new one.
        result = session.execute(
            query.order_by(ImageVector.image_id).execution_options(yield_per=LOAD_CHUNK)
        )
        pending: list[Any] = []
        for rows in result.partitions():
            pending.extend(rows)
            last = pending[-1].image_id
            cut = len(pending)
            while cut and pending[cut - 1].image_id == last:
                cut -= 1
            if cut:
                yield _batch(pending[:cut])
                pending = pending[cut:]
        if pending:
            yield _batch(pending)

    def _read_products(
        self, session: Session, since: datetime | None
    ) -> Iterator[tuple[int, tuple[int, int, bool, str | None], datetime]]:
        query = select(
            Product.id,
            Product.shop_id,
            Product.price,
            Product.enabled,
            Product.type,
            Product.updated_at,
        )
        if since is not None:
            query = query.where(Product.updated_at >= since - OVERLAP)
        for row in session.execute(query):
            yield row.id, (row.shop_id, row.price, row.enabled, row.type), row.updated_at


def _batch(rows: Sequence[Any]) -> VectorBatch:
    return VectorBatch(
        image_ids=[r.image_id for r in rows],
        product_ids=[r.product_id for r in rows],
        created=[r.created_at for r in rows],
        attrs=[(r.shop_id, r.price, r.enabled, r.type) for r in rows],
        vectors=np.ascontiguousarray(
            np.stack([np.asarray(r.embedding, dtype=np.float32) for r in rows])
        ),
    )
