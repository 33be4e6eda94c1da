"""How long a search waits behind a refresh that adds thousands of vectors (a bulk import).

SQLite, the embedded ``HnswIndex`` over ``--base`` stored vectors (full width, the model's
``--dim``). Baseline in the same run: searches alone, one after another on one thread (median
and longest). Then ``--added`` vectors are written to the table and one thread refreshes the
index (``sync``: read them, add them to the graph in pieces) while another searches in a loop:
the longest of those searches and their median, against the baseline. The refresh's own
duration is printed too. Target (issue 24): no search waits more than ~50 ms behind a refresh.
Run: ``.venv/bin/python benchmarks/refresh_wait.py [--base 5000 --added 5000 --dim 512]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, bindparam, insert, update
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vitrina.catalog.models import Product, ProductImage
from vitrina.db import make_engine, utcnow
from vitrina.migrations import upgrade
from vitrina.vectors.base import SearchFilters
from vitrina.vectors.hnsw_index import HnswIndex
from vitrina.vectors.models import ImageVector
from vitrina.vectors.repository import NewVector, store_vectors

MODEL = "bench-model"


def unit_vectors(n: int, dim: int, seed: int) -> NDArray[np.float32]:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def add_products(engine: Engine, x: NDArray[np.float32], first_id: int, age_s: float) -> None:
    """Products ``first_id…``, one photo and one vector each, as the worker stores them; product
    ``i`` edited and photographed ``age_s - i`` seconds ago: a second apart, so the refresh's
    2 s overlap (read again by every search) holds only the newest few, as in a shop."""
    ids = range(first_id, first_id + len(x))
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(insert(Product), [
            {"id": i, "shop_id": 1, "name": f"product {i}", "price": 100, "enabled": True,
             "type": "vitrina", "image": f"https://shop.example/{i}.jpg", "source_payload": {},
             # a second apart, as edits come: a search re-reads only the overlap's few
             "updated_at": now - timedelta(seconds=age_s - i)}
            for i in ids
        ])
        conn.execute(insert(ProductImage), [
            {"id": i, "product_id": i, "position": 0, "url": f"u{i}", "is_primary": True}
            for i in ids
        ])
    with Session(engine) as session, session.begin():
        store_vectors(session, [NewVector(i, i, MODEL, f"h{i}", x[k]) for k, i in enumerate(ids)])
    with engine.begin() as conn:  # also a second apart: the overlap holds only the last few
        conn.execute(
            update(ImageVector).where(ImageVector.image_id == bindparam("image"))
            .values(created_at=bindparam("created")),
            [{"image": i, "created": now - timedelta(seconds=age_s - i)}
             for i in ids],
        )


def timed_search(engine: Engine, index: HnswIndex, query: NDArray[np.float32]) -> float:
    started = time.perf_counter()
    with Session(engine) as session:
        index.search(session, query, SearchFilters(), 20)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=int, default=5000)
    parser.add_argument("--added", type=int, default=5000)
    parser.add_argument("--dim", type=int, default=512)
    args = parser.parse_args()
    queries = unit_vectors(200, args.dim, seed=3)
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        oldest = 3 * (args.base + args.added)
        add_products(engine, unit_vectors(args.base, args.dim, seed=1), first_id=1, age_s=oldest)
        index = HnswIndex(MODEL, args.dim, folder=Path(folder))
        timed_search(engine, index, queries[0])  # the first search builds the graph
        alone = [timed_search(engine, index, q) for q in queries]

        add_products(engine, unit_vectors(args.added, args.dim, seed=2), first_id=args.base + 1,
                     age_s=args.base + args.added + 10)
        during: list[float] = []
        refresh_ms = 0.0

        def refresh() -> None:
            nonlocal refresh_ms
            with Session(engine) as session:
                started = time.perf_counter()
                index.sync(session)  # the refresh a search does first, on a thread of its own
                refresh_ms = (time.perf_counter() - started) * 1000

        refresher = threading.Thread(target=refresh)
        refresher.start()
        # The searches below must not take the refresh over: they start once it holds it.
        while not index._refreshing.locked() and refresher.is_alive():
            time.sleep(0.0005)
        k = 0
        while refresher.is_alive():
            during.append(timed_search(engine, index, queries[k % len(queries)]))
            k += 1
        refresher.join()
        with Session(engine) as session:
            indexed = index.count(session)
        engine.dispose()
    print(f"{args.base:,} vectors + {args.added:,} added (dim {args.dim}); index now {indexed:,}")
    print(f"refresh   {refresh_ms:.0f} ms (read + add to the graph)")
    for name, times in (("alone", alone), ("during", during)):
        p99 = statistics.quantiles(times, n=100)[98]
        print(f"{name:<9} search median {statistics.median(times):.1f} ms, p99 {p99:.1f} ms, "
              f"longest {max(times):.1f} ms ({len(times)} searches)")
    print(f"ratio     longest during / longest alone {max(during) / max(alone):.1f}x")


if __name__ == "__main__":
    main()
