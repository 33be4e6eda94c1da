"""What the vector index reads from the tables: the photos' vectors (whole photos per batch),
the products' filter attributes, and the rows new since a graph's watermark.

Apart from ``hnsw_index.py``, which decides when to read and how to apply what it read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from vitrina.catalog.models import Product, ProductShop
from vitrina.vectors.graph import Attrs, Graph, VectorBatch
from vitrina.vectors.models import ImageVector

LOAD_CHUNK = 2000  # rows per read when building: bounds the transient float32 memory
# Refresh reads a little before the watermark: timestamps of concurrent commits may interleave.
OVERLAP = timedelta(seconds=2)


def stored(model: str, *columns: Any) -> Any:
    """A query over this model's stored vectors. No join with products: foreign keys
    (vector → photo → product, on delete cascade) keep every row's product, and the
    model's index answers a count without reading the table (~2 ms at 100k photos)."""
    return select(*columns).select_from(ImageVector).where(ImageVector.model == model)


def read_vectors(
    session: Session, model: str, *, only: Sequence[int] | None = None
) -> Iterator[VectorBatch]:
    """``model``'s vectors with their products' attributes: all of them, or the photos ``only``."""
    query = (
        select(
            ImageVector.image_id,
            ImageVector.product_id,
            ImageVector.embedding,
            ImageVector.created_at,
            Product.price,
            Product.enabled,
            Product.type,
        )
        .join(Product, Product.id == ImageVector.product_id)
        .where(ImageVector.model == model)
    )
    if only is not None:
        for start in range(0, len(only), 500):
            chunk = only[start : start + 500]
            rows = session.execute(query.where(ImageVector.image_id.in_(chunk))).all()
            if rows:
                yield _batch(session, rows)
        return
    # Ordered by photo and cut only between photos: a photo's vectors (several once regions
    # are stored) arrive in one batch, which is how a replaced photo is told from a new one.
    result = session.execute(
        query.order_by(ImageVector.image_id).execution_options(yield_per=LOAD_CHUNK)
    )
    pending: list[Any] = []
    for rows in result.partitions():
        pending.extend(rows)
        last = pending[-1].image_id
        cut = len(pending)
        while cut and pending[cut - 1].image_id == last:
            cut -= 1
        if cut:
            yield _batch(session, pending[:cut])
            pending = pending[cut:]
    if pending:
        yield _batch(session, pending)


def read_products(
    session: Session, since: datetime | None
) -> Iterator[tuple[int, Attrs, datetime]]:
    """Every product's filter attributes, or those updated since ``since`` (with the overlap).
    A change of its shops is written with the product, so it moves ``updated_at`` too."""
    query = select(Product.id, Product.price, Product.enabled, Product.type, Product.updated_at)
    members = select(ProductShop.product_id, ProductShop.shop_id)
    if since is not None:
        query = query.where(Product.updated_at >= since - OVERLAP)
        members = members.join(Product, Product.id == ProductShop.product_id).where(
            Product.updated_at >= since - OVERLAP
        )
    shops = _by_product(session.execute(members))
    for row in session.execute(query):
        attrs = (shops.get(row.id, ()), row.price, row.enabled, row.type)
        yield row.id, attrs, row.updated_at


def new_vectors(session: Session, model: str, graph: Graph) -> list[VectorBatch]:
    """Rows the graph lacks. The overlap before the watermark is read as ids and times
    first, and vectors only for what is new there: a search no longer re-reads every photo
    indexed in the last two seconds. (Only this thread changes the graph: no lock needed.)"""
    if graph.vector_mark is None:
        return list(read_vectors(session, model))
    since = graph.vector_mark - OVERLAP
    recent = session.execute(
        stored(model, ImageVector.image_id, ImageVector.created_at).where(
            ImageVector.created_at >= since
        )
    )
    known = graph.created_of_image
    new = sorted(image for image, created in recent if known.get(image) != created)
    return list(read_vectors(session, model, only=new)) if new else []


def _shops_of(session: Session, products: set[int]) -> dict[int, tuple[int, ...]]:
    """The shops each of ``products`` is in."""
    ordered = sorted(products)
    pairs: list[tuple[int, int]] = []
    for start in range(0, len(ordered), 500):
        query = select(ProductShop.product_id, ProductShop.shop_id).where(
            ProductShop.product_id.in_(ordered[start : start + 500])
        )
        pairs += session.execute(query)
    return _by_product(pairs)


def _by_product(pairs: Iterable[tuple[int, int]]) -> dict[int, tuple[int, ...]]:
    """(product, shop) rows → each product's shops."""
    shops: dict[int, list[int]] = {}
    for product, shop in pairs:
        shops.setdefault(product, []).append(shop)
    return {product: tuple(of) for product, of in shops.items()}


def _batch(session: Session, rows: Sequence[Any]) -> VectorBatch:
    shops = _shops_of(session, {r.product_id for r in rows})
    return VectorBatch(
        image_ids=[r.image_id for r in rows],
        product_ids=[r.product_id for r in rows],
        created=[r.created_at for r in rows],
        attrs=[(shops.get(r.product_id, ()), r.price, r.enabled, r.type) for r in rows],
        vectors=np.ascontiguousarray(
            np.stack([np.asarray(r.embedding, dtype=np.float32) for r in rows])
        ),
    )
