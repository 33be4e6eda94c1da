"""One index call for a photo's several vectors (its regions) returns what separate calls do."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.vectors.test_index_behaviour import (
    DIM,
    FILTERS,
    MODEL,
    REDUCE_FROM,
    REDUCED_DIM,
    N,
    add_products,
    open_index,
    spectral,
    unit,
    vectors,
)
from vitrina.db import make_engine
from vitrina.vectors import graph as vector_graph
from vitrina.vectors.base import SearchFilters, VectorIndex
from vitrina.vectors.hnsw_index import HnswIndex


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def stored(engine: Engine) -> np.ndarray:
    x = vectors(N, seed=1)
    add_products(engine, x)
    return x


def queries(x: np.ndarray, seed: int) -> np.ndarray:
    """Three query vectors near stored ones and one far from all, as a photo's regions are."""
    rng = np.random.default_rng(seed)
    near = [unit(x[i] + 0.3 * vectors(1, seed=seed + i)[0]) for i in rng.integers(0, len(x), 3)]
    return np.stack([*near, vectors(1, seed=seed + 500)[0]])


def assert_same_as_separate_calls(
    index: VectorIndex, session: Session, q: np.ndarray, filters: dict[str, object], limit: int
) -> None:
    wanted = SearchFilters(**filters)  # type: ignore[arg-type]
    together = index.search_many(session, q, wanted, limit)
    separate = [index.search(session, row, wanted, limit) for row in q]
    assert len(together) == len(q)
    for many, one in zip(together, separate, strict=True):
        assert [h.image_id for h in many] == [h.image_id for h in one]
        assert [h.similarity for h in many] == pytest.approx([h.similarity for h in one])


@pytest.mark.parametrize("filters", FILTERS, ids=[str(f) for f in FILTERS])
def test_several_vectors_in_one_call_equal_separate_calls(engine, stored, tmp_path, filters):
    index = open_index(engine, tmp_path)
    with Session(engine) as session:
        assert_same_as_separate_calls(index, session, queries(stored, seed=3), filters, 40)
        assert index.search_many(session, queries(stored, 4)[:0], SearchFilters(), 5) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("filters", FILTERS[:4], ids=[str(f) for f in FILTERS[:4]])
def test_a_forced_walk_and_its_exact_completion_agree_in_one_call(
    engine, stored, tmp_path, filters, monkeypatch
):
    """Some rows of the call walk the graph, others fall back to the exact scan."""
    monkeypatch.setattr(vector_graph, "EXACT_MIN", 0)
    monkeypatch.setattr(vector_graph, "WALK_COST", 0.0)
    index = open_index(engine, tmp_path)
    with Session(engine) as session:
        assert_same_as_separate_calls(index, session, queries(stored, seed=5), filters, 40)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_reduced_graph_reranks_every_row_of_one_call(engine, tmp_path):
    sqlite_engine = engine
    x = spectral(N, seed=1)
    add_products(sqlite_engine, x)
    index = HnswIndex(
        MODEL,
        DIM,
        folder=tmp_path,
        count_every_s=0.0,
        reduce_from=REDUCE_FROM,
        reduced_dim=REDUCED_DIM,
    )
    with Session(sqlite_engine) as session:
        for filters in ({}, {"shop_id": 3}):
            assert_same_as_separate_calls(index, session, queries(x, seed=7), filters, 10)
    assert index._graph is not None and index._graph.reduced
