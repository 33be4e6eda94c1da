"""Choosing the vector index for the database in use."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, exc

from vitrina.db import is_sqlite
from vitrina.vectors.base import VectorIndex
from vitrina.vectors.memory_index import MemoryIndex
from vitrina.vectors.pgvector_index import PgVectorIndex

log = logging.getLogger("vitrina.vectors")


def make_index(engine: Engine, model: str, dim: int) -> VectorIndex:
    """Exact in-memory search on SQLite; pgvector HNSW (index created if missing) on PostgreSQL."""
    if is_sqlite(engine):
        return MemoryIndex(model, dim)
    index = PgVectorIndex(model, dim)
    try:
        index.ensure_index(engine)
    except exc.OperationalError as error:
        # Start anyway (webhooks answer 503 meanwhile); the first search creates the index.
        log.warning("database unavailable at start-up; HNSW index check deferred: %s", error)
    return index
