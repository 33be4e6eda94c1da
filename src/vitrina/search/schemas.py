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


class MatchCheck(BaseModel):
    """Why a result is (or is not) an exact match: the geometric check of its photo."""

    exact: bool = Field(description="verified geometrically and the colours agree")
    inliers: int = Field(description="local features one homography explains (RANSAC)")
    matches: int = Field(description="local features matched before the geometric check")
    colour_agreement: float = Field(
        description="share of the matched points whose colours agree (white balance allowed)"
    )


class SearchResult(BaseModel):
    """One product, represented by its best-matching photo."""

    product_id: int
    name: str
    price: int
    image_url: str | None
    matched_image_url: str
    similarity: float
    score: float | None = Field(
        default=None, description="ranking score: the similarity adjusted by colour agreement"
    )
    colour_similarity: float | None = Field(
        default=None, description="how alike the colours are, 0-1 (None: not known yet)"
    )
    verification: MatchCheck | None = Field(
        default=None, description="the geometric check, for the leading results"
    )


class SearchResponse(BaseModel):
    """The top_k products; ``exact`` the verified ones, ``similar`` the rest above the threshold."""

    results: list[SearchResult]
    exact: list[SearchResult]
    similar: list[SearchResult]
    search_time_ms: float
    total_indexed: int
    embedder: str
    exact_threshold: float
    similar_threshold: float
    exact_min_inliers: int | None = None
    exact_colour_agree: float | None = None
