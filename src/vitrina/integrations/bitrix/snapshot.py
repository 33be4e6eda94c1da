"""Applying products read from the shop's listing (a *snapshot*) without undoing newer webhooks.

The import and reconciliation read pages of ``/api/v2/products/``; a page carries no sequence
and no event time, only "what the shop had when it answered". Webhooks keep arriving meanwhile.
The rule, in one place:

* **A tombstone is final.** A product deleted by webhook is never revived from a listing: Bitrix
  never reuses an element id, so a listing that still shows it was read before the delete.
* **A newer webhook wins.** Each snapshot has a ``since`` time taken *before* its data was read
  (the page request for an import, the run's start for reconciliation). A product whose ordering
  state (:class:`ProductSyncState`) or catalog row changed at or after ``since`` is left alone:
  that change may be newer than the snapshot. When in doubt the webhook wins; the next
  reconcile heals whatever that leaves behind.
* **Unchanged is a no-op.** Normalised fields are compared; an identical product is not written,
  logged or reindexed.

Checks and writes run in the caller's write transaction. On PostgreSQL the products' ordering
rows are created if missing and locked ``FOR UPDATE`` first — the lock the webhook handler takes
— so a webhook for the same product either committed before the check (and is seen) or waits
until this transaction commits (and then applies on top). On SQLite the write transaction
already holds the database's only write lock.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, selectinload

from vitrina.catalog.models import Product
from vitrina.catalog.repository import disable_product, upsert_product
from vitrina.db import utcnow
from vitrina.ingest.bitrix_format import ProductData
from vitrina.ingest.models import EventLog, ProductSyncState
from vitrina.jobs.queue import enqueue_reindex

Action = Literal["created", "updated", "deleted", "unchanged", "skipped", "failed"]

# Compared between the catalog row and the parsed source product, in this order.
COMPARED_FIELDS = (
    "name",
    "price",
    "enabled",
    "type",
    "height",
    "width",
    "image",
    "images",
    "shop_id",
    "page_url",
)


@dataclass(frozen=True, slots=True)
class Change:
    """What a snapshot did (or, in a dry run, would do) to one product."""

    product_id: int
    action: Action
    name: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Locked:
    """A product's catalog row and ordering state, read (and on PostgreSQL locked) for a write.

    ``state`` is ``None`` when no webhook ever touched the product.
    """

    product: Product | None
    state: ProductSyncState | None


def lock_products(session: Session, product_ids: Iterable[int]) -> dict[int, Locked]:
    """Read the rows the rule needs for ``product_ids`` inside the current write transaction."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    fresh: set[int] = set()
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # Same lock as the webhook handler (ingest.service._lock_state), taken in id order so two
        # importers never deadlock. Rows created here are not webhook state, hence ``fresh``.
        inserted = session.execute(
            pg_insert(ProductSyncState)
            .values([{"product_id": pid, "deleted": False, "updated_at": utcnow()} for pid in ids])
            .on_conflict_do_nothing(index_elements=["product_id"])
            .returning(ProductSyncState.product_id)
        )
        fresh = set(inserted.scalars())
    state_query = (
        select(ProductSyncState)
        .where(ProductSyncState.product_id.in_(ids))
        .order_by(ProductSyncState.product_id)
        .execution_options(populate_existing=True)
    )
    product_query = (
        select(Product)
        .where(Product.id.in_(ids))
        .order_by(Product.id)
        .options(selectinload(Product.images))
        .execution_options(populate_existing=True)
    )
    if postgres:
        state_query = state_query.with_for_update()
        product_query = product_query.with_for_update(of=Product)
    states = {s.product_id: s for s in session.scalars(state_query) if s.product_id not in fresh}
    products = {p.id: p for p in session.scalars(product_query)}
    return {pid: Locked(products.get(pid), states.get(pid)) for pid in ids}


def newer_than(locked: Locked, since: datetime) -> str | None:
    """Why the snapshot must not touch this product, or ``None`` when it may."""
    if locked.state is not None and locked.state.deleted:
        return "deleted by webhook (tombstone)"
    if locked.state is not None and locked.state.updated_at >= since:
        return "a webhook changed it after the listing was read"
    if locked.product is not None and locked.product.updated_at >= since:
        return "changed after the listing was read"
    return None


