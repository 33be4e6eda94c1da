"""Reading the catalog: ``GET /api/v1/products`` and ``GET /api/v1/products/{id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vitrina.catalog.links import ProductLinks
from vitrina.catalog.repository import get_product, list_products
from vitrina.catalog.schemas import ProductOut, ProductPage
from vitrina.errors import NotFound
from vitrina.http.bounds import RowId, RowOffset
from vitrina.http.deps import ReadSession, ServicesDep
from vitrina.http.errors import ErrorResponse

router = APIRouter(tags=["catalog"])


@router.get("/api/v1/products", response_model=ProductPage)
def products(
    session: ReadSession,
    services: ServicesDep,
    shop_id: RowId | None = None,
    enabled_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[RowOffset, Query()] = 0,
) -> ProductPage:
    """Products in id order; soft-deleted ones are included (``enabled: false``) unless filtered."""
    rows, total = list_products(
        session, shop_id=shop_id, enabled_only=enabled_only, limit=limit, offset=offset
    )
    links = ProductLinks.from_settings(services.settings)
    return ProductPage(
        items=[ProductOut.of(p, links) for p in rows], total=total, limit=limit, offset=offset
    )


@router.get(
    "/api/v1/products/{product_id}",
    response_model=ProductOut,
    responses={404: {"model": ErrorResponse}},
)
def product(product_id: RowId, session: ReadSession, services: ServicesDep) -> ProductOut:
    """One product, including a soft-deleted one."""
    found = get_product(session, product_id)
    if found is None:
        raise NotFound(f"product {product_id} not found")
    return ProductOut.of(found, ProductLinks.from_settings(services.settings))
