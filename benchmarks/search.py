"""Search latency, recall and memory at 10k and 100k photos, SQLite (HnswIndex) and PostgreSQL.

The database is filled with synthetic products (several shops, so a shop filter is selective) and
random clustered unit vectors of the embedder's width, inserted with bulk Core inserts. Per size:

- ``index``: ``index.search`` alone (HnswIndex on SQLite, PgVectorIndex on PostgreSQL), with
  and without a shop filter; ``service``: ``SearchService.search`` (index + catalogue join +
  count), i.e. the search overhead beyond embedding; ``2 vectors``: a photo with a product
  region (two query vectors) asked as two ``index.search`` calls and as one ``search_many``; ``embed+service``: the same after embedding
  a real JPEG (the query photo's cost included);
- baseline in the same run: a brute-force NumPy float32 scan over all full vectors held in RAM
  (``X @ q`` + argpartition), and the ratio to it;
- recall@20 of the index against that exact answer (near-duplicate and new-photo queries, and
  with a 5 % shop filter, whose completeness is counted too);
- the index step alone (``Graph.search``: filter mask + walk or scan, no database) and the faiss
  graph alone (no filter), the refresh a search does first, the build from the table, and a
  fresh process with the embedder that restarts from the saved index file: time until its first
  answer and its RSS;
- rows ``index step, ef N``: the index step at each search depth of ``EFS``, and recall@20 per
  query kind at each (the tuning data for ``VITRINA_VECTOR_EF_SEARCH``);
- rows ``spectrum: …`` (SQLite): the same on *spectrum-matched* vectors (``SpectrumMatched``),
  which have the bundled embedder's measured structure, stored for their own products. The first
  kind (isotropic clusters, kept so figures compare across versions) spreads its variance over
  all 1280 dimensions, so a new query's top 20 are near-ties that no graph index separates
  cheaply; real embeddings are low-dimensional (participation ratio ≈ 17). Query kinds there: a
  near-duplicate of a stored photo, a customer's new photo of a stored product, a customer's
  photo of a product not in the catalog. ``--measure-spectrum [N]`` embeds N generated bouquets
  and prints their structure next to the generator's;
- ``--graph-sizes 1000000``: the same index step on synthetic vectors without a database (build
  time, latency, recall, filtered completeness, RSS with the embedder, restart from the file),
  against a flat fp16 exact scan; build threads from ``--build-threads``; which vectors from
  ``--graph-vectors`` (``isotropic,spectrum``: each is a full build).

Targets (2 cores, issue 11): at 100k, index step ≤ 2 ms p50 and recall@20 ≥ 0.97 (met on the
spectrum-matched vectors; not for new photos among isotropic near-ties), RSS with the
embedder ≤ 550 MB, restart ≤ 5 s; at 1M, ≤ 5 ms p50 and RSS ≤ 3.5 GB. PostgreSQL defaults to 10k
(bulk insert through pgvector's text format and the HNSW build are slow at 100k on 2 cores);
``--pg-sizes 10000,100000`` to include 100k.
Run: ``.venv/bin/python benchmarks/search.py [--sizes 10000,100000] [--no-postgres]
[--graph-sizes 1000000 --build-threads 2 --graph-vectors spectrum]``; ``--customer-only``: only
the customer's JPEG and its baseline (embed + ``service.search``) at each size.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import faiss
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._server import percentile
from tests.support.photos import jpeg, sample_photos

from vitrina.catalog.models import Product, ProductImage, ProductShop
from vitrina.config import load_settings
from vitrina.db import make_engine
from vitrina.descriptors.features import describe_catalog_photo
from vitrina.descriptors.models import PhotoFeatures
from vitrina.embedding import Embedder, get_embedder
from vitrina.images.decode import decode_image
from vitrina.migrations import upgrade
from vitrina.search.customer_photos import jpeg_bytes, story
from vitrina.search.service import SearchService
from vitrina.vectors.base import Hit, SearchFilters
from vitrina.vectors.factory import index_folder
from vitrina.vectors.graph import EF_CONSTRUCTION, PARAMS, Graph, M, VectorBatch, rerank
from vitrina.vectors.hnsw_index import REDUCE_FROM, HnswIndex
from vitrina.vectors.index_file import IndexFiles
from vitrina.vectors.index_file import load as load_index_file
from vitrina.vectors.index_file import save as save_index_file
from vitrina.vectors.models import ImageVector
from vitrina.vectors.pgvector_index import PgVectorIndex
from vitrina.vectors.projection import REDUCED_DIM, train_projection

SHOPS = 20  # a shop filter lets ~5 % of the photos through
CLUSTERS = 200
QUERIES = 200
TOP_K = 20
CHUNK = 5000


def unit(x: NDArray[np.float32]) -> NDArray[np.float32]:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def synthetic(n: int, dim: int, rng: np.random.Generator) -> NDArray[np.float32]:
    """Clustered unit vectors with a shared positive direction, like pooled CNN features."""
    return np.concatenate(list(synthetic_chunks(n, dim, rng)))


def synthetic_chunks(n: int, dim: int, rng: np.random.Generator) -> Iterator[NDArray[np.float32]]:
    """``synthetic`` a chunk at a time (1M × 1280 float32 would be 5 GB at once)."""
    common = unit(np.abs(rng.standard_normal(dim)).astype(np.float32))
    centroids = unit(common + 0.8 * unit(rng.standard_normal((CLUSTERS, dim)).astype(np.float32)))
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        labels = rng.integers(0, CLUSTERS, stop - start)
        noise = unit(rng.standard_normal((stop - start, dim)).astype(np.float32))
        yield unit(centroids[labels] + 0.7 * noise)


# The bundled embedder's structure, measured by ``--measure-spectrum`` (2026-11-30,
# EfficientNet-Lite0, 400 generated bouquets: the shop photo, a second shot and one
# customer-style photo each; see ``measure_spectrum``). The isotropic vectors above spread their
# variance evenly over 1280 dimensions, so inside a cluster every photo is a near-tie to a new
# query; the real embeddings do not:
MEAN_NORM = 0.74  # |mean of the unit vectors|: pooled ReLU6 features share a positive direction
# Between products: PCA eigenvalue i ∝ i^-1.17 (log-log fit over ranks 2-100), total variance
# 0.415 (of the unit vector's 1.0; participation ratio ≈ 16 dimensions, not 1280).
PRODUCT_VAR, PRODUCT_ALPHA = 0.415, 1.17
# ~20 groups of alike products (kinds of bouquet) hold 70 % of that variance: fitted so that a
# 400-product sample has the measured pairwise cosines (mean 0.55, 5th/95th percentile 0.36/0.77)
# and neighbours of a second shot (1st 0.83, 20th 0.74, 100th 0.62).
GROUPS, GROUP_SHARE = 20, 0.7
# Two shop photos of one product differ by variance 0.076 per photo (their cosine 0.92), spectrum
# i^-0.77 over the same directions (35 % of it in the top 50 product directions, as measured).
VIEW_VAR, VIEW_ALPHA = 0.076, 0.77
# A customer's photo (story, zoom, screen, warm light, hand, tilt) differs from the shop photo by
# 0.356 more, spectrum i^-0.89: its cosine with its product's shop photo is 0.78, as measured.
CUSTOMER_VAR, CUSTOMER_ALPHA = 0.356, 0.89


def power_law(dim: int, total: float, alpha: float) -> NDArray[np.float32]:
    """Standard deviations along ``dim`` directions whose variances fall as rank^-alpha."""
    variance = np.arange(1, dim + 1, dtype=np.float64) ** -alpha
    return np.asarray(np.sqrt(variance * total / variance.sum()), dtype=np.float32)


class SpectrumMatched:
    """Synthetic embeddings with the measured structure: a product is a point in a rotated
    power-law Gaussian (around one of ``GROUPS`` group centres), a photo of it adds view noise
    along the same directions. Products are kept as coefficients so that new photos of a stored
    product can be made (the catalog's product, photographed by a customer)."""

    def __init__(self, dim: int, rng: np.random.Generator) -> None:
        self.dim = dim
        self.mean = MEAN_NORM * unit(np.abs(rng.standard_normal(dim)).astype(np.float32))
        basis, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
        self.basis = np.ascontiguousarray(basis.T, dtype=np.float32)  # rows: directions
        product = power_law(dim, PRODUCT_VAR * (1 - GROUP_SHARE), PRODUCT_ALPHA)
        self.product = product
        group = power_law(dim, PRODUCT_VAR * GROUP_SHARE, PRODUCT_ALPHA)
        self.groups = rng.standard_normal((GROUPS, dim)).astype(np.float32) * group
        self.view = power_law(dim, VIEW_VAR, VIEW_ALPHA)
        self.customer = power_law(dim, CUSTOMER_VAR, CUSTOMER_ALPHA)

    def products(self, n: int, rng: np.random.Generator) -> NDArray[np.float32]:
        noise = rng.standard_normal((n, self.dim)).astype(np.float32) * self.product
        return self.groups[rng.integers(0, GROUPS, n)] + noise

    def photos(
        self, products: NDArray[np.float32], rng: np.random.Generator, *, customer: bool = False
    ) -> NDArray[np.float32]:
        """One photo per product: the shop's, or with ``customer`` a customer's of it."""
        noise = rng.standard_normal(products.shape).astype(np.float32) * self.view
        if customer:
            noise += rng.standard_normal(products.shape).astype(np.float32) * self.customer
        return unit(np.asarray(self.mean + (products + noise) @ self.basis, dtype=np.float32))


def spectrum_chunks(
    n: int, space: SpectrumMatched, rng: np.random.Generator
) -> Iterator[tuple[NDArray[np.float32], NDArray[np.float32]]]:
    """Stored photos (one per product) a chunk at a time, with their products."""
    for start in range(0, n, CHUNK):
        products = space.products(min(n, start + CHUNK) - start, rng)
        yield space.photos(products, rng), products


def near_duplicates(x: NDArray[np.float32], rng: np.random.Generator) -> NDArray[np.float32]:
    """A stored photo sent again, recompressed and cropped a little (the existing query kind)."""
    return unit(x + 0.3 * unit(rng.standard_normal(x.shape).astype(np.float32)))


def spectrum_queries(
    space: SpectrumMatched,
    near: NDArray[np.float32],
    stored_products: NDArray[np.float32],
    rng: np.random.Generator,
) -> dict[str, NDArray[np.float32]]:
    """The three query kinds on spectrum-matched vectors: ``near`` are stored photos, the
    products those of other stored photos (a customer's own photo of them is not stored)."""
    return {
        "near-duplicate": near_duplicates(near, rng),
        "new photo of a stored product": space.photos(stored_products, rng, customer=True),
        "product not in the catalog": space.photos(
            space.products(len(stored_products), rng), rng, customer=True
        ),
    }


def structure(
    shop: NDArray[np.float32], second: NDArray[np.float32], customer: NDArray[np.float32]
) -> dict[str, float]:
    """What ``SpectrumMatched`` is fitted to, for row i of each array showing product i."""
    centred = shop - shop.mean(axis=0)
    eigen = np.linalg.svd(centred, compute_uv=False) ** 2 / (len(shop) - 1)
    ranks = np.arange(2, min(100, len(eigen)) + 1)
    slope = np.polyfit(np.log(ranks), np.log(eigen[ranks - 1]), 1)[0]
    pairs = (shop @ shop.T)[np.triu_indices(len(shop), 1)]
    out = {
        "|mean|": float(np.linalg.norm(shop.mean(axis=0))),
        "variance": float(eigen.sum()),
        "alpha (ranks 2-100)": float(-slope),
        "participation ratio": float(eigen.sum() ** 2 / (eigen**2).sum()),
        "pairwise cosine mean": float(pairs.mean()),
        "pairwise p5": float(np.percentile(pairs, 5)),
        "pairwise p95": float(np.percentile(pairs, 95)),
    }
    projection = train_projection([shop, second, customer], REDUCED_DIM)
    assert projection is not None
    out[f"energy in {REDUCED_DIM} directions"] = projection.kept  # HnswIndex reduces from 0.9
    for name, photos in (("second shot", second), ("customer photo", customer)):
        scores = photos @ shop.T
        own = np.diag(scores).copy()
        np.fill_diagonal(scores, -np.inf)
        ranked = -np.sort(-scores, axis=1)
        out[f"{name}: own cosine"] = float(own.mean())
        for k in (1, 20, 100):
            out[f"{name}: other photo #{k}"] = float(ranked[:, k - 1].mean())
        out[f"{name}: own first"] = float(np.mean(own > ranked[:, 0]))
    return out


def measure_spectrum(model_dir: str, bouquets: int) -> None:
    """Embed generated bouquets (shop photo, second shot, a customer-style photo) with the
    bundled model; print their structure next to ``SpectrumMatched``'s at the same size."""
    from vitrina.search.customer_photos import CUSTOMER_STYLES
    from vitrina.standin.photos import random_bouquet, render

    embedder = get_embedder(settings=load_settings(model_dir=Path(model_dir)))
    rng = random.Random(11)
    styles = list(CUSTOMER_STYLES.values())
    rows = []
    for i in range(bouquets):
        bouquet = random_bouquet(rng)
        shop, second = render(bouquet, 0), render(bouquet, 1)
        customer = styles[i % len(styles)](shop, random.Random(i))
        photos = [jpeg_bytes(shop, 88), jpeg_bytes(second, 88), jpeg_bytes(customer, 85)]
        rows.append(np.asarray(embedder.embed_images(photos), dtype=np.float32))
    real = np.stack(rows)
    measured = structure(real[:, 0], real[:, 1], real[:, 2])
    space = SpectrumMatched(embedder.dim, np.random.default_rng(1))
    gen = np.random.default_rng(2)
    products = space.products(bouquets, gen)
    synthetic_ = structure(
        space.photos(products, gen),
        space.photos(products, gen),
        space.photos(products, gen, customer=True),
    )
    print(f"# {embedder.name}, {bouquets} generated bouquets vs SpectrumMatched, same size")
    for key, value in measured.items():
        print(f"{key:<32} {value:8.3f} {synthetic_[key]:8.3f}")


def queries(x: NDArray[np.float32], rng: np.random.Generator) -> NDArray[np.float32]:
    """Half near-duplicates of stored photos (a customer's photo of a listed product), half new."""
    n, dim = x.shape
    near = near_duplicates(x[rng.integers(0, n, QUERIES // 2)], rng)
    new = synthetic(QUERIES - QUERIES // 2, dim, rng)
    return np.concatenate([near, new])


def fill(engine: Engine, x: NDArray[np.float32], model: str, *, first_id: int = 1) -> float:
    """Bulk-insert products, photos and vectors (ids from ``first_id``, shops by position);
    created_at spread as a ~50 photos/s worker would."""
    n = len(x)
    start = time.perf_counter()
    base = datetime.now(UTC) - timedelta(seconds=n / 50 + 60)
    with engine.begin() as conn:
        for lo in range(0, n, CHUNK):
            rows = range(lo, min(n, lo + CHUNK))
            stamps = [base + timedelta(seconds=i / 50) for i in rows]
            conn.execute(
                insert(Product),
                [
                    {
                        "id": first_id + i,
                        "shop_id": i % SHOPS + 1,
                        "name": f"product {i}",
                        "price": 100 * (1000 + i % 90_000),
                        "enabled": True,
                        "type": "vitrina",
                        "image": f"https://shop.example/{first_id + i}.jpg",
                        "source_payload": {},
                        "created_at": stamps[k],
                        "updated_at": stamps[k],
                    }
                    for k, i in enumerate(rows)
                ],
            )
            conn.execute(
                insert(ProductShop),
                [{"product_id": first_id + i, "shop_id": i % SHOPS + 1} for i in rows],
            )
            conn.execute(
                insert(ProductImage),
                [
                    {
                        "id": first_id + i,
                        "product_id": first_id + i,
                        "position": 0,
                        "url": f"https://shop.example/{first_id + i}.jpg",
                        "is_primary": True,
                    }
                    for i in rows
                ],
            )
            conn.execute(
                insert(ImageVector),
                [
                    {
                        "image_id": first_id + i,
                        "product_id": first_id + i,
                        "model": model,
                        "content_hash": hashlib.sha256(str(first_id + i).encode()).hexdigest(),
                        "embedding": x[i],
                        "created_at": stamps[k],
                    }
                    for k, i in enumerate(rows)
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


def timed(run: Callable[[int], object], cpu: list[float] | None = None) -> list[float]:
    """Wall ms per call (and into ``cpu`` the process's CPU ms, every thread: what a loaded
    machine inflates least)."""
    for i in range(5):
        run(i)
    out = []
    for i in range(QUERIES):
        t0, c0 = time.perf_counter(), time.process_time()
        run(i)
        out.append((time.perf_counter() - t0) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c0) * 1000)
    return out


def row(backend: str, n: int, name: str, lat: list[float], base: list[float] | None) -> str:
    p50, p99 = percentile(lat, 0.5), percentile(lat, 0.99)
    ratio = f"{p50 / percentile(base, 0.5):6.2f}x" if base else "      "
    return f"{backend:<9} {n:>7} {name:<42} {p50:>8.2f} {p99:>8.2f}  {ratio}"


def status() -> dict[str, int]:
    """This process's resident memory now (VmRSS) and at its peak (VmHWM), in bytes."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            key, value = line.split(":")
            fields[key] = int(value.split()[0]) * 1024
    return fields


def loaded_embedder(model_dir: str) -> object:
    embedder = get_embedder(settings=load_settings(model_dir=Path(model_dir)))
    embedder.load()
    return embedder


def rss_probe(url: str, model: str, dim: int, model_dir: str) -> None:
    """Child process: a restart as the service does it: the embedder, then the index from its
    saved file (caught up with the database) until the first answer; print time and memory."""
    loaded_embedder(model_dir)
    before = status()["VmRSS"]
    engine = make_engine(url)
    index = HnswIndex(model, dim, folder=index_folder(engine))
    q = unit(np.random.default_rng(0).standard_normal(dim).astype(np.float32))
    t0 = time.perf_counter()
    with Session(engine) as session:
        index.search(session, q, SearchFilters(), TOP_K)
    restart_s = time.perf_counter() - t0
    after = status()
    print(
        json.dumps(
            {
                "restart_s": restart_s,
                "rss_before_index": before,
                "rss": after["VmRSS"],
                "hwm": after["VmHWM"],
            }
        )
    )


def restart(url: str, model: str, dim: int, model_dir: str) -> str:
    """``rss_probe`` in a fresh process, as a note."""
    probe = subprocess.run(
        [sys.executable, __file__, "--rss-probe", url, model, str(dim), model_dir],
        capture_output=True,
        text=True,
        check=True,
    )
    mem = json.loads(probe.stdout.strip().splitlines()[-1])
    mb = 1 / 1048576
    return (
        f"restart to searchable {mem['restart_s']:.2f} s (index file load + catch-up with the "
        f"table + first search); fresh process RSS {mem['rss_before_index'] * mb:.0f} MB with "
        f"embedder → {mem['rss'] * mb:.0f} MB with the index, peak (VmHWM) {mem['hwm'] * mb:.0f} MB"
    )


def bench(
    backend: str,
    url: str,
    n: int,
    embedder: object,
    photos: list[bytes],
    model_dir: str,
    customer_only: bool = False,
) -> list[str]:
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
        index: HnswIndex | PgVectorIndex = HnswIndex(model, dim, folder=index_folder(engine))
        t0 = time.perf_counter()
        with Session(engine) as session:
            index.sync(session)
        notes.append(
            f"{backend} {n}: HnswIndex built from the table in {time.perf_counter() - t0:.1f} s "
            f"(faiss {faiss.__version__} HNSW M={M} f16, efConstruction {EF_CONSTRUCTION}, "
            f"{faiss.omp_get_max_threads()} threads; file saved)"
        )
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

    if customer_only:
        lines = customer_rows(backend, engine, n, service, embedder, photos, notes)
        engine.dispose()
        return lines + [f"# {note}" for note in notes]
    lines = []
    base_all = timed(lambda i: brute(x, qs[i], TOP_K))
    lines.append(row(backend, n, "brute-force numpy (baseline)", base_all, None))
    mask_rows = [np.flatnonzero(shop_of == s) for s in range(SHOPS + 1)]
    base_shop = timed(lambda i: mask_rows[shops[i]][brute(x[mask_rows[shops[i]]], qs[i], TOP_K)])
    lines.append(row(backend, n, "brute-force numpy, shop filter", base_shop, None))
    lat = timed(index_run(lambda i: none))
    lines.append(row(backend, n, "index.search", lat, base_all))

    # A photo with a product region asks for two vectors: two calls, or one (issue 20)
    def two_calls(i: int) -> object:
        with sessions() as session:
            return [index.search(session, q, none, TOP_K) for q in (qs[i], qs[-1 - i])]

    def one_call(i: int) -> object:
        with sessions() as session:
            return index.search_many(session, np.stack([qs[i], qs[-1 - i]]), none, TOP_K)

    two = timed(two_calls)
    lines.append(row(backend, n, "2 vectors: index.search twice", two, base_all))
    lines.append(row(backend, n, "2 vectors: index.search_many once", timed(one_call), two))
    lat = timed(index_run(shop))
    lines.append(row(backend, n, "index.search, shop filter", lat, base_shop))
    lat = timed(lambda i: service.search(qs[i], top_k=TOP_K, threshold=None, filters=none))
    lines.append(row(backend, n, "service.search (overhead)", lat, base_all))
    lat = timed(lambda i: service.search(qs[i], top_k=TOP_K, threshold=None, filters=shop(i)))
    lines.append(row(backend, n, "service.search, shop filter", lat, base_shop))

    lines += customer_rows(backend, engine, n, service, embedder, photos, notes, base_all)

    # recall@20 (image ids) against the exact answer over the same eligible rows, and whether
    # a near-duplicate query finds its own photo first (what a customer's photo needs)
    recalls, recalls_shop, first, complete, gaps = [], [], [], [], []
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
            elif hits:  # how far below the true 20th neighbour the 20th answer is
                gaps.append(float(x[exact[-1] - 1] @ qs[i]) - hits[-1].similarity)
            rows_ = mask_rows[shops[i]]
            truth = set((rows_[brute(x[rows_], qs[i], TOP_K)] + 1).tolist())
            shop_hits = index.search(session, qs[i], shop(i), TOP_K)
            recalls_shop.append(len(truth & {h.image_id for h in shop_hits}) / TOP_K)
            complete.append(len(shop_hits) == min(TOP_K, len(rows_)))
    notes.append(
        f"{backend} {n}: near-duplicate query finds its photo first {np.mean(first):.3f}; "
        f"recall@{TOP_K} {np.mean(recalls):.3f} (near-duplicate queries "
        f"{np.mean(recalls[:half]):.3f}, new photos {np.mean(recalls[half:]):.3f}, "
        f"min {min(recalls):.2f}), "
        f"shop filter {np.mean(recalls_shop):.3f} (min {min(recalls_shop):.2f})"
    )
    notes.append(
        f"{backend} {n}: shop filter (5 %) complete in {np.mean(complete):.3f} of searches"
    )

    if isinstance(index, HnswIndex):
        graph = index._graph
        assert graph is not None
        ef = index.ef_search
        exact_of = rows_of(x, 1)
        lat = timed(lambda i: index_step(graph, exact_of, qs[i], none, ef))
        lines.append(row(backend, n, "index step alone (Graph.search)", lat, base_all))
        lat = timed(lambda i: index_step(graph, exact_of, qs[i], shop(i), ef))
        lines.append(row(backend, n, "index step alone, shop filter", lat, base_shop))
        if graph.reduced:
            lat = timed(lambda i: graph.search(qs[i], none, TOP_K, ef))
            lines.append(row(backend, n, "  part: reduced walk (shortlist)", lat, base_all))
            with sessions() as session:
                shortlists = [graph.search(q, none, TOP_K, ef) for q in qs]
                lat = timed(lambda i: index._exact(session, [h.image_id for h in shortlists[i]]))
            lines.append(row(backend, n, "  part: shortlist's vectors from the table", lat, None))
        lat = timed(lambda i: faiss_alone(graph, qs[i], ef))
        lines.append(row(backend, n, f"faiss HNSW alone (ef {ef})", lat, base_all))
        with sessions() as session:
            ref = timed(lambda i: index.sync(session))
        lines.append(row(backend, n, "  part: refresh (no new rows)", ref, None))
        index.close()
        notes.append(f"{backend} {n}: {restart(url, model, dim, model_dir)}")
        exact_ids = np.stack([brute(x, q, TOP_K) + 1 for q in qs])
        groups = {
            "near-duplicate": (qs[:half], exact_ids[:half]),
            "new photo": (qs[half:], exact_ids[half:]),
        }
        sweep_lines, sweep_notes = ef_sweep(backend, n, "", graph, exact_of, groups, base_all)
        spectrum_lines, spectrum_notes = spectrum_bench(backend, engine, n, model, dim, model_dir)
        lines += sweep_lines + spectrum_lines
        notes += sweep_notes + spectrum_notes
    engine.dispose()
    return lines + [f"# {note}" for note in notes]


def customer_rows(
    backend: str,
    engine: Engine,
    n: int,
    service: SearchService,
    embedder: Embedder,
    photos: list[bytes],
    notes: list[str],
    base_all: list[float] | None = None,
) -> list[str]:
    """A customer's JPEG end to end (regions, colour, verification) against embedding the
    photo and ``service.search`` alone: the ratio issue 20 sets (``--customer-only`` runs just
    these rows, minutes instead of the whole size's run)."""
    none = SearchFilters()

    def embed(i: int) -> NDArray[np.float32]:
        return np.asarray(embedder.embed_images([photos[i % len(photos)]])[0], dtype=np.float32)

    lines = []
    lat = timed(embed)
    lines.append(row(backend, n, "embed query JPEG alone", lat, None))
    base_cpu: list[float] = []
    lat = timed(
        lambda i: service.search(embed(i), top_k=TOP_K, threshold=None, filters=none), base_cpu
    )
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

    cpu: list[float] = []
    lat = timed(query_photo, cpu)
    lines.append(row(backend, n, "JPEG: regions+colour+verify", lat, baseline_query))
    lines.append(row(backend, n, "  the same, process CPU", cpu, base_cpu))
    return lines


def spectrum_bench(
    backend: str, engine: Engine, n: int, model: str, dim: int, model_dir: str
) -> tuple[list[str], list[str]]:
    """``SpectrumMatched`` vectors stored for the same products under another model name: the
    index built from the table, its step with and without a shop filter, recall per query kind."""
    rng = np.random.default_rng(n + 1)
    space = SpectrumMatched(dim, rng)
    parts = list(spectrum_chunks(n, space, rng))
    x = np.concatenate([photos for photos, _ in parts])
    pick = rng.choice(n, QUERIES // 2, replace=False)
    stored_products = np.concatenate([products for _, products in parts])[pick]
    del parts
    # Their own products (a photo holds one vector per model), ids after the first kind's.
    name = f"{model}@spectrum"
    fill(engine, x, name, first_id=n + 1)
    index = HnswIndex(name, dim, folder=index_folder(engine))
    t0 = time.perf_counter()
    with Session(engine) as session:
        index.sync(session)
    build_s = time.perf_counter() - t0
    graph = index._graph
    assert graph is not None
    kinds = spectrum_queries(space, x[pick], stored_products, rng)
    groups = {
        k: (qs, np.stack([brute(x, q, TOP_K) + n + 1 for q in qs])) for k, qs in kinds.items()
    }
    flat = np.concatenate(list(kinds.values()))
    flat = flat[np.random.default_rng(0).permutation(len(flat))]
    shops = rng.integers(1, SHOPS + 1, len(flat))
    shop_rows = [np.flatnonzero(np.arange(n) % SHOPS + 1 == s) for s in range(SHOPS + 1)]
    ef = index.ef_search
    none = SearchFilters()
    exact_of = rows_of(x, n + 1)
    base = timed(lambda i: brute(x, flat[i], TOP_K))
    lines = [
        row(backend, n, "spectrum: brute-force numpy (base)", base, None),
        row(
            backend,
            n,
            "spectrum: index step alone",
            timed(lambda i: index_step(graph, exact_of, flat[i], none, ef)),
            base,
        ),
        row(
            backend,
            n,
            "spectrum: index step, shop filter",
            timed(
                lambda i: index_step(
                    graph, exact_of, flat[i], SearchFilters(shop_id=int(shops[i])), ef
                )
            ),
            base,
        ),
    ]
    # In the service: the refresh, the walk and (reduced) the shortlist's rows from SQLite;
    # the search service asks for 100 photos per region of the customer's photo.
    sessions = sessionmaker(engine)
    for limit in (TOP_K, 100):
        with sessions() as session:
            lat = timed(lambda i: index.search(session, flat[i], none, limit))  # noqa: B023
        lines.append(row(backend, n, f"spectrum: index.search, limit {limit}", lat, base))
    recalls, shop_recalls, complete = [], [], []
    for i, q in enumerate(flat):
        truth = set((brute(x, q, TOP_K) + n + 1).tolist())
        found = index_step(graph, exact_of, q, none, ef)
        recalls.append(len(truth & {h.image_id for h in found}))
        rows_ = shop_rows[shops[i]]
        truth = set((rows_[brute(x[rows_], q, TOP_K)] + n + 1).tolist())
        hits = index_step(graph, exact_of, q, SearchFilters(shop_id=int(shops[i])), ef)
        shop_recalls.append(len(truth & {h.image_id for h in hits}))
        complete.append(len(hits) == TOP_K)
    sweep_lines, sweep_notes = ef_sweep(backend, n, "spectrum: ", graph, exact_of, groups, base)
    index.close()
    url = engine.url.render_as_string(hide_password=False)
    reduced = f"reduced to {graph.index.d}" if graph.reduced else "full width"
    notes = [
        f"{backend} {n}: spectrum ({reduced}): {restart(url, name, dim, model_dir)}",
        f"{backend} {n}: spectrum-matched vectors built from the table in {build_s:.1f} s; "
        f"recall@{TOP_K} at ef {ef} {np.mean(recalls) / TOP_K:.3f} (all query kinds), "
        f"shop filter {np.mean(shop_recalls) / TOP_K:.3f}, complete in {np.mean(complete):.3f}",
        *sweep_notes,
    ]
    return lines + sweep_lines, notes


def faiss_alone(graph: Graph, q: NDArray[np.float32], ef: int) -> object:
    params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
    params.efSearch = ef
    return graph.index.search(graph.reduce(q[None]), TOP_K, params=params)


EFS = (64, 128, 256, 512)  # the ef sweep: recall against the cost of the walk

# Exact vectors of a shortlist's photos: the table's, or a stand-in for it without a database.
ExactOf = Callable[[list[Hit]], dict[int, NDArray[np.float32]]]


def index_step(
    graph: Graph,
    exact_of: ExactOf,
    q: NDArray[np.float32],
    filters: SearchFilters,
    ef: int,
) -> list[Hit]:
    """What ``HnswIndex.search`` does after its refresh: the walk (or scan), then, for a
    reduced graph, the exact re-rank of its shortlist."""
    hits = graph.search(q, filters, TOP_K, ef)
    return rerank(q, hits, exact_of(hits), TOP_K) if graph.reduced else hits


def rows_of(x: NDArray[np.float32], first_id: int) -> ExactOf:
    """The exact vectors from an array in RAM (image id ``first_id`` is row 0)."""
    return lambda hits: {h.image_id: x[h.image_id - first_id] for h in hits}


def ef_sweep(
    backend: str,
    n: int,
    label: str,
    graph: Graph,
    exact_of: ExactOf,
    groups: dict[str, tuple[NDArray[np.float32], NDArray[np.int64]]],
    base: list[float],
) -> tuple[list[str], list[str]]:
    """The index step at each ef of ``EFS`` (rows) and its recall@20 per query kind (a note);
    ``groups`` holds each kind's queries and their exact top 20 (image ids)."""
    flat = np.concatenate([q for q, _ in groups.values()])
    pick = np.random.default_rng(0).permutation(len(flat))
    lines, recalls = [], []
    none = SearchFilters()

    def step(ef: int) -> Callable[[int], object]:
        return lambda i: index_step(graph, exact_of, flat[pick[i % len(flat)]], none, ef)

    for ef in EFS:
        lat = timed(step(ef))
        lines.append(row(backend, n, f"{label}index step, ef {ef}", lat, base))
        per_kind = []
        for name, (qs, truth) in groups.items():
            got = [
                len(
                    {h.image_id for h in index_step(graph, exact_of, q, none, ef)} & set(t.tolist())
                )
                / TOP_K
                for q, t in zip(qs, truth, strict=True)
            ]
            per_kind.append(f"{name} {np.mean(got):.3f}")
        recalls.append(f"ef {ef}: " + ", ".join(per_kind))
    note = f"{backend} {n}: {label}recall@{TOP_K} by ef — " + "; ".join(recalls)
    return lines, [note]


def graph_probe(n: int, threads: int, model_dir: str, folder: str, vectors: str) -> None:
    """Child process: the index step on ``n`` synthetic vectors without a database;
    ``vectors`` is ``isotropic`` (the benchmark's first kind) or ``spectrum`` (SpectrumMatched)."""
    faiss.omp_set_num_threads(threads)
    embedder = loaded_embedder(model_dir)
    dim = embedder.dim  # type: ignore[attr-defined]
    rss_embedder = status()["VmRSS"]
    half = QUERIES // 2
    pick = np.sort(np.random.default_rng(7).choice(n, half, replace=False))
    space = SpectrumMatched(dim, np.random.default_rng(n + 1))

    def chunks() -> Iterator[tuple[NDArray[np.float32], NDArray[np.float32] | None]]:
        if vectors == "spectrum":
            yield from spectrum_chunks(n, space, np.random.default_rng(n + 2))
        else:
            for chunk in synthetic_chunks(n, dim, np.random.default_rng(n)):
                yield chunk, None

    near = np.empty((half, dim), dtype=np.float32)
    products = np.empty((half, dim), dtype=np.float32)
    for start, (chunk, chunk_products) in zip(range(0, n, CHUNK), chunks(), strict=True):
        inside = (pick >= start) & (pick < start + len(chunk))
        near[inside] = chunk[pick[inside] - start]
        if chunk_products is not None:
            products[inside] = chunk_products[pick[inside] - start]
    if vectors == "spectrum":
        kinds = spectrum_queries(space, near, products, np.random.default_rng(8))
        label = "spectrum: "
    else:
        noise = unit(np.random.default_rng(8).standard_normal(near.shape).astype(np.float32))
        new = synthetic(QUERIES - half, dim, np.random.default_rng(9))
        kinds = {"near-duplicate": unit(near + 0.3 * noise), "new photo": new}
        label = ""
    qs = np.concatenate(list(kinds.values()))
    shops = np.random.default_rng(10).integers(1, SHOPS + 1, len(qs))
    # The table's float32 vectors, stand-in: a file read a vector at a time for the re-rank.
    Path(folder).mkdir(parents=True, exist_ok=True)
    table = Path(folder) / "vectors.f32"
    graph: Graph | None = None
    created = datetime.now(UTC)
    top = np.full((len(qs), TOP_K), -np.inf, dtype=np.float32)
    top_ids = np.zeros((len(qs), TOP_K), dtype=np.int64)
    shop_top, shop_ids = top.copy(), top_ids.copy()
    build_s = 0.0
    for start, (chunk, _) in zip(range(0, n, CHUNK), chunks(), strict=True):
        ids = list(range(start + 1, start + len(chunk) + 1))
        batch = VectorBatch(
            image_ids=ids,
            product_ids=ids,
            created=[created] * len(ids),
            attrs=[(((i - 1) % SHOPS + 1,), 100 * i, True, "vitrina") for i in ids],
            vectors=chunk,
        )
        with table.open("ab") as handle:
            handle.write(chunk.astype("<f4").tobytes())
        t0 = time.perf_counter()
        if graph is None:  # as HnswIndex._build: the first REDUCE_FROM vectors train it
            first = zip(range(0, min(n, REDUCE_FROM), CHUNK), chunks(), strict=False)
            reduce = n >= REDUCE_FROM and dim > 2 * REDUCED_DIM
            projection = train_projection((c for _, (c, _) in first), REDUCED_DIM)
            reduce = reduce and projection is not None and projection.worth_it
            graph = Graph(dim=dim, projection=projection.matrix if reduce and projection else None)
        graph.apply_vectors(batch)
        build_s += time.perf_counter() - t0
        scores = qs @ chunk.T  # the exact answer, merged chunk by chunk
        chunk_ids = np.asarray(ids)
        for best, best_ids, sc in (
            (top, top_ids, scores),
            (
                shop_top,
                shop_ids,
                np.where(((chunk_ids - 1) % SHOPS + 1)[None] == shops[:, None], scores, -np.inf),
            ),
        ):
            both = np.concatenate([best, sc], axis=1)
            both_ids = np.concatenate([best_ids, np.broadcast_to(chunk_ids, sc.shape)], axis=1)
            keep = np.argpartition(-both, TOP_K - 1, axis=1)[:, :TOP_K]
            best[:] = np.take_along_axis(both, keep, axis=1)
            best_ids[:] = np.take_along_axis(both_ids, keep, axis=1)
    built = status()
    assert graph is not None
    ef = HnswIndex("probe", dim).ef_search
    none = SearchFilters()
    lines = []
    fd = os.open(table, os.O_RDONLY)
    width = dim * 4

    def exact_of(hits: list[Hit]) -> dict[int, NDArray[np.float32]]:
        return {
            h.image_id: np.frombuffer(os.pread(fd, width, (h.image_id - 1) * width), "<f4")
            for h in hits
        }

    def step(q: NDArray[np.float32], filters: SearchFilters) -> list[Hit]:
        return index_step(graph, exact_of, q, filters, ef)

    storage = faiss.downcast_index(graph.index.storage)
    timing = qs[np.random.default_rng(0).permutation(len(qs))]
    base = timed(lambda i: storage.search(graph.reduce(timing[i : i + 1]), TOP_K))
    lines.append(row("graph", n, f"{label}exact scan, faiss flat f16 (base)", base, None))
    lat = timed(lambda i: step(timing[i], none))
    lines.append(row("graph", n, f"{label}index step alone (Graph.search)", lat, base))
    if graph.reduced:
        lat = timed(lambda i: graph.search(timing[i], none, TOP_K, ef))
        lines.append(row("graph", n, f"{label}  part: reduced walk (shortlist)", lat, base))
        shortlists = [graph.search(q, none, TOP_K, ef) for q in timing]
        lat = timed(lambda i: exact_of(shortlists[i]))
        lines.append(row("graph", n, f"{label}  part: shortlist's vectors (file)", lat, None))
    shop_lat = timed(lambda i: step(qs[i], SearchFilters(shop_id=int(shops[i]))))
    lines.append(row("graph", n, f"{label}index step alone, shop filter", shop_lat, base))
    lat = timed(lambda i: faiss_alone(graph, timing[i], ef))
    lines.append(row("graph", n, f"{label}faiss HNSW alone (ef {ef})", lat, base))
    recalls: dict[str, list[float]] = {}
    recalls_shop, complete, gaps = [], [], []
    offsets = np.cumsum([0, *(len(q) for q in kinds.values())])
    for kind, lo, hi in zip(kinds, offsets[:-1], offsets[1:], strict=True):
        for i in range(lo, hi):
            found = step(qs[i], none)
            got = {h.image_id for h in found}
            recalls.setdefault(kind, []).append(len(got & set(top_ids[i].tolist())) / TOP_K)
            if kind != "near-duplicate" and found:
                gaps.append(float(top[i].min()) - found[-1].similarity)
            hits = step(qs[i], SearchFilters(shop_id=int(shops[i])))
            recalls_shop.append(len({h.image_id for h in hits} & set(shop_ids[i].tolist())) / TOP_K)
            complete.append(len(hits) == TOP_K)
    sweep_lines, sweep_notes = ef_sweep(
        "graph",
        n,
        label,
        graph,
        exact_of,
        {
            k: (qs[lo:hi], top_ids[lo:hi])
            for k, lo, hi in zip(kinds, offsets[:-1], offsets[1:], strict=True)
        },
        base,
    )
    t0 = time.perf_counter()
    save_index_file(IndexFiles(Path(folder), "probe"), graph.snapshot(), "probe", dim)
    save_s = time.perf_counter() - t0
    mb = 1 / 1048576
    by_kind = ", ".join(f"{k} {np.mean(v):.3f}" for k, v in recalls.items())
    notes = [
        f"graph {n}: {label}built in {build_s:.0f} s ({threads} threads, "
        f"{'reduced to ' + str(graph.index.d) if graph.reduced else 'full width'}); recall@{TOP_K} "
        f"{np.mean([r for v in recalls.values() for r in v]):.3f} at ef {ef} ({by_kind}), "
        f"shop filter {np.mean(recalls_shop):.3f}, complete in {np.mean(complete):.3f} of "
        f"searches; new photos' 20th answer {np.mean(gaps):.4f} cosine below the true 20th",
        f"graph {n}: {label}RSS {rss_embedder * mb:.0f} MB with embedder → "
        f"{built['VmRSS'] * mb:.0f} MB with the index (peak {built['VmHWM'] * mb:.0f} MB); "
        f"file saved in {save_s:.1f} s",
        *sweep_notes,
    ]
    print(json.dumps({"lines": lines + sweep_lines, "notes": notes}))


def graph_restart(folder: str, model_dir: str) -> None:
    """Child process: the embedder, then the saved graph until its first answer."""
    embedder = loaded_embedder(model_dir)
    dim = embedder.dim  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    snap = load_index_file(IndexFiles(Path(folder), "probe"), "probe", dim, PARAMS)
    assert snap is not None
    graph = Graph.from_snapshot(snap, dim)
    graph.search(unit(np.ones(dim, dtype=np.float32)), SearchFilters(), TOP_K, 128)
    print(json.dumps({"restart_s": time.perf_counter() - t0, "rss": status()["VmRSS"]}))


def run_graph(n: int, threads: int, model_dir: str, tmp: str, vectors: str) -> list[str]:
    folder = str(Path(tmp) / f"graph{n}-{vectors}")
    run = [sys.executable, __file__]
    out = json.loads(
        subprocess.run(
            [*run, "--graph-probe", str(n), str(threads), model_dir, folder, vectors],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    restart = json.loads(
        subprocess.run(
            [*run, "--graph-restart", folder, model_dir], capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    out["notes"].append(
        f"graph {n} ({vectors}): restart (file load with checksums + first search, no database) "
        f"{restart['restart_s']:.1f} s, RSS with embedder {restart['rss'] / 1048576:.0f} MB"
    )
    return out["lines"] + [f"# {note}" for note in out["notes"]]


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--rss-probe":
        rss_probe(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--graph-probe":
        graph_probe(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--measure-spectrum":
        model_dir = sys.argv[3] if len(sys.argv) > 3 else str(load_settings().model_dir)
        measure_spectrum(model_dir, int(sys.argv[2]) if len(sys.argv) > 2 else 400)
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--graph-restart":
        graph_restart(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--pg-sizes", default="10000")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--model-dir", default=None)
    parser.add_argument(
        "--customer-only",
        action="store_true",
        help="only a customer's JPEG end to end and its baseline (embed + service.search)",
    )
    parser.add_argument("--graph-sizes", default="", help="e.g. 1000000: index step, no database")
    parser.add_argument("--build-threads", type=int, default=2)
    parser.add_argument(
        "--graph-vectors",
        default="isotropic,spectrum",
        help="which synthetic vectors --graph-sizes builds: isotropic, spectrum or both",
    )
    args = parser.parse_args()
    faiss.omp_set_num_threads(args.build_threads)
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
        header = f"{'backend':<9} {'photos':>7} {'what':<42} {'p50 ms':>8} {'p99 ms':>8}  vs base"
        print(header, flush=True)
        for n in sizes:
            url = f"sqlite:///{tmp}/s{n}.db"
            for line in bench("sqlite", url, n, embedder, photos, model_dir, args.customer_only):
                print(line, flush=True)
        for n in [int(s) for s in args.graph_sizes.split(",") if s]:
            for vectors in args.graph_vectors.split(","):
                for line in run_graph(n, args.build_threads, model_dir, tmp, vectors):
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
