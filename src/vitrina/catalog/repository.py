"""Reading and writing catalog rows, inside the caller's transaction (it commits, never this)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session, selectinload

from vitrina.catalog.models import Product, ProductImage, ProductShop
from vitrina.catalog.product_data import ProductData
from vitrina.db import utcnow


def get_product(session: Session, product_id: int) -> Product | None:
    """One product with its photos, or ``None``."""
    query = select(Product).where(Product.id == product_id).options(selectinload(Product.images))
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
        query = query.where(in_shop(shop_id))
    if enabled_only:
        query = query.where(Product.enabled.is_(True))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Product.id).limit(limit).offset(offset).options(selectinload(Product.images))
    ).all()
    return rows, total


def in_shop(shop_id: int) -> ColumnElement[bool]:
    """Products that are in shop ``shop_id`` (its own, or one of several sites' shops)."""
    return Product.id.in_(select(ProductShop.product_id).where(ProductShop.shop_id == shop_id))


def shops_of(session: Session, product_id: int) -> list[int]:
    """The shops product ``product_id`` is in, in id order."""
    query = select(ProductShop.shop_id).where(ProductShop.product_id == product_id)
    return sorted(session.scalars(query))


_PRODUCTS = cast(Table, Product.__table__)
_SHOPS = cast(Table, ProductShop.__table__)
_IMAGES = cast(Table, ProductImage.__table__)

# The webhook's statements, built once: with the values passed as parameters SQLAlchemy reuses
# the compiled SQL, where building a statement per call (a bind parameter per value, a fresh
# cache key) cost more than running it.
_UPDATE_PRODUCT = update(_PRODUCTS).where(_PRODUCTS.c.id == bindparam("product_id"))
_INSERT_PRODUCT = insert(_PRODUCTS)
# An updated product's photos and shops in one statement (one round trip, not two): the rows
# tell which they are by ``kind``; a shop's row carries its id and page address.
_PHOTOS_AND_SHOPS = union_all(
    select(
        literal("photo").label("kind"),
        _IMAGES.c.id,
        _IMAGES.c.url,
        _IMAGES.c.position,
        _IMAGES.c.is_primary,
    ).where(_IMAGES.c.product_id == bindparam("product_id")),
    select(literal("shop"), _SHOPS.c.shop_id, _SHOPS.c.page_url, null(), null()).where(
        _SHOPS.c.product_id == bindparam("product_id")
    ),
)
_MOVE_IMAGE = (
    update(_IMAGES)
    .where(_IMAGES.c.id == bindparam("image_id"))
    .values(position=bindparam("new_position"), is_primary=bindparam("new_primary"))
)
_INSERT_IMAGE = insert(_IMAGES)
_INSERT_SHOP = insert(_SHOPS)
_UPDATE_SHOP = (
    update(_SHOPS)
    .where(_SHOPS.c.product_id == bindparam("pid"), _SHOPS.c.shop_id == bindparam("shop"))
    .values(page_url=bindparam("page"))
)
_DISABLE_PRODUCT = update(_PRODUCTS).where(_PRODUCTS.c.id == bindparam("product_id"))


def upsert_product(
    connection: Connection,
    shop_id: int,
    data: ProductData,
    pages: Mapping[int, str | None] | None = None,
) -> bool:
    """Create or update a product, its photos and its shops; return whether it was created.

    ``pages`` are the shops the product is in, each with its page there (``None``: the
    product's own ``page_url``); by default only ``shop_id``, the primary one. A shop no longer
    listed loses the product.

    Core statements, not the ORM unit of work: this runs on every webhook, and the ORM's
    bookkeeping cost more than the SQL itself (about 1 ms of the 2.6 ms a webhook took).
    Photos are matched by URL so a photo that stays keeps its content hash and vector —
    the worker then does not fetch or embed it again; removed photos go, their vectors with
    them (ON DELETE CASCADE).
    """
    now = utcnow()
    values = {
        **data.catalog_columns(shop_id),
        "source_created_at": data.created_at,
        "source_payload": data.raw,
        "updated_at": now,
    }
    if pages is not None and pages.get(shop_id) is not None:
        values["page_url"] = pages[shop_id]  # the primary shop's own site
    updated = connection.execute(_UPDATE_PRODUCT, {"product_id": data.id, **values})
    created = not updated.rowcount
    photos: dict[str, Row[Any]] = {}
    shops: dict[int, str | None] = {}
    if created:
        connection.execute(_INSERT_PRODUCT, {"id": data.id, "created_at": now, **values})
    else:
        for row in connection.execute(_PHOTOS_AND_SHOPS, {"product_id": data.id}):
            if row.kind == "photo":
                photos[row.url] = row
            else:
                shops[row.id] = row.url
    _sync_images(connection, data, photos)
    _sync_shops(connection, data, shops, {shop_id: None} if pages is None else pages)
    return created


def _sync_shops(
    connection: Connection,
    data: ProductData,
    existing: dict[int, str | None],
    pages: Mapping[int, str | None],
) -> None:
    """``existing``: the product's shops and their pages before the change."""
    wanted = {shop: page or data.page_url for shop, page in pages.items()}
    gone = [shop for shop in existing if shop not in wanted]
    if gone:
        connection.execute(
            delete(_SHOPS).where(_SHOPS.c.product_id == data.id, _SHOPS.c.shop_id.in_(gone))
        )
    # A page only replaces one: a listing without addresses keeps what the webhook set.
    changed = [
        {"pid": data.id, "shop": shop, "page": page}
        for shop, page in wanted.items()
        if shop in existing and page is not None and existing[shop] != page
    ]
    if changed:
        connection.execute(_UPDATE_SHOP, changed)
    added = [
        {"product_id": data.id, "shop_id": shop, "page_url": page}
        for shop, page in wanted.items()
        if shop not in existing
    ]
    if added:
        connection.execute(_INSERT_SHOP, added)


def _sync_images(connection: Connection, data: ProductData, existing: dict[str, Row[Any]]) -> None:
    """``existing``: the product's photos before the change, by URL (taken from as matched)."""
    primary = data.image if data.image in data.images else (data.images[0] if data.images else None)
    added, moved = [], []
    for position, url in enumerate(data.images):
        row = existing.pop(url, None)
        if row is None:
            added.append(
                {
                    "product_id": data.id,
                    "url": url,
                    "position": position,
                    "is_primary": url == primary,
                }
            )
        elif (row.position, row.is_primary) != (position, url == primary):
            moved.append(
                {"image_id": row.id, "new_position": position, "new_primary": url == primary}
            )
    if existing:
        gone = [row.id for row in existing.values()]
        connection.execute(delete(_IMAGES).where(_IMAGES.c.id.in_(gone)))
    if moved:
        connection.execute(_MOVE_IMAGE, moved)
    if added:
        connection.execute(_INSERT_IMAGE, added)


def disable_product(connection: Connection, product_id: int) -> bool:
    """Soft delete: the product stays, with its photos, but is no longer offered or searchable.

    Returns whether the product exists.
    """
    result = connection.execute(
        _DISABLE_PRODUCT, {"product_id": product_id, "enabled": False, "updated_at": utcnow()}
    )
    return bool(result.rowcount)
