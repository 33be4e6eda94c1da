"""Writing and reading stored vectors. Adds and flushes; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vitrina.vectors.models import ImageVector


def vectors_of_product(session: Session, product_id: int, model: str) -> dict[int, str]:
    """``image_id → content_hash`` of the product's photos already embedded by ``model``."""
    rows = session.execute(
        select(ImageVector.image_id, ImageVector.content_hash).where(
            ImageVector.product_id == product_id, ImageVector.model == model
        )
    )
    return {image_id: content_hash for image_id, content_hash in rows}


def vector_by_content(
    session: Session, content_hash: str, model: str
) -> NDArray[np.float32] | None:
    """An existing embedding of identical bytes (the same photo under another URL), if any."""
    return session.scalar(
        select(ImageVector.embedding)
        .where(ImageVector.content_hash == content_hash, ImageVector.model == model)
        .limit(1)
    )


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


def embeddings_for(
    session: Session, image_ids: Iterable[int], model: str
) -> dict[int, NDArray[np.float32]]:
    """Full embeddings of the given photos (for exact re-ranking of candidates)."""
    ids = list(image_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(ImageVector.image_id, ImageVector.embedding).where(
            ImageVector.image_id.in_(ids), ImageVector.model == model
        )
    )
    return {image_id: embedding for image_id, embedding in rows}


def count_vectors(session: Session, model: str | None = None) -> int:
    """Stored vectors, of ``model`` or of all models."""
    query = select(func.count()).select_from(ImageVector)
    if model is not None:
        query = query.where(ImageVector.model == model)
    return int(session.scalar(query) or 0)
