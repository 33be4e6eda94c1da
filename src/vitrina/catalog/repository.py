"""Reading and writing catalog rows. Adds and flushes; never commits (the caller owns the transaction)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from vitrina.catalog.models import Product, ProductImage
from vitrina.ingest.bitrix_format import ProductData


def get_product(session: Session, product_id: int, *, for_update: bool = False) -> Product | None:
    """One product with its photos, or ``None``."""
    query = select(Product).where(Product.id == product_id).options(selectinload(Product.images))
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def list_products(
    session: Session,
    *,
    shop_id: int | None = None,
    enabled_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Product], int]:
    """A page of products in id order, and the total matching the filters."""
    query = select(Product)
    if shop_id is not None:
        query = query.where(Product.shop_id == shop_id)
    if enabled_only:
        query = query.where(Product.enabled.is_(True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Product.id).limit(limit).offset(offset).options(selectinload(Product.images))
    ).all()
    return rows, total


def upsert_product(session: Session, shop_id: int, data: ProductData) -> tuple[Product, bool]:
    """Create or update a product and its photos; return it and whether it was created.

    Photos are matched by URL so a photo that stays keeps its ETag and content hash — the worker
    then does not fetch or embed it again.
    """
    product = get_product(session, data.id)
    created = product is None
    if product is None:
        product = Product(id=data.id, images=[])
        session.add(product)
    product.shop_id = shop_id
    product.name = data.name
    product.price = data.price
    product.enabled = data.enabled
    product.type = data.type
    product.height = data.height
    product.width = data.width
    product.image = data.image
    product.source_created_at = data.created_at
    product.source_payload = data.raw
    _sync_images(product, data)
    session.flush()
    return product, created


def _sync_images(product: Product, data: ProductData) -> None:
    existing = {image.url: image for image in product.images}
    primary = data.image if data.image in data.images else (data.images[0] if data.images else None)
    ordered: list[ProductImage] = []
    for position, url in enumerate(data.images):
        image = existing.pop(url, None) or ProductImage(url=url)
        image.position = position
        image.is_primary = url == primary
        ordered.append(image)
    # Removed photos go (their vectors cascade); the rest keep their fetch state.
    product.images = ordered


def disable_product(session: Session, product: Product) -> None:
    """Soft delete: the product stays, with its photos, but is no longer offered or searchable."""
    product.enabled = False
    session.flush()
