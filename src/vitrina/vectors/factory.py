"""Choosing the vector index for the database in use."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine, exc

from vitrina.db import is_sqlite
from vitrina.vectors.base import VectorIndex
from vitrina.vectors.hnsw_index import HnswIndex
from vitrina.vectors.pgvector_index import PgVectorIndex

log = logging.getLogger("vitrina.vectors")


def make_index(
    engine: Engine, model: str, dim: int, *, folder: Path | None = None, ef_search: int = 256
) -> VectorIndex:
    """An in-memory HNSW graph on SQLite, saved in ``folder`` (default: beside the database
    file); pgvector HNSW (index created if missing) on PostgreSQL."""
    if is_sqlite(engine):
        return HnswIndex(model, dim, folder=folder or index_folder(engine), ef_search=ef_search)
    index = PgVectorIndex(model, dim, ef_search=ef_search)
    try:
        index.ensure_index(engine)
    except exc.OperationalError as error:
        # Start anyway (webhooks answer 503 meanwhile); the first search creates the index.
        log.warning("database unavailable at start-up; HNSW index check deferred: %s", error)
    return index


def index_folder(engine: Engine) -> Path | None:
    """``<database file>.vectors/`` next to the database; None for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return path.with_name(path.name + ".vectors")
