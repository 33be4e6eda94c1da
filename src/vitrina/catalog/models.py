"""Catalog tables: products and their photos, as the shop currently has them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vitrina.db import Base, UTCDateTime, utcnow


class Product(Base):
    """One product. A delete is a soft delete (``enabled`` false); its photos are kept. A product
    the shop does not sell now (``available`` false) stays searchable, shown as sold out."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    shop_id: Mapped[int] = mapped_column(BigInteger, index=True)
    name: Mapped[str] = mapped_column(String(500))
    price: Mapped[int] = mapped_column(BigInteger, doc="minor units: 1 ₸ = 100")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    available: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    type: Mapped[str | None] = mapped_column(String(50))
    height: Mapped[int | None] = mapped_column(Integer, doc="centimetres")
    width: Mapped[int | None] = mapped_column(Integer, doc="centimetres")
    image: Mapped[str | None] = mapped_column(
        Text, doc="the primary photo URL as the shop shows it"
    )
    page_url: Mapped[str | None] = mapped_column(
        Text, doc="the product's page as the shop sent it (maybe relative); see catalog/links.py"
    )
    source_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_payload: Mapped[dict[str, Any]] = mapped_column(
        JSON, doc="latest raw payload, for audit"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product",
        order_by="ProductImage.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __table_args__ = (
        Index("ix_products_shop_enabled", "shop_id", "enabled"),
        Index("ix_products_updated_at", "updated_at"),
    )


class ProductShop(Base):
    """A shop a product is in, with its page there. A Bitrix info block bound to several sites
    puts its products on each; every product has at least the row of its ``products.shop_id``
    (the primary shop). Written with the product, in the same transaction."""

    __tablename__ = "product_shops"

    product_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    shop_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    page_url: Mapped[str | None] = mapped_column(
        Text, doc="the product's page on this shop's site, as sent (maybe relative)"
    )

    __table_args__ = (Index("ix_product_shops_shop", "shop_id", "product_id"),)


class ProductImage(Base):
    """One photo of a product, in display order, with what we know about its content."""

    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    product: Mapped[Product] = relationship(back_populates="images")