def differences(product: Product, data: ProductData, shop_id: int) -> list[str]:
    """The normalised fields in which the catalog row differs from the source, described."""
    wanted = {**data.catalog_columns(shop_id), "images": data.images}
    current = {name: getattr(product, name) for name in wanted if name != "images"}
    current["images"] = tuple(image.url for image in product.images)
    out: list[str] = []
    for name in COMPARED_FIELDS:
        if name not in wanted:  # a page address the source does not send is not compared
            continue
        old, new = current[name], wanted[name]
        if old == new:
            continue
        if name == "images":
            before, after = len(product.images), len(data.images)
            out.append(f"photos {before} → {after}" if before != after else "photos")
        elif name == "image":
            out.append("main photo")
        elif name == "page_url":
            out.append("page address")
        elif name == "price":
            out.append(f"price {_money(old)} → {_money(new)}")
        else:
            out.append(f"{name} {old!r} → {new!r}")
    return out


def plan_product(locked: Locked, data: ProductData, shop_id: int, since: datetime) -> Change:
    """What applying ``data`` would do, without writing."""
    reason = newer_than(locked, since)
    if reason is not None:
        return Change(data.id, "skipped", data.name, reason)
    if locked.product is None:
        return Change(data.id, "created", data.name, _money(data.price))
    diff = differences(locked.product, data, shop_id)
    if not diff:
        return Change(data.id, "unchanged", data.name)
    return Change(data.id, "updated", data.name, "; ".join(diff))


def apply_product(
    session: Session,
    locked: Locked,
    data: ProductData,
    *,
    shop_id: int,
    since: datetime,
    source: str,
    run_ref: str | None = None,
) -> Change:
    """Create or update one product from the snapshot per the rule; log it and queue its reindex."""
    started = time.perf_counter()
    change = plan_product(locked, data, shop_id, since)
    if change.action in ("created", "updated"):
        upsert_product(session, shop_id, data)
        enqueue_reindex(session, data.id, shop_id, request_id=run_ref)
    if change.action != "unchanged":
        log_change(session, change, source=source, run_ref=run_ref, started=started)
    return change


def plan_vanished(locked: Locked, since: datetime) -> Change | None:
    """What soft-deleting a product the shop no longer lists would do (``None``: nothing)."""
    product = locked.product
    if product is None or not product.enabled:
        return None
    reason = newer_than(locked, since)
    if reason is not None and not (locked.state is not None and locked.state.deleted):
        return Change(product.id, "skipped", product.name, reason)
    return Change(product.id, "deleted", product.name, "no longer in the shop")


def apply_vanished(
    session: Session,
    locked: Locked,
    *,
    since: datetime,
    source: str,
    run_ref: str | None = None,
) -> Change | None:
    """Soft-delete a product the shop no longer has, unless a newer change says otherwise."""
    started = time.perf_counter()
    change = plan_vanished(locked, since)
    if change is None:
        return None
    if change.action == "deleted" and locked.product is not None:
        disable_product(session, locked.product.id)
        enqueue_reindex(session, locked.product.id, locked.product.shop_id, request_id=run_ref)
    log_change(session, change, source=source, run_ref=run_ref, started=started)
    return change


def log_change(
    session: Session,
    change: Change,
    *,
    source: str,
    run_ref: str | None,
    started: float | None = None,
    error: str | None = None,
) -> None:
    """Record a change in the event log, beside webhooks, so the dashboard shows it."""
    event_type = {"created": "product.created", "deleted": "product.deleted"}.get(
        change.action, "product.updated"
    )
    outcome = {"skipped": "stale", "failed": "rejected"}.get(change.action, change.action)
    session.add(
        EventLog(
            source=source,
            event_type=event_type,
            product_id=change.product_id,
            outcome=outcome,
            error=error or (change.detail if change.action in ("skipped", "failed") else None),
            processing_ms=(time.perf_counter() - started) * 1000 if started is not None else 0.0,
            request_id=run_ref,
        )
    )


def _money(minor: object) -> str:
    """Minor units as the shop writes tenge: ``495000`` → ``4 950 ₸``."""
    if not isinstance(minor, int):
        return repr(minor)
    tenge, tiyn = divmod(minor, 100)
    text = f"{tenge:,}".replace(",", " ")
    return f"{text}.{tiyn:02d} ₸" if tiyn else f"{text} ₸"
