"""Search requests and answers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from vitrina.catalog.schemas import PAGE_URL_DESCRIPTION, PRICE_DESCRIPTION
from vitrina.http.bounds import PriceMinor, RowId


class Filters(BaseModel):
    """Applied before ranking. Prices in minor units (1 ₸ = 100)."""

    shop_id: RowId | None = Field(default=None, description="Only this shop's products.")
    price_min: PriceMinor | None = Field(
        default=None, description="Lowest price, in minor units (1 ₸ = 100).", examples=[500000]
    )
    price_max: PriceMinor | None = Field(
        default=None, description="Highest price, in minor units (1 ₸ = 100).", examples=[2000000]
    )
    type: str | None = Field(
        default=None,
        max_length=50,
        description="`catalog` (made to order) or `vitrina` (ready now).",
    )


class SearchRequest(BaseModel):
    """Exactly one of ``image_url``, ``image_base64``, ``product_id``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"image_url": "https://shop.kz/upload/iblock/1a2/bouquet.jpg", "top_k": 12},
                {
                    "image_base64": "data:image/jpeg;base64,/9j/4AAQSkZJRg…",
                    "filters": {"price_max": 2000000},
                },
                {"product_id": 7001, "top_k": 5},
            ]
        }
    )

    image_url: str | None = Field(
        default=None,
        max_length=2000,
        description="A public http(s) photo address (no private addresses; at most "
        "VITRINA_IMAGE_MAX_BYTES, 10 MiB by default, and VITRINA_IMAGE_MAX_PIXELS).",
    )
    image_base64: str | None = Field(
        default=None,
        description="The photo's bytes in base64 (a `data:` URL is accepted); JPEG, PNG or WebP, "
        "same size limits as image_url.",
    )
    product_id: RowId | None = Field(
        default=None, description="Search with this indexed product's main photo."
    )
    top_k: int = Field(default=20, ge=1, le=100, description="How many products to return.")
    threshold: float | None = Field(
        default=None, ge=-1.0, le=1.0, description="Leave out results less similar than this."
    )
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

    exact: bool = Field(
        description="verified geometrically, the colours agree, and no other colour of the "
        "same bouquet fits the photo as well"
    )
    inliers: int = Field(description="local features one homography explains (RANSAC)")
    matches: int = Field(description="local features matched before the geometric check")
    colour_agreement: float = Field(
        description="share of the matched points whose colours agree (white balance allowed)"
    )


class SearchResult(BaseModel):
    """One product, represented by its best-matching photo."""

    product_id: int
    name: str
    price: int = Field(description=PRICE_DESCRIPTION, examples=[495000])
    image_url: str | None
    matched_image_url: str
    similarity: float = Field(description="Cosine similarity of the photos, up to 1.")
    score: float | None = Field(
        default=None, description="ranking score: the similarity adjusted by colour agreement"
    )
    colour_similarity: float | None = Field(
        default=None, description="how alike the colours are, 0-1 (None: not known yet)"
    )
    verification: MatchCheck | None = Field(
        default=None, description="the geometric check, for the leading results"
    )
    page_url: str | None = Field(default=None, description=PAGE_URL_DESCRIPTION)
    available: bool = Field(
        default=True,
        description="on sale now; false only for a sold-out product that is the exact match "
        "(say «Нет в наличии» and offer the similar ones, which are all available)",
    )


class SearchResponse(BaseModel):
    """The top_k products; ``exact`` the verified ones (a sold-out one among them, with
    ``available: false``), ``similar`` the rest above the threshold, all of them on sale."""

    results: list[SearchResult]
    exact: list[SearchResult]
    similar: list[SearchResult]
    search_time_ms: float
    total_indexed: int
    region: list[float] | None = Field(
        default=None,
        description="where Vitrina found the product in the photo (a story's or a screen's "
        "photo inside its frame): [left, top, width, height] as fractions of the photo; null "
        "when the whole photo was the product",
        examples=[[0.1, 0.22, 0.8, 0.45]],
    )
    embedder: str
    exact_threshold: float
    similar_threshold: float
    exact_min_inliers: int | None = None
    exact_colour_agree: float | None = None
    search_id: int | None = Field(
        default=None,
        description="This search in the analytics; send customers to "
        "`/go/{product_id}?s={search_id}` so their click is counted.",
    )
