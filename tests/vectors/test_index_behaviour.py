"""The vector index against a real database: changes are seen by the next search, filters never
cut a result short, and the embedded index's file is checked before it is trusted."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy import Engine, delete, insert, update
from sqlalchemy.orm import Session

from vitrina.catalog.models import Product, ProductImage, ProductShop
from vitrina.db import make_engine, utcnow
from vitrina.vectors import graph as vector_graph
from vitrina.vectors import hnsw_index
from vitrina.vectors.base import Hit, SearchFilters, VectorIndex
from vitrina.vectors.factory import make_index
from vitrina.vectors.graph import Graph, VectorBatch, rerank
from vitrina.vectors.hnsw_index import HnswIndex
from vitrina.vectors.index_file import IndexFiles
from vitrina.vectors.models import ImageVector
from vitrina.vectors.repository import NewVector, remove_product_vectors, store_vectors

MODEL, DIM = "test-model", 48
SHOPS = 20
N = 3000  # above the exact-scan floor, so unfiltered searches walk the graph


def unit(x: NDArray[np.float32]) -> NDArray[np.float32]:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def vectors(n: int, seed: int) -> NDArray[np.float32]:
    return unit(np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32))


def add_products(engine: Engine, x: NDArray[np.float32], first_id: int = 1, **row: object) -> None:
    """Products ``first_id…`` with one photo and one vector each; shop, price, type vary."""
    ids = range(first_id, first_id + len(x))
    products = [
        {
            "id": i,
            "shop_id": i % SHOPS + 1,
            "name": f"product {i}",
            "price": 100 * (i % 1000),
            "enabled": True,
            "type": "vitrina" if i % 3 else "catalog",
            "image": f"https://shop.example/{i}.jpg",
            "source_payload": {},
            **row,
        }
        for i in ids
    ]
    with engine.begin() as conn:
        conn.execute(insert(Product), products)
        conn.execute(
            insert(ProductShop), [{"product_id": p["id"], "shop_id": p["shop_id"]} for p in products]
        )
        conn.execute(
            insert(ProductImage),
            [
                {"id": i, "product_id": i, "position": 0, "url": f"u{i}", "is_primary": True}
                for i in ids
            ],
        )
    with Session(engine) as session, session.begin():
        store_vectors(
            session,
            [NewVector(i, i, MODEL, f"h{i}", x[k]) for k, i in enumerate(ids)],
        )


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def stored(engine: Engine) -> NDArray[np.float32]:
    x = vectors(N, seed=1)
    add_products(engine, x)
    return x


def open_index(engine: Engine, folder: Path) -> VectorIndex:
    index = make_index(engine, MODEL, DIM, folder=folder)
    if isinstance(index, HnswIndex):
        index.count_every_s = 0.0  # check for deletions at every search
    return index


def search(
    engine: Engine, index: VectorIndex, q: NDArray[np.float32], limit: int = 20, **f: object
) -> list[tuple[int, float]]:
    with Session(engine) as session:
        hits = index.search(session, q, SearchFilters(**f), limit)  # type: ignore[arg-type]
    return [(h.product_id, h.similarity) for h in hits]


def test_new_photo_is_found_by_the_next_search(engine, stored, tmp_path):
    index = open_index(engine, tmp_path)
    fresh = vectors(1, seed=99)
    assert search(engine, index, fresh[0])[0][0] != N + 1
    add_products(engine, fresh, first_id=N + 1)
    best, similarity = search(engine, index, fresh[0])[0]
    assert best == N + 1
    assert similarity == pytest.approx(1.0, abs=1e-3)


def test_replaced_photo_is_searched_by_its_new_vector(engine, stored, tmp_path):
    index = open_index(engine, tmp_path)
    assert search(engine, index, stored[7])[0][0] == 8
    replacement = vectors(1, seed=98)[0]
    with Session(engine) as session, session.begin():
        store_vectors(session, [NewVector(8, 8, MODEL, "new", replacement)])
    assert search(engine, index, replacement)[0][0] == 8
    assert 8 not in [p for p, _ in search(engine, index, stored[7])[:5]]
    if isinstance(index, HnswIndex):  # the old vector retired, not counted twice
        with Session(engine) as session:
            assert index.count(session) == N


def test_deleted_product_is_gone_from_the_next_search(engine, stored, tmp_path):
    index = open_index(engine, tmp_path)
    assert search(engine, index, stored[41])[0][0] == 42
    with Session(engine) as session, session.begin():
        assert remove_product_vectors(session, 42) == 1
    assert 42 not in [p for p, _ in search(engine, index, stored[41], limit=50)]
    if isinstance(index, HnswIndex):  # pgvector's count is cached for a second
        with Session(engine) as session:
            assert index.count(session) == N - 1


def test_price_change_is_seen_by_the_next_filtered_search(engine, stored, tmp_path):
    index = open_index(engine, tmp_path)
    q = stored[99]  # product 100: price 100 * 100
    assert search(engine, index, q, price_max=20_000)[0][0] == 100
    with Session(engine) as session, session.begin():
        session.execute(update(Product).where(Product.id == 100).values(price=9_000_000))
    assert 100 not in [p for p, _ in search(engine, index, q, price_max=20_000, limit=50)]
    assert search(engine, index, q, price_min=8_000_000)[0][0] == 100


def test_disabled_product_is_never_returned(engine, stored, tmp_path):
    index = open_index(engine, tmp_path)
    with Session(engine) as session, session.begin():
        session.execute(update(Product).where(Product.id == 5).values(enabled=False))
    assert 5 not in [p for p, _ in search(engine, index, stored[4], limit=50)]


FILTERS = [
    {},
    {"shop_id": 3},  # 5 %: an exact scan of the shop
    {"shop_id": 3, "type": "catalog"},
    {"price_min": 10_000, "price_max": 60_000},  # about half: a filtered walk
    {"type": "vitrina", "exclude_product_id": 2},
    {"shop_id": 7, "price_min": 90_000},  # very few pass: all of them come back
    {"type": "no such type"},
]


@pytest.mark.parametrize("filters", FILTERS, ids=[str(f) for f in FILTERS])
def test_filtered_search_is_complete_and_exact_at_the_top(engine, stored, tmp_path, filters):
    assert_complete_and_exact_at_the_top(engine, stored, tmp_path, filters)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the embedded index's choice
@pytest.mark.parametrize("filters", FILTERS, ids=[str(f) for f in FILTERS])
def test_a_forced_graph_walk_is_completed_by_the_exact_scan(
    engine, stored, tmp_path, filters, monkeypatch
):
    monkeypatch.setattr(vector_graph, "EXACT_MIN", 0)
    monkeypatch.setattr(vector_graph, "WALK_COST", 0.0)
    assert_complete_and_exact_at_the_top(engine, stored, tmp_path, filters)


def assert_complete_and_exact_at_the_top(
    engine: Engine, stored: NDArray[np.float32], tmp_path: Path, filters: dict[str, object]
) -> None:
    """Every eligible product can come back, and the best one is first with its exact score."""
    index = open_index(engine, tmp_path)
    ids = np.arange(1, N + 1)
    eligible = np.ones(N, dtype=bool)
    if "shop_id" in filters:
        eligible &= ids % SHOPS + 1 == filters["shop_id"]
    if "price_min" in filters:
        eligible &= 100 * (ids % 1000) >= filters["price_min"]
    if "price_max" in filters:
        eligible &= 100 * (ids % 1000) <= filters["price_max"]
    if "type" in filters:
        eligible &= np.where(ids % 3, "vitrina", "catalog") == filters["type"]
    if "exclude_product_id" in filters:
        eligible &= ids != filters["exclude_product_id"]
    rows = np.flatnonzero(eligible)
    for seed in range(5):
        q = unit(stored[seed * 11] + 0.3 * vectors(1, seed=seed)[0])
        hits = search(engine, index, q, limit=40, **filters)
        assert len(hits) == min(40, len(rows))
        assert {p for p, _ in hits} <= set((rows + 1).tolist())
        if len(rows):
            best = rows[np.argmax(stored[rows] @ q)] + 1
            assert hits[0][0] == best
            assert hits[0][1] == pytest.approx(float(stored[best - 1] @ q), abs=2e-3)


# --- the embedded index's file -----------------------------------------------------------


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


def saved_index(engine: Engine, folder: Path) -> HnswIndex:
    index = HnswIndex(MODEL, DIM, folder=folder, count_every_s=0.0)
    with Session(engine) as session:
        index.count(session)
    index.close()
    return index


def test_restart_loads_the_saved_index_and_catches_up(sqlite_engine, tmp_path, caplog):
    x = vectors(N, seed=1)
    add_products(sqlite_engine, x)
    saved_index(sqlite_engine, tmp_path)
    fresh = vectors(2, seed=5)
    add_products(sqlite_engine, fresh, first_id=N + 1)  # written while the service was down
    caplog.set_level(logging.INFO, logger="vitrina.vectors")
    index = HnswIndex(MODEL, DIM, folder=tmp_path)
    assert search(sqlite_engine, index, fresh[1])[0][0] == N + 2
    assert search(sqlite_engine, index, x[10])[0][0] == 11
    assert "loaded from file" in caplog.text


@pytest.mark.parametrize("part", ["index", "labels", "header"])
def test_corrupted_index_file_is_detected_and_rebuilt(sqlite_engine, tmp_path, caplog, part):
    x = vectors(N, seed=1)
    add_products(sqlite_engine, x)
    saved_index(sqlite_engine, tmp_path)
    path: Path = getattr(IndexFiles(tmp_path, MODEL), part)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    caplog.set_level(logging.INFO, logger="vitrina.vectors")
    index = HnswIndex(MODEL, DIM, folder=tmp_path)
    assert search(sqlite_engine, index, x[123])[0][0] == 124
    assert "not used" in caplog.text and "built from the table" in caplog.text
    caplog.clear()
    again = HnswIndex(MODEL, DIM, folder=tmp_path)  # the rebuilt file is good again
    assert search(sqlite_engine, again, x[123])[0][0] == 124
    assert "loaded from file" in caplog.text


def test_index_file_built_with_older_graph_settings_is_rebuilt(
    sqlite_engine, tmp_path, caplog, monkeypatch
):
    """A file written by a version with other graph settings (efConstruction 128 before issue
    11's tuning) is not loaded: the graph is rebuilt with today's and saved again."""
    x = vectors(N, seed=1)
    add_products(sqlite_engine, x)
    older = {**hnsw_index.PARAMS, "ef_construction": 128}
    assert older != hnsw_index.PARAMS
    with monkeypatch.context() as patched:
        patched.setattr(hnsw_index, "PARAMS", older)
        saved_index(sqlite_engine, tmp_path)
    header = IndexFiles(tmp_path, MODEL).header
    assert json.loads(header.read_text())["params"] == older
    caplog.set_level(logging.INFO, logger="vitrina.vectors")
    index = HnswIndex(MODEL, DIM, folder=tmp_path)
    assert search(sqlite_engine, index, x[42])[0][0] == 43
    assert "params is" in caplog.text and "built from the table" in caplog.text
    assert json.loads(header.read_text())["params"] == hnsw_index.PARAMS
    graph = index._graph
    assert graph is not None and graph.index.hnsw.efConstruction == vector_graph.EF_CONSTRUCTION


def test_index_file_of_another_database_is_not_trusted(sqlite_engine, tmp_path, caplog):
    """A file newer than the table (the database was restored from a backup) is rebuilt."""
    add_products(sqlite_engine, vectors(N, seed=1))
    saved_index(sqlite_engine, tmp_path)
    with sqlite_engine.begin() as conn:
        conn.execute(delete(ImageVector))
        conn.execute(delete(ProductImage))
        conn.execute(delete(Product))
    restored = vectors(500, seed=2)
    add_products(sqlite_engine, restored)
    with sqlite_engine.begin() as conn:
        conn.execute(update(ImageVector).values(created_at=utcnow() - timedelta(days=3)))
    caplog.set_level(logging.INFO, logger="vitrina.vectors")
    index = HnswIndex(MODEL, DIM, folder=tmp_path)
    assert search(sqlite_engine, index, restored[3])[0][0] == 4
    with Session(sqlite_engine) as session:
        assert index.count(session) == 500
    assert "rebuilding from the table" in caplog.text


def test_a_photo_with_several_vectors_is_one_hit_scored_by_its_best():
    """Region vectors (several per photo) are keyed by label, not by photo id."""
    graph = Graph(dim=DIM)
    x = vectors(3000, seed=3)
    ids = list(range(1, 3001))
    photo = [i if i > 3 else 1 for i in ids]  # photo 1 has three vectors: rows 1, 2 and 3
    graph.apply_vectors(
        VectorBatch(
            image_ids=photo,
            product_ids=photo,
            created=[utcnow()] * 3000,
            attrs=[((1,), 100, True, "vitrina")] * 3000,
            vectors=x,
        )
    )
    for row in (0, 1, 2):
        hits = graph.search(x[row], SearchFilters(), 10, 128)
        assert hits[0].image_id == 1
        assert hits[0].similarity == pytest.approx(1.0, abs=1e-3)
        assert [h.image_id for h in hits].count(1) == 1
        assert len(hits) == 10


# --- a large catalog: the graph walks reduced vectors, the table's vectors order the answer ---

REDUCE_FROM, REDUCED_DIM = 1000, 12


def spectral(n: int, seed: int) -> NDArray[np.float32]:
    """Vectors whose variance falls with the direction's rank, as real embeddings' does (a
    random rotation hides which directions those are)."""
    rng = np.random.default_rng(seed)
    rotation, _ = np.linalg.qr(np.random.default_rng(99).standard_normal((DIM, DIM)))
    scale = np.arange(1, DIM + 1, dtype=np.float32) ** -1.2
    return unit(((rng.standard_normal((n, DIM)) * scale) @ rotation.T).astype(np.float32))


def reduced_index(folder: Path) -> HnswIndex:
    return HnswIndex(
        MODEL,
        DIM,
        folder=folder,
        count_every_s=0.0,
        reduce_from=REDUCE_FROM,
        reduced_dim=REDUCED_DIM,
    )


def test_reduced_graph_answers_with_the_tables_exact_scores(sqlite_engine, tmp_path):
    """Each answer is the exact top by cosine, with the exact score, filtered or not."""
    x = spectral(N, seed=1)
    add_products(sqlite_engine, x)
    index = reduced_index(tmp_path)
    for seed in range(8):
        q = unit(x[seed * 17] + 0.2 * spectral(1, seed=100 + seed)[0])
        for filters, rows in (
            ({}, np.arange(N)),
            ({"shop_id": 3}, np.flatnonzero((np.arange(1, N + 1) % SHOPS + 1) == 3)),
        ):
            hits = search(sqlite_engine, index, q, limit=10, **filters)
            truth = rows[np.argsort(-(x[rows] @ q))[:10]] + 1
            assert [p for p, _ in hits][:3] == truth[:3].tolist()
            assert len(hits) == 10
            assert hits[0][1] == pytest.approx(float(x[truth[0] - 1] @ q), abs=1e-5)
            assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert index._graph is not None and index._graph.reduced
    assert index._graph.index.d == REDUCED_DIM


def test_reduced_graph_survives_a_restart_and_sees_changes(sqlite_engine, tmp_path, caplog):
    x = spectral(N, seed=1)
    add_products(sqlite_engine, x)
    index = reduced_index(tmp_path)
    assert search(sqlite_engine, index, x[5])[0][0] == 6
    index.close()
    fresh = spectral(2, seed=7)
    add_products(sqlite_engine, fresh, first_id=N + 1)
    with Session(sqlite_engine) as session, session.begin():
        remove_product_vectors(session, 6)
    caplog.set_level(logging.INFO, logger="vitrina.vectors")
    again = reduced_index(tmp_path)
    assert search(sqlite_engine, again, fresh[1])[0][0] == N + 2
    assert 6 not in [p for p, _ in search(sqlite_engine, again, x[5])]
    assert "loaded from file" in caplog.text
    assert again._graph is not None and again._graph.reduced


def test_a_catalog_that_grows_large_gets_a_reduced_graph(sqlite_engine, tmp_path):
    """Built small (full width), the graph is rebuilt reduced in the background once the table
    holds twice ``reduce_from``; searches answer from the old graph meanwhile."""
    x = spectral(2 * REDUCE_FROM + 200, seed=2)
    add_products(sqlite_engine, x[:500])
    index = reduced_index(tmp_path)
    assert search(sqlite_engine, index, x[100])[0][0] == 101
    assert index._graph is not None and not index._graph.reduced
    add_products(sqlite_engine, x[500:], first_id=501)
    for _ in range(600):  # polls the outcome; the rebuild takes well under a second here
        assert search(sqlite_engine, index, x[1500])[0][0] == 1501
        if index._graph is not None and index._graph.reduced:
            break
        time.sleep(0.05)
    assert index._graph is not None and index._graph.reduced
    assert search(sqlite_engine, index, x[2100])[0][0] == 2101


def test_rerank_orders_by_exact_cosine_and_drops_photos_no_longer_stored():
    q = unit(np.array([1.0, 0.0, 0.0], dtype=np.float32))
    hits = [Hit(1, 1, 0.9), Hit(2, 2, 0.8), Hit(3, 3, 0.7)]
    exact = {
        1: unit(np.array([0.2, 1.0, 0.0], dtype=np.float32)),
        3: unit(np.array([1.0, 0.1, 0.0], dtype=np.float32)),
    }
    ranked = rerank(q, hits, exact, limit=5)
    assert [h.image_id for h in ranked] == [3, 1]
    assert ranked[0].similarity == pytest.approx(float(exact[3] @ q))
    assert rerank(q, hits, exact, limit=1) == ranked[:1]
    assert rerank(q, hits, {}, limit=5) == []


def test_vectors_spread_over_every_direction_keep_the_full_width(sqlite_engine, tmp_path, caplog):
    """Random vectors hold their energy evenly: reducing them would lose their neighbourhoods.
    The judgement is kept with the file, so a restart does not rebuild to judge again."""
    x = vectors(N, seed=1)  # isotropic
    add_products(sqlite_engine, x)
    caplog.set_level(logging.INFO, logger="vitrina.vectors")
    index = reduced_index(tmp_path)
    assert search(sqlite_engine, index, x[42])[0][0] == 43
    assert index._graph is not None and not index._graph.reduced
    assert index._graph.judged == N
    assert "keeps their full width" in caplog.text
    index.close()
    again = reduced_index(tmp_path)
    assert search(sqlite_engine, again, x[7])[0][0] == 8
    assert again._graph is not None and again._graph.judged == N and not again._graph.reduced


def test_a_bulk_refresh_is_added_in_pieces_while_another_thread_searches(
    sqlite_engine, tmp_path, monkeypatch
):
    """After a bulk import the refresh adds the photos in pieces, releasing the lock between
    them; searches on another thread keep completing with right answers meanwhile (how long they
    wait is measured in benchmarks/refresh_wait.py, not asserted here)."""
    x = vectors(N, seed=1)
    add_products(sqlite_engine, x)
    index = open_index(sqlite_engine, tmp_path)
    assert search(sqlite_engine, index, x[3])[0][0] == 4
    fresh = vectors(3000, seed=11)
    add_products(sqlite_engine, fresh, first_id=N + 1)

    pieces: list[int] = []
    apply_vectors = Graph.apply_vectors

    def recorded(graph: Graph, batch: VectorBatch) -> None:
        pieces.append(len(batch.image_ids))
        apply_vectors(graph, batch)

    monkeypatch.setattr(Graph, "apply_vectors", recorded)
    answers: list[int] = []

    def refresh() -> None:
        with Session(sqlite_engine) as session:
            index.sync(session)

    refresher = threading.Thread(target=refresh)
    refresher.start()
    while not index._refreshing.locked() and refresher.is_alive():  # searches below don't take it
        time.sleep(0.001)
    while refresher.is_alive() or not answers:
        answers.append(search(sqlite_engine, index, x[3])[0][0])
    refresher.join()
    assert set(answers) == {4}  # the old photos answer throughout
    assert len(pieces) >= 10 and max(pieces) < 3000, pieces
    assert search(sqlite_engine, index, fresh[7])[0][0] == N + 8
