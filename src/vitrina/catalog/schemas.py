"""The catalog as the API shows it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from vitrina.catalog.links import ProductLinks
from vitrina.catalog.models import Product

PRICE_DESCRIPTION = "In minor units of the currency: 1 ₸ = 100, so 495000 is 4 950 ₸."
PAGE_URL_DESCRIPTION = (
    "The product's page on the shop: from the shop's data (`url`, `DETAIL_PAGE_URL`, `link`), "
    "resolved against VITRINA_SHOP_BASE_URL, else built from VITRINA_PRODUCT_URL_TEMPLATE; "
    "relative when the shop sent a relative one and nothing resolves it; null when unknown."
)


class ProductOut(BaseModel):
    """A product; ``price`` in minor units (1 ₸ = 100), sizes in cm."""

    id: int
    shop_id: int
    name: str
    price: int = Field(description=PRICE_DESCRIPTION, examples=[495000])
    enabled: bool = Field(description="false once the shop deleted it")
    available: bool = Field(
        description="on sale now (the shop's isAvailable); a sold-out product "
        "stays searchable and is shown as sold out"
    )
    image: str | None
    images: list[str]
    height: int | None
    width: int | None
    type: str | None
    page_url: str | None = Field(
        description=PAGE_URL_DESCRIPTION, examples=["https://shop.kz/catalog/roses/7001/"]
    )
    created_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, product: Product, links: ProductLinks) -> ProductOut:
        """Build from the ORM row (``created_at`` is the shop's creation time when known)."""
        return cls(
            id=product.id,
            shop_id=product.shop_id,
            name=product.name,
            price=product.price,
            enabled=product.enabled,
            available=product.available,
            image=product.image,
            images=[image.url for image in product.images],
            height=product.height,
            width=product.width,
            type=product.type,
            page_url=links.page_url(product.id, product.page_url),
            created_at=product.source_created_at or product.created_at,
            updated_at=product.updated_at,
        )


class ProductPage(BaseModel):
    """A page of products."""

    items: list[ProductOut]
    total: int
    limit: int
    offset: int
