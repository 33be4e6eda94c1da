"""Choosing the vector index for the database in use."""

from __future__ import annotations

from sqlalchemy import Engine

from vitrina.db import is_sqlite
from vitrina.vectors.base import VectorIndex
from vitrina.vectors.memory_index import MemoryIndex
from vitrina.vectors.pgvector_index import PgVectorIndex


def make_index(engine: Engine, model: str, dim: int) -> VectorIndex:
    """Exact in-memory search on SQLite; pgvector HNSW (index created if missing) on PostgreSQL."""
    if is_sqlite(engine):
        return MemoryIndex(model, dim)
    index = PgVectorIndex(model, dim)
    index.ensure_index(engine)
    return index
