"""Migration 0013: every product already stored gets the row of its own shop, on SQLite and
PostgreSQL, so "the products of shop N" reads ``product_shops`` alone."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from vitrina.db import make_engine
from vitrina.migrations import alembic_config, upgrade


def test_products_stored_before_0013_are_in_their_own_shop(database_url):
    engine = make_engine(database_url)
    try:
        command.downgrade(alembic_config(engine), "0012")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO products (id, shop_id, name, price, enabled, available,"
                    " page_url, source_payload, created_at, updated_at) VALUES"
                    " (5, 2, 'Розы', 100, true, true, '/catalog/5/', '{}',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT product_id, shop_id, page_url FROM product_shops"))
            assert [tuple(row) for row in rows] == [(5, 2, "/catalog/5/")]
    finally:
        engine.dispose()
