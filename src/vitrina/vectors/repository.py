"""Writing and reading stored vectors. Adds and flushes; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from vitrina.db import utcnow
from vitrina.vectors.models import ImageVector


def vectors_by_content(
    sessions: sessionmaker[Session], content_hashes: Sequence[str], model: str
) -> dict[str, NDArray[np.float32]]:
    """Existing embeddings of identical bytes, by content hash (one query for a batch)."""
    if not content_hashes:
        return {}
    with sessions() as session:
        rows = session.execute(
            select(ImageVector.content_hash, ImageVector.embedding).where(
                ImageVector.content_hash.in_(set(content_hashes)), ImageVector.model == model
            )
        )
        return {content_hash: embedding for content_hash, embedding in rows}


@dataclass(frozen=True, slots=True)
class NewVector:
    """One photo's embedding, ready to store."""

    image_id: int
    product_id: int
    model: str
    content_hash: str
    embedding: NDArray[np.float32]


def store_vectors(session: Session, vectors: Sequence[NewVector]) -> None:
    """Insert or replace the vectors of a batch of photos: one DELETE and one multi-row INSERT.

    Delete + insert (not upsert) keeps ``created_at`` fresh, which is what the in-memory index's
    incremental refresh watches. Core statements: a worker batch writes up to a few dozen rows,
    and per-row ORM adds with a DELETE between them flushed one row at a time.
    """
    if not vectors:
        return
    vectors = list({v.image_id: v for v in vectors}.values())  # a photo twice: the last wins
    now = utcnow()
    session.execute(
        delete(ImageVector).where(ImageVector.image_id.in_([v.image_id for v in vectors]))
    )
    session.execute(
        insert(ImageVector),
        [
            {
                "image_id": v.image_id,
                "product_id": v.product_id,
                "model": v.model,
                "content_hash": v.content_hash,
                "embedding": v.embedding,
                "created_at": now,
            }
            for v in vectors
        ],
    )


def remove_product_vectors(session: Session, product_id: int) -> int:
    """Remove a product from the search index (all models); returns the number removed."""
    result = session.execute(delete(ImageVector).where(ImageVector.product_id == product_id))
    return int(getattr(result, "rowcount", 0) or 0)


def count_vectors(session: Session, model: str | None = None) -> int:
    """Stored vectors, of ``model`` or of all models."""
    query = select(func.count()).select_from(ImageVector)
    if model is not None:
        query = query.where(ImageVector.model == model)
    return int(session.scalar(query) or 0)
