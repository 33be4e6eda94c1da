"""Writing and reading stored vectors. Adds and flushes; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

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


def store_vector(
    session: Session,
    *,
    image_id: int,
    product_id: int,
    model: str,
    content_hash: str,
    embedding: NDArray[np.float32],
) -> None:
    """Insert or replace the vector of one photo (delete + insert keeps ``created_at`` fresh,
    which is what the in-memory index's incremental refresh watches)."""
    session.execute(delete(ImageVector).where(ImageVector.image_id == image_id))
    session.add(
        ImageVector(
            image_id=image_id,
            product_id=product_id,
            model=model,
            content_hash=content_hash,
            embedding=embedding,
        )
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
