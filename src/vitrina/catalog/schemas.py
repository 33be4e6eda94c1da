"""The catalog as the API shows it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from vitrina.catalog.models import Product


class ProductOut(BaseModel):
    """A product; ``price`` in minor units (1 ₸ = 100), sizes in cm."""

    id: int
    shop_id: int
    name: str
    price: int
    enabled: bool
    image: str | None
    images: list[str]
    height: int | None
    width: int | None
    type: str | None
    created_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, product: Product) -> ProductOut:
        """Build from the ORM row (``created_at`` is the shop's creation time when known)."""
        return cls(
            id=product.id,
            shop_id=product.shop_id,
            name=product.name,
            price=product.price,
            enabled=product.enabled,
            image=product.image,
            images=[image.url for image in product.images],
            height=product.height,
            width=product.width,
            type=product.type,
            created_at=product.source_created_at or product.created_at,
            updated_at=product.updated_at,
        )


class ProductPage(BaseModel):
    """A page of products."""

    items: list[ProductOut]
    total: int
    limit: int
    offset: int
