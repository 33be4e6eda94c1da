"""The vector index boundary: one Protocol, an HNSW graph in memory (SQLite) and pgvector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """Restrictions applied *before* ranking, so top_k is filled from eligible products only."""

    shop_id: int | None = None
    price_min: int | None = None
    price_max: int | None = None
    type: str | None = None
    exclude_product_id: int | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching photo: its image row, its product, the cosine similarity (see
    :meth:`VectorIndex.search` for how exact)."""

    image_id: int
    product_id: int
    similarity: float


class VectorIndex(Protocol):
    """Nearest photos to a query vector among enabled products that pass the filters."""

    def search(
        self, session: Session, query: NDArray[np.float32], filters: SearchFilters, limit: int
    ) -> list[Hit]:
        """Up to ``limit`` hits, best first. ``similarity`` is the cosine with the stored
        float32 vector (pgvector, and a reduced graph, which re-ranks its shortlist by them) or,
        from a full-width graph, with its float16 copy (rounded, not exact)."""
        ...

    def count(self, session: Session) -> int:
        """How many photo vectors of this index's model are stored."""
        ...

    def close(self) -> None:
        """Release what the index holds (the embedded index saves its file); at shutdown."""
        ...
