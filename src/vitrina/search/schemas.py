"""Search requests and answers."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from vitrina.http.bounds import PriceMinor, RowId


class Filters(BaseModel):
    """Applied before ranking. Prices in minor units (1 ₸ = 100)."""

    shop_id: RowId | None = None
    price_min: PriceMinor | None = None
    price_max: PriceMinor | None = None
    type: str | None = Field(default=None, max_length=50)


class SearchRequest(BaseModel):
    """Exactly one of ``image_url``, ``image_base64``, ``product_id``."""

    image_url: str | None = Field(default=None, max_length=2000)
    image_base64: str | None = None
    product_id: RowId | None = None
    top_k: int = Field(default=20, ge=1, le=100)
    threshold: float | None = Field(default=None, ge=-1.0, le=1.0)
    filters: Filters = Field(default_factory=Filters)

    @model_validator(mode="after")
    def _one_query(self) -> SearchRequest:
        given = [
            n for n in ("image_url", "image_base64", "product_id") if getattr(self, n) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of image_url, image_base64, product_id"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class SearchResult(BaseModel):
    """One product, represented by its best-matching photo."""

    product_id: int
    name: str
    price: int
    image_url: str | None
    matched_image_url: str
    similarity: float


class SearchResponse(BaseModel):
    """The top_k products, and the subsets above the exact and similar thresholds."""

    results: list[SearchResult]
    exact: list[SearchResult]
    similar: list[SearchResult]
    search_time_ms: float
    total_indexed: int
    embedder: str
    exact_threshold: float
    similar_threshold: float
