"""What the routes search with: one Protocol for the two ways a search runs."""

from __future__ import annotations

from typing import Protocol

from vitrina.search.schemas import SearchResponse
from vitrina.vectors.base import SearchFilters
from vitrina.words import Understood


class Searcher(Protocol):
    """``SearchService`` on the API's threads, or ``SearchProcess``: the same service in a
    process of its own (``VITRINA_SEARCH_PROCESS``)."""

    @property
    def embedder_name(self) -> str:
        """The model whose vectors are searched."""
        ...

    def find(
        self,
        *,
        photo: bytes | None = None,
        image_base64: str | None = None,
        image_url: str | None = None,
        product_id: int | None = None,
        top_k: int,
        threshold: float | None,
        filters: SearchFilters,
        words: Understood | None = None,
        started: float | None = None,
    ) -> SearchResponse:
        """Search by exactly one of: photo bytes, base64, a URL, or an indexed product's photo,
        with the customer's ``words`` if any."""
        ...

    def warm(self, model: bool = False) -> None:
        """Load the index (and with ``model`` the embedder's model) now rather than in the first
        customer's search."""
        ...

    def close(self) -> None:
        """Release the index (and the search process); at shutdown."""
        ...
