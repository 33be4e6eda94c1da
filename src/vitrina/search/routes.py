"""``POST /api/v1/search``, ``POST /api/v1/search/upload``, ``GET /api/v1/products/{id}/similar``,
and ``GET /go/{id}``, the click on a result that takes the customer to the product's page."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse

from vitrina.analytics.searches import record_click, record_search
from vitrina.catalog.links import ProductLinks, is_absolute
from vitrina.catalog.models import Product, ProductShop
from vitrina.db import database_errors
from vitrina.errors import ImageTooLarge, InvalidPayload, NotFound
from vitrina.http.bounds import PriceMinor, RowId
from vitrina.http.deps import SearchQuota, ServicesDep
from vitrina.http.errors import ErrorResponse
from vitrina.search.asked import filters_with, read_words, with_understood
from vitrina.search.schemas import (
    TEXT_DESCRIPTION,
    TEXT_MAX_LENGTH,
    WORDS_NEED_A_PHOTO,
    Language,
    SearchRequest,
    SearchResponse,
)
from vitrina.vectors.base import SearchFilters

router = APIRouter(tags=["search"])
_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 404, 413, 422, 429, 503, 504)
}


@router.post(
    "/api/v1/search", response_model=SearchResponse, responses=_ERRORS, dependencies=[SearchQuota]
)
async def search(body: SearchRequest, services: ServicesDep) -> SearchResponse:
    """Products that look like the photo given by URL, base64, or an indexed product, with
    the words of ``text`` if any."""
    started = time.perf_counter()
    service = services.searcher()
    words = read_words(body.text)
    filters = filters_with(SearchFilters(**body.filters.model_dump()), words)

    def run() -> SearchResponse:
        # The product itself comes first here; /products/{id}/similar leaves it out.
        response = service.find(
            image_url=body.image_url,
            image_base64=body.image_base64,
            product_id=body.product_id,
            top_k=body.top_k,
            threshold=body.threshold,
            filters=filters,
            words=words,
            started=started,
        )
        return with_understood(response, words, body.language)

    return await run_in_threadpool(lambda: record_search(services.sessions, "api", run()))


_UPLOAD_EXAMPLE = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "examples": {
                    "widget": {
                        "summary": "A customer's photo from the shop's search button",
                        "value": {"file": "(photo.jpg)", "top_k": 12, "channel": "widget"},
                    },
                    "price range": {
                        "summary": "Bouquets from 5 000 to 20 000 ₸ (minor units)",
                        "value": {"file": "(photo.jpg)", "price_min": 500000, "price_max": 2000000},
                    },
                    "photo plus words": {
                        "summary": "The same bouquet in white, up to 20 000 ₸",
                        "value": {"file": "(photo.jpg)", "text": "такой же, но белый, до 20 000"},
                    },
                }
            }
        }
    }
}


@router.post(
    "/api/v1/search/upload",
    response_model=SearchResponse,
    responses=_ERRORS,
    dependencies=[SearchQuota],
    openapi_extra=_UPLOAD_EXAMPLE,
)
async def search_upload(
    services: ServicesDep,
    file: Annotated[UploadFile | None, File(description="the photo (required)")] = None,
    top_k: Annotated[int, Form(ge=1, le=100)] = 20,
    threshold: Annotated[float | None, Form(ge=-1.0, le=1.0)] = None,
    shop_id: Annotated[RowId | None, Form()] = None,
    price_min: Annotated[PriceMinor | None, Form(description="Minor units (1 ₸ = 100).")] = None,
    price_max: Annotated[PriceMinor | None, Form(description="Minor units (1 ₸ = 100).")] = None,
    type: Annotated[str | None, Form(max_length=50)] = None,
    text: Annotated[
        str | None, Form(max_length=TEXT_MAX_LENGTH, description=TEXT_DESCRIPTION)
    ] = None,
    language: Annotated[
        Language | None, Form(description="The language of `understood_text` (default ru).")
    ] = None,
    channel: Annotated[
        Literal["api", "widget"],
        Form(description="Who asks, for the analytics: `widget` is the shop's search button."),
    ] = "api",
) -> SearchResponse:
    """The same search for a photo uploaded as multipart form data (field ``file``).

    Limits: the photo at most VITRINA_IMAGE_MAX_BYTES (10 MiB by default) and
    VITRINA_IMAGE_MAX_PIXELS; JPEG, PNG or WebP. Prices in minor units (1 ₸ = 100). The widget
    calls this from the shop's pages; CORS admits only VITRINA_CORS_ORIGINS.
    """
    started = time.perf_counter()
    service = services.searcher()
    words = read_words(text)
    if file is None:
        if words is not None:
            raise InvalidPayload(f"text: {WORDS_NEED_A_PHOTO}", field="text")
        raise InvalidPayload("file: the photo is required (a multipart field `file`)", field="file")
    limit = services.settings.image_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ImageTooLarge(f"The photo is larger than {limit // 1048576} MiB.")
    filters = SearchFilters(
        shop_id=shop_id, price_min=price_min, price_max=price_max, type=type or None
    )
    filters = filters_with(filters, words)

    def run() -> SearchResponse:
        response = service.find(
            photo=data,
            top_k=top_k,
            threshold=threshold,
            filters=filters,
            words=words,
            started=started,
        )
        told = with_understood(response, words, language)
        return record_search(services.sessions, channel, told)

    return await run_in_threadpool(run)


@router.get(
    "/api/v1/products/{product_id}/similar",
    response_model=SearchResponse,
    responses=_ERRORS,
    dependencies=[SearchQuota],
)
async def similar_products(
    product_id: RowId,
    services: ServicesDep,
    top_k: Annotated[int, Query(ge=1, le=100)] = 20,
    shop_id: Annotated[
        RowId | None,
        Query(description="Only this shop's products (a multi-site shop's site), with its pages."),
    ] = None,
) -> SearchResponse:
    """More like this product (the product itself excluded)."""
    started = time.perf_counter()
    service = services.searcher()

    def run() -> SearchResponse:
        return service.find(
            product_id=product_id,
            top_k=top_k,
            threshold=None,
            filters=SearchFilters(shop_id=shop_id, exclude_product_id=product_id),
            started=started,
        )

    return await run_in_threadpool(run)


@router.get(
    "/go/{product_id}",
    status_code=302,
    response_class=RedirectResponse,
    responses={302: {"description": "To the product's page"}, 404: {"model": ErrorResponse}},
)
def go_to_product(
    product_id: RowId,
    services: ServicesDep,
    s: Annotated[RowId | None, Query(description="The search's `search_id`.")] = None,
    shop_id: Annotated[
        RowId | None, Query(description="The shop searched: its site's page of the product.")
    ] = None,
) -> RedirectResponse:
    """A customer chose a result: count the click, then go to the product's page (on the site
    of ``shop_id`` when given: a multi-site shop's customer stays on the site they searched).

    The address comes only from the catalog (the product's own page URL or the template), never
    from the request, so this cannot send anyone to a site the shop does not link to.
    """
    with database_errors(), services.sessions() as session:
        product = session.get(Product, product_id)
        stored = product.page_url if product is not None else None
        in_shop = None if shop_id is None else session.get(ProductShop, (product_id, shop_id))
    if product is None:
        raise NotFound(f"product {product_id} not found")
    if shop_id is not None:
        if in_shop is None:
            raise NotFound(f"product {product_id} is not in shop {shop_id}")
        stored = in_shop.page_url or stored
    target = ProductLinks.from_settings(services.settings).page_url(product_id, stored)
    if target is None or not is_absolute(target):
        raise NotFound(f"product {product_id} has no page address on the shop")
    record_click(services.sessions, product_id, s)
    return RedirectResponse(target, status_code=302)
