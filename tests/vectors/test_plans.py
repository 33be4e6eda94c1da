"""Per-query search plans (pure logic) and the SQL of pgvector 0.8's iterative scan."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from vitrina.db import make_engine
from vitrina.vectors.graph import EXACT_MIN, MAX_EF, plan_walk
from vitrina.vectors.pgvector_index import (
    MAX_EF as PG_MAX_EF,
)
from vitrina.vectors.pgvector_index import (
    PgVectorIndex,
    iterative_statements,
    parse_version,
    plan_ef,
)


@given(
    total=st.integers(1, 5_000_000),
    share=st.floats(0.0, 1.0),
    limit=st.integers(1, 400),
    ef_search=st.integers(16, 1000),
)
def test_walk_plan_is_exact_for_small_sets_and_deep_enough_otherwise(
    total, share, limit, ef_search
):
    eligible = int(total * share)
    ef = plan_walk(eligible, total, limit, ef_search)
    if eligible <= EXACT_MIN:
        assert ef is None
    if ef is not None:
        assert min(MAX_EF, 2 * limit) <= ef <= MAX_EF
        assert ef >= min(MAX_EF, ef_search)
        # a narrower filter or a larger graph never makes the walk shallower
        narrower = plan_walk(max(1, eligible // 2), total, limit, ef_search)
        assert narrower is None or narrower >= ef
        larger = plan_walk(eligible, 2 * total, limit, ef_search)
        assert larger is None or larger >= ef


def test_walk_plan_for_the_benchmark_shapes():
    assert plan_walk(100_000, 100_000, 20, 128) == 128  # unfiltered: the configured depth
    assert plan_walk(1_000_000, 1_000_000, 20, 256) == 512  # a larger graph walks deeper
    assert plan_walk(5_000, 100_000, 20, 256) is None  # one shop of 20: scan it exactly
    assert plan_walk(15_000, 300_000, 20, 256) == 1254  # the same shop at 300k: a deep walk
    assert plan_walk(500, 100_000, 20, 128) is None  # a few hundred: scan them exactly
    assert plan_walk(50_000, 1_000_000, 20, 256) == 2289  # the same shop at 1M: deeper still


@given(limit=st.integers(1, 1000), share=st.floats(0.0, 1.0), ef_search=st.integers(16, 1000))
def test_pgvector_ef_covers_the_limit_and_stays_within_pgvector_bounds(limit, share, ef_search):
    ef = plan_ef(limit, share, ef_search)
    assert ef >= limit
    assert ef <= max(limit, PG_MAX_EF)
    assert ef >= min(PG_MAX_EF, ef_search)


def test_pgvector_versions_are_parsed():
    assert parse_version("0.8.0") == (0, 8, 0)
    assert parse_version("0.6.2") == (0, 6, 2)
    assert parse_version(None) is None
    assert parse_version("garbage") is None


def test_iterative_scan_sql_sets_relaxed_order_and_sorts_again():
    index = PgVectorIndex("m", 4)
    *settings, query = iterative_statements(index._distance(), "p.enabled", 300)
    assert settings == [
        "SET LOCAL hnsw.ef_search = 300",
        "SET LOCAL hnsw.iterative_scan = relaxed_order",
        "SET LOCAL hnsw.max_scan_tuples = 40000",
    ]
    assert "AS MATERIALIZED" in query
    # the filter is inside the index scan's query (so the walk applies it), then re-sorted
    inner, outer = query.split("SELECT image_id, product_id, 1 - distance")
    assert "WHERE v.model = :model AND p.enabled" in inner
    assert "LIMIT :limit" in inner
    assert outer.strip().endswith("ORDER BY distance")


def test_iterative_scan_query_runs_on_postgresql_and_filters(postgres):
    """pgserver ships pgvector 0.6 (no iterative scans): the query itself is checked here."""
    engine = make_engine(postgres.fresh_database())
    from vitrina.migrations import upgrade

    upgrade(engine)
    index = PgVectorIndex("m", 4)
    with Session(engine) as session, session.begin():
        session.execute(
            text(
                "INSERT INTO products (id, shop_id, name, price, enabled, type, source_payload,"
                " created_at, updated_at) SELECT i, i % 2, 'p', 100, i <> 3, 'vitrina', '{}',"
                " now(), now() FROM generate_series(1, 6) i"
            )
        )
        session.execute(
            text(
                "INSERT INTO product_images (id, product_id, position, url, is_primary)"
                " SELECT i, i, 0, 'u', true FROM generate_series(1, 6) i"
            )
        )
        session.execute(
            text(
                "INSERT INTO image_vectors (image_id, product_id, model, content_hash, embedding,"
                " created_at) SELECT i, i, 'm', 'h', ('[1,' || i || ',0,0]')::vector, now()"
                " FROM generate_series(1, 6) i"
            )
        )
        *_, query = iterative_statements(index._distance(), "p.enabled AND p.shop_id = 1", 40)
        rows = session.execute(text(query), {"model": "m", "q": "[1,1,0,0]", "limit": 5}).all()
    engine.dispose()
    assert [r.product_id for r in rows] == [1, 5]  # shop 1, enabled (3 is disabled), nearest first
    assert rows[0].similarity > rows[1].similarity
