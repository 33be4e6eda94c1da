"""The rule for products read from the shop's listing (a *snapshot*): never undo a newer webhook.

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

These are pure functions of the locked rows (:class:`~vitrina.sync.state.Locked`);
:func:`vitrina.sync.service.apply_listing` takes the lock, calls them and writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from vitrina.catalog.models import Product
from vitrina.catalog.money import format_tenge
from vitrina.catalog.product_data import ProductData
from vitrina.sync.state import Locked

ListingAction = Literal["created", "updated", "deleted", "unchanged", "skipped", "failed"]

# Compared between the catalog row and the parsed source product, in this order.
COMPARED_FIELDS = (
    "name",
    "price",
    "enabled",
    "available",
    "type",
    "height",
    "width",
    "image",
    "images",
    "shop_id",
    "page_url",
)


@dataclass(frozen=True, slots=True)
class ListingChange:
    """What a snapshot did (or, in a dry run, would do) to one product."""

    product_id: int
    action: ListingAction
    name: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    """A product as a listing read at ``since`` showed it, or (``data is None``) no longer showed.

    ``since`` is taken *before* the data was read, so the listing is at least that new.
    """

    product_id: int
    data: ProductData | None
    since: datetime


def newer_than(locked: Locked, since: datetime) -> str | None:
    """Why the snapshot must not touch this product, or ``None`` when it may."""
    if locked.state is not None and locked.state.deleted:
        return "deleted by webhook (tombstone)"
    changed_at = locked.state.updated_at if locked.state is not None else None
    if changed_at is not None and changed_at >= since:
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


def plan_product(locked: Locked, data: ProductData, shop_id: int, since: datetime) -> ListingChange:
    """What applying ``data`` would do, without writing."""
    reason = newer_than(locked, since)
    if reason is not None:
        return ListingChange(data.id, "skipped", data.name, reason)
    if locked.product is None:
        return ListingChange(data.id, "created", data.name, _money(data.price))
    diff = differences(locked.product, data, shop_id)
    if not diff:
        return ListingChange(data.id, "unchanged", data.name)
    return ListingChange(data.id, "updated", data.name, "; ".join(diff))


def plan_vanished(locked: Locked, since: datetime) -> ListingChange | None:
    """What soft-deleting a product the shop no longer lists would do (``None``: nothing)."""
    product = locked.product
    if product is None or not product.enabled:
        return None
    reason = newer_than(locked, since)
    if reason is not None and not (locked.state is not None and locked.state.deleted):
        return ListingChange(product.id, "skipped", product.name, reason)
    return ListingChange(product.id, "deleted", product.name, "no longer in the shop")


def _money(minor: object) -> str:
    return format_tenge(minor) if isinstance(minor, int) else repr(minor)
