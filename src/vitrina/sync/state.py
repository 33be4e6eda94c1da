"""The products' ordering state, read and locked for a write: the one lock every change takes.

``INSERT … ON CONFLICT DO NOTHING`` then ``SELECT … FOR UPDATE`` on ``product_sync_state``
serialises changes to one product on PostgreSQL, whoever makes them (a webhook, an import, a
reconcile): a concurrent change either committed before the read (and is seen) or waits until
this transaction commits (and then applies on top). Rows are locked in id order, so two writers
never deadlock. On SQLite the write transaction already holds the database's only write lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, bindparam, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, selectinload

from vitrina.catalog.models import Product
from vitrina.db import utcnow
from vitrina.sync.models import EventLog, ProductSyncState


@dataclass(slots=True)
class SyncState:
    """A product's ordering state as the rules need it (a row of ``product_sync_state``)."""

    last_sequence: int | None = None
    last_occurred_at: datetime | None = None
    deleted: bool = False
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Locked:
    """One product's ordering state (and, for a listing, its catalog row), locked for a write.

    ``state`` is ``None`` when no change ever set it; ``has_row`` says whether its row exists
    (on PostgreSQL the lock creates it), so saving knows to update rather than insert.
    ``product`` is read only when the caller asked for it (a listing compares fields).
    """

    state: SyncState | None
    has_row: bool
    product: Product | None = None


_STATE = cast(Table, ProductSyncState.__table__)
_EVENTS = cast(Table, EventLog.__table__)

# Built once and run with parameters, so the compiled SQL is reused: a webhook locks one product
# on its hot path (see catalog.repository).
_COLUMNS = (
    _STATE.c.product_id,
    _STATE.c.last_sequence,
    _STATE.c.last_occurred_at,
    _STATE.c.deleted,
    _STATE.c.updated_at,
)
_STATE_OF = select(*_COLUMNS).where(_STATE.c.product_id == bindparam("b_product_id"))
_STATE_OF_LOCKED = _STATE_OF.with_for_update()
_STATES_OF = (
    select(*_COLUMNS)
    .where(_STATE.c.product_id.in_(bindparam("b_ids", expanding=True)))
    .order_by(_STATE.c.product_id)
)
_STATES_OF_LOCKED = _STATES_OF.with_for_update()
_CLAIM_STATE_ROW = (
    pg_insert(_STATE)
    .values(product_id=bindparam("b_product_id"), deleted=False, updated_at=bindparam("now"))
    .on_conflict_do_nothing(index_elements=["product_id"])
    .returning(_STATE.c.product_id)
)


# A webhook's one read before it decides, in one round trip: whether its idempotency key was
# processed, and its product's ordering state, locked. SQLite: the transaction already holds the
# database's write lock, so a plain read (outer-joined to one row, so a product without state
# still answers). PostgreSQL: an upsert that changes nothing takes the row lock, creating the row
# if missing, and returns the newest committed state even when it waited for another writer (a
# plain SELECT in the same statement would read the snapshot from before the wait). The key's
# check may miss a concurrent delivery of the same event: the log's unique key catches that one.
_SEEN = (
    select(_EVENTS.c.id).where(_EVENTS.c.idempotency_key == bindparam("key")).exists().label("seen")
)
_ONE_ROW = select(literal(1).label("one")).subquery()
_EVENT_STATE = {
    "sqlite": select(_SEEN, *_COLUMNS).select_from(
        _ONE_ROW.outerjoin(_STATE, _STATE.c.product_id == bindparam("b_product_id"))
    ),
    "postgresql": (
        pg_insert(_STATE)
        .values(product_id=bindparam("b_product_id"), deleted=False, updated_at=bindparam("now"))
        .on_conflict_do_update(
            index_elements=["product_id"], set_={"product_id": _STATE.c.product_id}
        )
        .returning(_SEEN, *_COLUMNS)
    ),
}


def lock_event(connection: Connection, product_id: int, key: str | None) -> tuple[bool, Locked]:
    """Whether an event with idempotency ``key`` was processed, and ``product_id``'s ordering
    state locked in the current write transaction (see ``_EVENT_STATE``).

    On PostgreSQL the row is created when missing; its empty state reads like none.
    """
    row = connection.execute(
        _EVENT_STATE[connection.dialect.name],
        {"key": key, "b_product_id": product_id, "now": utcnow()},
    ).one()
    if row.product_id is None:
        return bool(row.seen), Locked(None, has_row=False)
    state = SyncState(row.last_sequence, row.last_occurred_at, row.deleted, row.updated_at)
    return bool(row.seen), Locked(state, has_row=True)


def lock_products(
    session: Session, product_ids: Iterable[int], *, with_products: bool = False
) -> dict[int, Locked]:
    """Lock ``product_ids``' ordering state in the current write transaction and read it."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    connection = session.connection()
    postgres = connection.dialect.name == "postgresql"
    fresh: set[int] = set()
    if postgres:
        # Rows created here hold no change's state, hence ``fresh``: they read as "no state".
        if len(ids) == 1:
            claim = connection.execute(_CLAIM_STATE_ROW, {"b_product_id": ids[0], "now": utcnow()})
        else:
            now = utcnow()
            claim = connection.execute(
                pg_insert(_STATE)
                .values([{"product_id": pid, "deleted": False, "updated_at": now} for pid in ids])
                .on_conflict_do_nothing(index_elements=["product_id"])
                .returning(_STATE.c.product_id)
            )
        fresh = set(claim.scalars())
    if len(ids) == 1:
        query = _STATE_OF_LOCKED if postgres else _STATE_OF
        result = connection.execute(query, {"b_product_id": ids[0]})
    else:
        query = _STATES_OF_LOCKED if postgres else _STATES_OF
        result = connection.execute(query, {"b_ids": ids})
    rows = {row.product_id: row for row in result}
    products = _products(session, ids, postgres) if with_products else {}
    locked: dict[int, Locked] = {}
    for pid in ids:
        row = rows.get(pid)
        state = None
        if row is not None and pid not in fresh:
            state = SyncState(row.last_sequence, row.last_occurred_at, row.deleted, row.updated_at)
        locked[pid] = Locked(state, row is not None, products.get(pid))
    return locked


def _products(session: Session, ids: list[int], postgres: bool) -> dict[int, Product]:
    query = (
        select(Product)
        .where(Product.id.in_(ids))
        .order_by(Product.id)
        .options(selectinload(Product.images))
        .execution_options(populate_existing=True)
    )
    if postgres:
        query = query.with_for_update(of=Product)
    return {product.id: product for product in session.scalars(query)}
