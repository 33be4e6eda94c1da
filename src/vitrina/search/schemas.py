"""Search requests and answers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

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


TEXT_MAX_LENGTH = 200
TEXT_DESCRIPTION = (
    "A few words with the photo, in Russian, Kazakh or English: a colour («такой же, но "
    "белый», «ақ», «white»), a price («до 20 000», «от 10 до 15 тыс», «20к»), a count («51 "
    "роза») or a container («в коробке», «в корзине», «шляпная коробка», «монобукет»). Price "
    "words filter like `filters`, a colour re-ranks by the bouquets' colours, count and "
    "container favour products whose title says so; the answer's `understood` tells what was "
    "taken. Only with a photo."
)
Language = Literal["ru", "kk", "en"]
WORDS_NEED_A_PHOTO = (
    "words need a photo: send them with a photo (searching by words alone needs a text-image "
    "model, a later step)"
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
                {
                    "image_url": "https://shop.kz/upload/iblock/1a2/bouquet.jpg",
                    "text": "такой же, но белый, до 20 000",
                },
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
    text: str | None = Field(
        default=None,
        max_length=TEXT_MAX_LENGTH,
        description=TEXT_DESCRIPTION,
        examples=["такой же, но белый, до 20 000"],
    )

    language: Language | None = Field(
        default=None, description="The language of `understood_text` (Russian by default)."
    )

    @field_validator("text")
    @classmethod
    def _words_need_a_photo(cls, text: str | None, info: ValidationInfo) -> str | None:
        if text is None or not text.strip():
            return None
        if all(info.data.get(n) is None for n in ("image_url", "image_base64", "product_id")):
            raise ValueError(WORDS_NEED_A_PHOTO)
        return text

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
    inliers: int = Field(
        description="local features one homography explains (RANSAC; 0 when the matches are "
        "fewer than a match needs)"
    )
    matches: int = Field(description="local features matched before the geometric check")
    colour_agreement: float = Field(
        description="share of the matched points whose colours agree (white balance allowed; "
        "compared only for a geometric match, else 0)"
    )
    hue_agreement: float = Field(
        default=1.0,
        description="share of the matched coloured points whose hue agrees (white balance "
        "allowed): what tells the bouquet photographed from its recoloured variant (0 "
        "without a geometric match)",
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
        default=None,
        description="the geometric check, for the leading results (none when it was not "
        "needed: a far stronger match was found)",
    )
    page_url: str | None = Field(default=None, description=PAGE_URL_DESCRIPTION)
    available: bool = Field(
        default=True,
        description="on sale now; false only for a sold-out product that is the exact match "
        "(say «Нет в наличии» and offer the similar ones, which are all available)",
    )


class UnderstoodWords(BaseModel):
    """What the words beside the photo were taken to mean; only what was understood is given."""

    colour: str | None = Field(
        default=None,
        description="the colour asked for, as search names bouquet colours: white, red, pink, "
        "orange, yellow, green, blue, purple, brown, grey, black",
        examples=["white"],
    )
    price_min: int | None = Field(default=None, description="minor units (1 ₸ = 100)")
    price_max: int | None = Field(
        default=None, description="minor units (1 ₸ = 100)", examples=[2000000]
    )
    count: int | None = Field(default=None, description="flowers («51 роза»)", examples=[51])
    container: str | None = Field(
        default=None, description="hat_box, box, basket, vase or mono", examples=["box"]
    )

    @model_serializer(mode="wrap")
    def _understood_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}


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
    exact_hue_agree: float | None = None
    search_id: int | None = Field(
        default=None,
        description="This search in the analytics; send customers to "
        "`/go/{product_id}?s={search_id}` so their click is counted.",
    )
    understood: UnderstoodWords | None = Field(
        default=None,
        description="What the request's `text` was taken to mean (null without `text`).",
        examples=[{"colour": "white", "price_max": 2000000, "count": 51, "container": "box"}],
    )
    understood_text: str | None = Field(
        default=None,
        description="`understood` told to the customer in the request's `language`, for the "
        "page to show (null when nothing was understood).",
        examples=["Понял: белые, 51 шт., в коробке, до 20 000 ₸"],
    )
