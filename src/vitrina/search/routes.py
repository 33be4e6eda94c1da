"""``POST /api/v1/search``, ``POST /api/v1/search/upload``, ``GET /api/v1/products/{id}/similar``."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.concurrency import run_in_threadpool

from vitrina.errors import ImageTooLarge, ServiceUnavailable
from vitrina.http.bounds import PriceMinor, RowId
from vitrina.http.deps import SearchQuota, ServicesDep
from vitrina.http.errors import ErrorResponse
from vitrina.http.state import Services
from vitrina.search.schemas import SearchRequest, SearchResponse
from vitrina.search.service import SearchService
from vitrina.vectors.base import SearchFilters

router = APIRouter(tags=["search"])
_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 404, 413, 422, 429, 503, 504)
}


def _service(services: Services) -> SearchService:
    if services.search is None:
        raise ServiceUnavailable("Search is not available in this process.")
    return services.search


@router.post(
    "/api/v1/search", response_model=SearchResponse, responses=_ERRORS, dependencies=[SearchQuota]
)
async def search(body: SearchRequest, services: ServicesDep) -> SearchResponse:
    """Products that look like the photo given by URL, base64, or an indexed product."""
    started = time.perf_counter()
    service = _service(services)
    filters = SearchFilters(**body.filters.model_dump())

    def run() -> SearchResponse:
        if body.image_url is not None:
            query = service.embed_url(body.image_url)
        elif body.image_base64 is not None:
            query = service.embed_base64(body.image_base64)
        else:
            assert body.product_id is not None
            # The product itself comes first here; /products/{id}/similar leaves it out.
            query = service.product_vector(body.product_id)
        return service.search(
            query, top_k=body.top_k, threshold=body.threshold, filters=filters, started=started
        )

    return await run_in_threadpool(run)


@router.post(
    "/api/v1/search/upload",
    response_model=SearchResponse,
    responses=_ERRORS,
    dependencies=[SearchQuota],
)
async def search_upload(
    services: ServicesDep,
    file: Annotated[UploadFile, File(description="the photo")],
    top_k: Annotated[int, Form(ge=1, le=100)] = 20,
    threshold: Annotated[float | None, Form(ge=-1.0, le=1.0)] = None,
    shop_id: Annotated[RowId | None, Form()] = None,
    price_min: Annotated[PriceMinor | None, Form()] = None,
    price_max: Annotated[PriceMinor | None, Form()] = None,
    type: Annotated[str | None, Form(max_length=50)] = None,
) -> SearchResponse:
    """The same search for a photo uploaded as multipart form data (field ``file``)."""
    started = time.perf_counter()
    service = _service(services)
    limit = services.settings.image_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ImageTooLarge(f"The photo is larger than {limit // 1048576} MiB.")
    filters = SearchFilters(
        shop_id=shop_id, price_min=price_min, price_max=price_max, type=type or None
    )

    def run() -> SearchResponse:
        query = service.embed_bytes(data)
        return service.search(
            query, top_k=top_k, threshold=threshold, filters=filters, started=started
        )

    return await run_in_threadpool(run)


@router.get(
    "/api/v1/products/{product_id}/similar",
    response_model=SearchResponse,
    responses=_ERRORS,
    dependencies=[SearchQuota],
)
async def similar_products(
    product_id: RowId, services: ServicesDep, top_k: Annotated[int, Query(ge=1, le=100)] = 20
) -> SearchResponse:
    """More like this product (the product itself excluded)."""
    started = time.perf_counter()
    service = _service(services)

    def run() -> SearchResponse:
        query = service.product_vector(product_id)
        return service.search(
            query,
            top_k=top_k,
            threshold=None,
            filters=SearchFilters(exclude_product_id=product_id),
            started=started,
        )

    return await run_in_threadpool(run)
