"""Search latency, recall and memory at 10k and 100k photos, SQLite (MemoryIndex) and PostgreSQL.

The database is filled with synthetic products (several shops, so a shop filter is selective) and
random clustered unit vectors of the embedder's width, inserted with bulk Core inserts. Per size:

- ``index``: ``index.search`` alone (MemoryIndex on SQLite, PgVectorIndex on PostgreSQL), with
  and without a shop filter; ``service``: ``SearchService.search`` (index + catalogue join +
  count), i.e. the search overhead beyond embedding; ``embed+service``: the same after embedding
  a real JPEG (the query photo's cost included);
- baseline in the same run: a brute-force NumPy float32 scan over all full vectors held in RAM
  (``X @ q`` + argpartition), and the ratio to it;
- recall@20 of the index against that exact answer, MemoryIndex's array bytes and the RSS of a
  fresh process that loads the index (and the embedder) from the database, like the service does;
- where MemoryIndex's time goes: refresh, stage 1 (mask + projected scan), stage 2 (full vectors
  read from SQLite for the candidates).

Targets (2 cores): search overhead beyond embedding ≤ 15 ms p50 at 100k on SQLite; service memory
at 100k photos ≤ 600 MB. PostgreSQL defaults to 10k (bulk insert through pgvector's text format
and the HNSW build are slow at 100k on 2 cores); ``--pg-sizes 10000,100000`` to include 100k.
Run: ``.venv/bin/python benchmarks/search.py [--sizes 10000,100000] [--no-postgres]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._server import percentile
from tests.support.photos import jpeg, sample_photos

from vitrina.catalog.models import Product, ProductImage
from vitrina.config import load_settings
from vitrina.db import make_engine
from vitrina.embedding import get_embedder
from vitrina.images.decode import decode_image
from vitrina.migrations import upgrade
from vitrina.search.customer_photos import jpeg_bytes, story
from vitrina.search.features import describe_catalog_photo
from vitrina.search.models import PhotoFeatures
from vitrina.search.service import SearchService
from vitrina.vectors.base import SearchFilters
from vitrina.vectors.memory_index import MemoryIndex
from vitrina.vectors.models import ImageVector
from vitrina.vectors.pgvector_index import PgVectorIndex

SHOPS = 20  # a shop filter lets ~5 % of the photos through
CLUSTERS = 200
QUERIES = 200
TOP_K = 20
CHUNK = 5000


def unit(x: NDArray[np.float32]) -> NDArray[np.float32]:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def synthetic(n: int, dim: int, rng: np.random.Generator) -> NDArray[np.float32]:
    """Clustered unit vectors with a shared positive direction, like pooled CNN features."""
    common = unit(np.abs(rng.standard_normal(dim)).astype(np.float32))
    centroids = unit(common + 0.8 * unit(rng.standard_normal((CLUSTERS, dim)).astype(np.float32)))
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        labels = rng.integers(0, CLUSTERS, stop - start)
        noise = unit(rng.standard_normal((stop - start, dim)).astype(np.float32))
        out[start:stop] = unit(centroids[labels] + 0.7 * noise)
    return out


def queries(x: NDArray[np.float32], rng: np.random.Generator) -> NDArray[np.float32]:
    """Half near-duplicates of stored photos (a customer's photo of a listed product), half new."""
    n, dim = x.shape
    near = x[rng.integers(0, n, QUERIES // 2)]
    near = unit(near + 0.3 * unit(rng.standard_normal(near.shape).astype(np.float32)))
    new = synthetic(QUERIES - QUERIES // 2, dim, rng)
    return np.concatenate([near, new])


def fill(engine: Engine, x: NDArray[np.float32], model: str) -> float:
    """Bulk-insert products, photos and vectors; created_at spread as a ~50 photos/s worker would."""
    n = len(x)
    start = time.perf_counter()
    base = datetime.now(UTC) - timedelta(seconds=n / 50 + 60)
    with engine.begin() as conn:
        for lo in range(0, n, CHUNK):
            ids = range(lo, min(n, lo + CHUNK))
            stamps = [base + timedelta(seconds=i / 50) for i in ids]
            conn.execute(
                insert(Product),
                [
                    {
                        "id": i + 1,
                        "shop_id": i % SHOPS + 1,
                        "name": f"product {i}",
                        "price": 100 * (1000 + i % 90_000),
                        "enabled": True,
                        "type": "vitrina",
                        "image": f"https://shop.example/{i}.jpg",
                        "source_payload": {},
                        "created_at": stamps[k],
                        "updated_at": stamps[k],
                    }
                    for k, i in enumerate(ids)
                ],
            )
            conn.execute(
                insert(ProductImage),
                [
                    {
                        "id": i + 1,
                        "product_id": i + 1,
                        "position": 0,
                        "url": f"https://shop.example/{i}.jpg",
                        "is_primary": True,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(ImageVector),
                [
                    {
                        "image_id": i + 1,
                        "product_id": i + 1,
                        "model": model,
                        "content_hash": hashlib.sha256(str(i).encode()).hexdigest(),
                        "embedding": x[i],
                        "created_at": stamps[k],
                    }
                    for k, i in enumerate(ids)
                ],
            )
    return time.perf_counter() - start


def describe_all(engine: Engine, n: int, photo: bytes) -> float:
    """Every photo gets search features (one real photo's, repeated): the candidates' colour
    and keypoints are read by primary key, so their cost does not depend on what they hold."""
    start = time.perf_counter()
    colour, keypoints = describe_catalog_photo(decode_image(photo)).pack()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for lo in range(0, n, CHUNK):
            conn.execute(
                insert(PhotoFeatures),
                [
                    {"image_id": i + 1, "content_hash": str(i), "colour": colour,
                     "keypoints": keypoints, "created_at": now}
                    for i in range(lo, min(n, lo + CHUNK))
                ],
            )  # fmt: skip
    return time.perf_counter() - start


def brute(x: NDArray[np.float32], q: NDArray[np.float32], k: int) -> NDArray[np.int64]:
    scores = x @ q
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top])]


def timed(run: Callable[[int], object]) -> list[float]:
    for i in range(5):
        run(i)
    out = []
    for i in range(QUERIES):
        t0 = time.perf_counter()
        run(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def row(backend: str, n: int, name: str, lat: list[float], base: list[float] | None) -> str:
    p50, p99 = percentile(lat, 0.5), percentile(lat, 0.99)
    ratio = f"{p50 / percentile(base, 0.5):6.2f}x" if base else "      "
    return f"{backend:<9} {n:>7} {name:<34} {p50:>8.2f} {p99:>8.2f}  {ratio}"


def rss_probe(url: str, model: str, dim: int, model_dir: str) -> None:
    """Child process: load the embedder and the MemoryIndex as the service does; print memory."""

    def status() -> dict[str, int]:
        fields = {}
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("VmRSS", "VmHWM")):
                key, value = line.split(":")
                fields[key] = int(value.split()[0]) * 1024
        return fields

    embedder = get_embedder(settings=load_settings(model_dir=Path(model_dir)))
    embedder.load()
    before = status()["VmRSS"]
    engine = make_engine(url)
    index = MemoryIndex(model, dim)
    t0 = time.perf_counter()
    with Session(engine) as session:
        index.refresh(session)
    load_s = time.perf_counter() - t0
    after = status()
    print(
        json.dumps(
            {
                "load_s": load_s,
                "rss_before_index": before,
                "rss": after["VmRSS"],
                "hwm": after["VmHWM"],
                "index_bytes": index.memory_bytes(),
            }
        )
    )


def bench(
    backend: str,
    url: str,
    n: int,
    embedder: object,
    photos: list[bytes],
    model_dir: str,
) -> list[str]:
    from vitrina.embedding import Embedder

    assert isinstance(embedder, Embedder)
    model, dim = embedder.name, embedder.dim
    rng = np.random.default_rng(n)
    x = synthetic(n, dim, rng)
    qs = queries(x, rng)
    shops = rng.integers(1, SHOPS + 1, QUERIES)
    shop_of = np.arange(n) % SHOPS + 1
    engine = make_engine(url)
    upgrade(engine)
    fill_s = fill(engine, x, model)
    notes = [f"{backend} {n}: bulk insert {fill_s:.1f} s"]
    if backend == "sqlite":
        index: MemoryIndex | PgVectorIndex = MemoryIndex(model, dim)
        t0 = time.perf_counter()
        with Session(engine) as session:
            index.refresh(session)
        notes.append(f"{backend} {n}: MemoryIndex first load {time.perf_counter() - t0:.1f} s")
    else:
        index = PgVectorIndex(model, dim)
        t0 = time.perf_counter()
        index.ensure_index(engine)
        notes.append(f"{backend} {n}: HNSW index build {time.perf_counter() - t0:.1f} s")
    sessions = sessionmaker(engine)
    service = SearchService(
        settings=load_settings(model_dir=Path(model_dir)),
        sessions=sessions,
        embedder=embedder,
        index=index,
        fetcher=None,  # type: ignore[arg-type]
    )
    none = SearchFilters()

    def shop(i: int) -> SearchFilters:
        return SearchFilters(shop_id=int(shops[i]))

    def index_run(filters: Callable[[int], SearchFilters]) -> Callable[[int], object]:
        def run(i: int) -> object:
            with sessions() as session:
                return index.search(session, qs[i], filters(i), TOP_K)

        return run

    lines = []
    base_all = timed(lambda i: brute(x, qs[i], TOP_K))
    lines.append(row(backend, n, "brute-force numpy (baseline)", base_all, None))
    mask_rows = [np.flatnonzero(shop_of == s) for s in range(SHOPS + 1)]
    base_shop = timed(lambda i: mask_rows[shops[i]][brute(x[mask_rows[shops[i]]], qs[i], TOP_K)])
    lines.append(row(backend, n, "brute-force numpy, shop filter", base_shop, None))
    lat = timed(index_run(lambda i: none))
    lines.append(row(backend, n, "index.search", lat, base_all))
    lat = timed(index_run(shop))
    lines.append(row(backend, n, "index.search, shop filter", lat, base_shop))
    lat = timed(lambda i: service.search(qs[i], top_k=TOP_K, threshold=None, filters=none))
    lines.append(row(backend, n, "service.search (overhead)", lat, base_all))
    lat = timed(lambda i: service.search(qs[i], top_k=TOP_K, threshold=None, filters=shop(i)))
    lines.append(row(backend, n, "service.search, shop filter", lat, base_shop))

    def embed(i: int) -> NDArray[np.float32]:
        return np.asarray(embedder.embed_images([photos[i % len(photos)]])[0], dtype=np.float32)

    lat = timed(embed)
    lines.append(row(backend, n, "embed query JPEG alone", lat, None))
    lat = timed(lambda i: service.search(embed(i), top_k=TOP_K, threshold=None, filters=none))
    lines.append(row(backend, n, "embed + service.search", lat, base_all))
    baseline_query = lat
    describe_s = describe_all(engine, n, photos[0])
    notes.append(f"{backend} {n}: photo_features for every photo {describe_s:.1f} s")

    # Half the queries plain photos, half story screenshots (two regions: two embeddings and
    # two index searches), as customers send them.
    framed = [jpeg_bytes(story(decode_image(p), random.Random(k))) for k, p in enumerate(photos)]
    mixed = [q for pair in zip(photos, framed, strict=True) for q in pair]

    def query_photo(i: int) -> object:
        photo = service.embed_bytes(mixed[i % len(mixed)])
        return service.search(photo, top_k=TOP_K, threshold=None, filters=none)

    lat = timed(query_photo)
    lines.append(row(backend, n, "JPEG: regions+colour+verify", lat, baseline_query))

    # recall@20 (image ids) against the exact answer over the same eligible rows, and whether
    # a near-duplicate query finds its own photo first (what a customer's photo needs)
    recalls, recalls_shop, first = [], [], []
    half = QUERIES // 2
    with sessions() as session:
        for i in range(QUERIES):
            exact = brute(x, qs[i], TOP_K) + 1
            truth = set(exact.tolist())
            hits = index.search(session, qs[i], none, TOP_K)
            got = {h.image_id for h in hits}
            recalls.append(len(truth & got) / TOP_K)
            if i < half:
                first.append(bool(hits) and hits[0].image_id == int(exact[0]))
            rows_ = mask_rows[shops[i]]
            truth = set((rows_[brute(x[rows_], qs[i], TOP_K)] + 1).tolist())
            got = {h.image_id for h in index.search(session, qs[i], shop(i), TOP_K)}
            recalls_shop.append(len(truth & got) / TOP_K)
    notes.append(
        f"{backend} {n}: near-duplicate query finds its photo first {np.mean(first):.3f}; "
        f"recall@{TOP_K} {np.mean(recalls):.3f} (near-duplicate queries "
        f"{np.mean(recalls[:half]):.3f}, new photos {np.mean(recalls[half:]):.3f}, "
        f"min {min(recalls):.2f}), "
        f"shop filter {np.mean(recalls_shop):.3f} (min {min(recalls_shop):.2f})"
    )

    if isinstance(index, MemoryIndex):
        # where the time goes: refresh / stage 1 (projected scan) / stage 2 (full re-rank)
        with sessions() as session:
            ref = timed(lambda i: index.refresh(session))
        proj = index._projection
        vec = index._vectors[: index._size]
        full = index._full[: index._size]

        def stage1(i: int) -> object:
            pq = qs[i] @ proj if proj is not None else qs[i]
            return np.argpartition(-(vec @ pq), 1023)[:1024]

        def stage2(i: int) -> object:
            rows = (np.arange(1024) * 389 + i) % len(full)
            return full[rows].astype(np.float32) @ qs[i]

        lines.append(row(backend, n, "  part: refresh (no new rows)", ref, None))
        lines.append(row(backend, n, "  part: stage 1 (projected scan)", timed(stage1), None))
        lines.append(row(backend, n, "  part: stage 2 (1024 full vectors)", timed(stage2), None))
        probe = subprocess.run(
            [sys.executable, __file__, "--rss-probe", url, model, str(dim), model_dir],
            capture_output=True,
            text=True,
            check=True,
        )
        mem = json.loads(probe.stdout.strip().splitlines()[-1])
        mb = 1 / 1048576
        notes.append(
            f"{backend} {n}: MemoryIndex.memory_bytes {mem['index_bytes'] * mb:.0f} MB; fresh "
            f"process RSS {mem['rss_before_index'] * mb:.0f} MB with embedder → "
            f"{mem['rss'] * mb:.0f} MB after index load ({mem['load_s']:.1f} s), "
            f"peak (VmHWM) {mem['hwm'] * mb:.0f} MB"
        )
    engine.dispose()
    return lines + [f"# {note}" for note in notes]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--rss-probe":
        rss_probe(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--pg-sizes", default="10000")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--model-dir", default=None)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    pg_sizes = [int(s) for s in args.pg_sizes.split(",") if s]
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model_dir or str(load_settings().model_dir)
        embedder = get_embedder(settings=load_settings(model_dir=Path(model_dir)))
        t0 = time.perf_counter()
        embedder.load()
        print(
            f"# embedder {embedder.name} dim {embedder.dim} ready in {time.perf_counter() - t0:.1f} s"
        )
        photos = [jpeg(p) for p in sample_photos().values()]
        header = f"{'backend':<9} {'photos':>7} {'what':<34} {'p50 ms':>8} {'p99 ms':>8}  vs base"
        print(header, flush=True)
        for n in sizes:
            for line in bench("sqlite", f"sqlite:///{tmp}/s{n}.db", n, embedder, photos, model_dir):
                print(line, flush=True)
        if not args.no_postgres:
            from tests.support.postgres import PostgresForTests

            pg = PostgresForTests()
            try:
                for n in pg_sizes:
                    for line in bench(
                        "postgres", pg.fresh_database(), n, embedder, photos, model_dir
                    ):
                        print(line, flush=True)
            finally:
                pg.stop()


if __name__ == "__main__":
    main()
