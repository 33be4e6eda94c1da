"""The embedded default's vector index (SQLite): per model, a graph (``vectors/graph.py``) that
follows the table and is saved beside the database.

The table is the truth, the graph follows it: each search first pulls what changed (vectors
newer than a watermark, product rows updated since another, and every few seconds a count that
reveals deletions), whichever process wrote it. The graph is saved next to the database
(``index_file``) so a restart loads it instead of rebuilding. From ``REDUCE_FROM`` stored
vectors the graph walks reduced vectors, with a projection (``vectors/projection.py``) trained
on the first of them. The graph is rebuilt from the table in the background when tombstones
(deleted or replaced vectors) pass a quarter of it, or when a full-width graph's catalog has
grown enough to be reduced; the old graph answers meanwhile.

Locks: ``_lock`` guards the graph and is never held across a database read (read first, then
apply). ``_refreshing`` lets one thread at a time pull changes, and that thread is a search's
own: it pays for the reads, the apply and, once unsaved changes pass a tenth of the graph, a
save of the file. Other searches skip the refresh (they answer from the state a moment old)
but wait on ``_lock`` while the changes are added to the graph, which is done in pieces sized
to hold it about ``APPLY_PIECE_S`` each (``_add``): after a large import a search waits for one
piece, not for faiss to insert every photo (the refreshing search itself pays for them all).
Before the very first load (a file read, or a build from the table) every search waits for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, LargeBinary, func, type_coerce
from sqlalchemy.orm import Session

from vitrina.vectors import index_file
from vitrina.vectors.base import Hit, SearchFilters
from vitrina.vectors.graph import PARAMS, Attrs, Graph, VectorBatch, rerank
from vitrina.vectors.models import ImageVector
from vitrina.vectors.projection import REDUCED_DIM, Projection, train_projection
from vitrina.vectors.table import LOAD_CHUNK, new_vectors, read_products, read_vectors, stored

log = logging.getLogger("vitrina.vectors")

# From this many stored vectors the graph walks reduced vectors (a projection trained on the
# first REDUCE_FROM of them); smaller catalogs keep the full width and need no re-rank. A graph
# built before the catalog reached twice this is rebuilt reduced, in the background.
REDUCE_FROM = 20_000
# Deletions show as a lower row count; COUNT(*) costs ~2 ms at 100k photos, so not per search.
# Meanwhile the search service drops photos that are gone when it joins hits with the catalog.
COUNT_CHECK_EVERY_S = 2.0
COMPACT_WHEN_DEAD = 0.25
# A refresh adds vectors in pieces holding the lock about this long each (searches wait for one
# piece): the piece's size follows the measured insert rate, at most doubling per piece.
APPLY_PIECE_S = 0.02
FIRST_PIECE_ROWS = 32


@dataclass
class _Changes:
    vectors: list[VectorBatch]
    products: list[tuple[int, Attrs, datetime]]
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
        """Best photos among the eligible ones (see :meth:`search_many`)."""
        return self.search_many(session, query.reshape(1, -1), filters, limit)[0]

    def search_many(
        self, session: Session, queries: NDArray[np.float32], filters: SearchFilters, limit: int
    ) -> list[list[Hit]]:
        """Best photos for each query: a filtered graph walk, or an exact scan when that is
        cheaper or the walk came back short (so a filter never hides a result); a reduced
        graph's shortlists are ordered by the table's exact vectors, read once for all of them
        outside the lock. One refresh for all the queries."""
        self.sync(session)
        with self._lock:
            graph = self._graph
            if graph is None:
                return [[] for _ in range(len(queries))]
            shortlists = graph.search_many(queries, filters, limit, self.ef_search)
            reduced = graph.reduced
        if not reduced:
            return shortlists
        exact = self._exact(session, sorted({h.image_id for hits in shortlists for h in hits}))
        return [rerank(q, hits, exact, limit) for q, hits in zip(queries, shortlists, strict=True)]

    def _exact(self, session: Session, images: Sequence[int]) -> dict[int, NDArray[np.float32]]:
        """The stored vectors of these photos. Read as raw bytes on the session's connection:
        the ORM's per-row processing cost more than the read itself (1.4–3 ms against
        0.4–1 ms for 150 rows)."""
        raw = type_coerce(ImageVector.embedding, LargeBinary)
        query = stored(self.model, ImageVector.image_id, raw).where(
            ImageVector.image_id.in_(images)
        )
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
        """Pull what changed in the table, unless another thread is doing so (then return at once:
        the caller answers from the graph as it is); before the first load every caller waits."""
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
            newest = session.scalar(stored(self.model, func.max(ImageVector.created_at)))
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
        for batch in read_vectors(session, self.model):
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
        for product, attrs, updated in read_products(session, None):
            graph.set_product(product, attrs)
            if graph.product_mark is None or updated > graph.product_mark:
                graph.product_mark = updated
        return graph

    def _train(self, session: Session, rows: int) -> Projection | None:
        """A projection trained on the first ``rows`` stored vectors, streamed; None when the
        table holds fewer (a small catalog keeps the full width)."""
        sample = (
            stored(self.model, ImageVector.embedding).order_by(ImageVector.image_id).limit(rows)
        )
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
            vectors=new_vectors(session, self.model, graph),
            products=list(read_products(session, graph.product_mark)),
        )
        now = time.monotonic()
        if count_now or now - self._last_count >= self.count_every_s:
            self._last_count = now
            changes.stored = int(session.scalar(stored(self.model, func.count())) or 0)
        self._apply(graph, changes)
        with self._lock:
            mismatch = changes.stored is not None and changes.stored != graph.size - graph.dead
        if mismatch:
            # Rows were deleted, or some were committed late (older than the watermark's
            # overlap): compare every stored photo with the graph, then apply the difference.
            present = set(session.scalars(stored(self.model, ImageVector.image_id)))
            with self._lock:
                graph.kill_images(graph.created_of_image.keys() - present)
                missing = present - graph.created_of_image.keys()
            self._add(graph, read_vectors(session, self.model, only=sorted(missing)))
        if graph.size > 1000 and graph.dead > COMPACT_WHEN_DEAD * graph.size:
            return self._rebuild_in_background(session, f"{graph.dead} retired vectors")
        live = graph.size - graph.dead
        grown = self.reduce_from is not None and live >= 2 * max(self.reduce_from, graph.judged)
        if not graph.reduced and grown:
            return self._rebuild_in_background(session, f"{live} vectors: reducing the graph")
        if graph.unsaved > max(10_000, graph.size // 10):
            self._save(graph)
        return False

    def _apply(self, graph: Graph, changes: _Changes) -> None:
        self._add(graph, changes.vectors)
        with self._lock:
            for product, attrs, updated in changes.products:
                graph.set_product(product, attrs)
                if graph.product_mark is None or updated > graph.product_mark:
                    graph.product_mark = updated

    def _add(self, graph: Graph, batches: Iterable[VectorBatch]) -> None:
        """Add vectors piece by piece (whole photos), each piece under the lock for about
        ``APPLY_PIECE_S``, so searches in between wait for one piece, not for the import."""
        rows = FIRST_PIECE_ROWS
        for batch in batches:
            photos = batch.photos()
            start = 0
            while start < len(photos):
                end, count = start + 1, len(photos[start])
                while end < len(photos) and count + len(photos[end]) <= rows:
                    count += len(photos[end])
                    end += 1
                piece = batch.take([row for photo in photos[start:end] for row in photo])
                with self._lock:
                    size, began = graph.size, time.perf_counter()
                    graph.apply_vectors(piece)
                    took, added = time.perf_counter() - began, graph.size - size
                if added:  # rows already in the graph (the overlap) cost nothing: no measure
                    rows = max(1, min(2 * rows, int(added * APPLY_PIECE_S / max(took, 1e-6))))
                start = end

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

    def _save(self, graph: Graph) -> None:
        # Called with _refreshing held, so nothing changes the graph; searches may read it.
        if self._files is None:
            return
        try:
            index_file.save(self._files, graph.snapshot(self._params), self.model, self.dim)
            graph.unsaved = 0
        except OSError as error:
            log.warning("could not save the vector index to %s: %s", self._files.folder, error)
