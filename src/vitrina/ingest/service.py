"""Applying a product event to the catalog: idempotency, the ordering rule, the outbox job.

Everything here runs inside one transaction owned by the caller (the webhook route, the importer),
so the event record, the catalog change and the reindex job commit together or not at all.

The ordering rule, in one place:

* an event whose ``webhook-id``/``event_id`` was processed before is a *duplicate*: no change;
* when the event and the product both carry a ``sequence``, an event not newer than the last one
  applied is *stale*: no change;
* without a sequence, an ``occurred_at`` older than the last applied one is stale; otherwise the
  last arrival wins;
* a delete is final for events without a newer sequence: Bitrix never reuses an element id, so a
  ``created``/``updated`` that arrives after the delete without ordering information is older
  than it. The tombstone is kept even for a product Vitrina never saw.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from vitrina.catalog.repository import disable_product, get_product, upsert_product
from vitrina.db import utcnow
from vitrina.ingest.bitrix_format import parse_product
from vitrina.ingest.models import EventLog, ProductSyncState
from vitrina.ingest.schemas import Action, IncomingEvent
from vitrina.jobs.queue import enqueue_reindex


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What applying one event did."""

    action: Action
    product_id: int
    reindex_queued: bool


def is_stale(
    state: ProductSyncState | None,
    sequence: int | None,
    occurred_at: datetime | None,
    event_type: str,
) -> bool:
    """The ordering rule (see the module docstring) as a pure function of the stored state."""
    if state is None:
        return False
    if sequence is not None and state.last_sequence is not None:
        return sequence <= state.last_sequence
    if (
        occurred_at is not None
        and state.last_occurred_at is not None
        and occurred_at < state.last_occurred_at
    ):
        return True
    # A tombstone only yields to a newer sequence (handled above).
    return state.deleted and event_type != "product.deleted"


def seen_before(session: Session, idempotency_key: str | None) -> bool:
    """Whether an event with this idempotency key was already processed."""
    if idempotency_key is None:
        return False
    found = session.scalar(
        select(EventLog.id).where(EventLog.idempotency_key == idempotency_key).limit(1)
    )
    return found is not None


def apply_event(
    session: Session,
    event: IncomingEvent,
    *,
    shop_id: int,
    source: str = "webhook",
    request_id: str | None = None,
    started: float | None = None,
) -> SyncResult:
    """Apply ``event`` and log it; raises :class:`InvalidPayload` (before any write) on bad data."""
    data = None
    if event.event_type != "product.deleted":
        data = parse_product(event.product_data)  # validate fully before touching anything

    if seen_before(session, event.idempotency_key):
        _log(session, event, "duplicate", source, request_id, started, key=None)
        return SyncResult("duplicate", event.product_id, False)

    state = _lock_state(session, event.product_id)
    if is_stale(state, event.sequence, event.occurred_at, event.event_type):
        _log(session, event, "stale", source, request_id, started, key=event.idempotency_key)
        return SyncResult("stale", event.product_id, False)

    action: Action
    product_exists = True
    if data is not None:
        _product, created = upsert_product(session, shop_id, data)
        action = "created" if created else "updated"
        state.deleted = False
    else:
        existing = get_product(session, event.product_id)
        if existing is not None:
            disable_product(session, existing)
        product_exists = existing is not None
        action = "deleted"
        state.deleted = True

    if event.sequence is not None:
        state.last_sequence = max(event.sequence, state.last_sequence or 0)
    if event.occurred_at is not None and (
        state.last_occurred_at is None or event.occurred_at > state.last_occurred_at
    ):
        state.last_occurred_at = event.occurred_at
    state.updated_at = utcnow()

    if product_exists:
        enqueue_reindex(session, event.product_id, shop_id, request_id=request_id)
    _log(session, event, action, source, request_id, started, key=event.idempotency_key)
    session.flush()
    return SyncResult(action, event.product_id, product_exists)


def _lock_state(session: Session, product_id: int) -> ProductSyncState:
    """The product's ordering state, locked for this transaction (created on first sight).

    ``INSERT … ON CONFLICT DO NOTHING`` then ``SELECT … FOR UPDATE`` serialises concurrent events
    for one product on PostgreSQL; on SQLite the write transaction already holds the lock.
    """
    if session.get_bind().dialect.name == "sqlite":
        # SQLite: this transaction already holds the database's only write lock.
        state = session.get(ProductSyncState, product_id)
        if state is None:
            state = ProductSyncState(product_id=product_id, deleted=False, updated_at=utcnow())
            session.add(state)
        return state
    session.execute(
        pg_insert(ProductSyncState)
        .values(product_id=product_id, deleted=False, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["product_id"])
    )
    return session.scalars(
        select(ProductSyncState)
        .where(ProductSyncState.product_id == product_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _log(
    session: Session,
    event: IncomingEvent,
    outcome: str,
    source: str,
    request_id: str | None,
    started: float | None,
    *,
    key: str | None,
) -> None:
    session.add(
        EventLog(
            idempotency_key=key,
            source=source,
            event_type=event.event_type,
            product_id=event.product_id,
            sequence=event.sequence,
            occurred_at=event.occurred_at,
            outcome=outcome,
            processing_ms=(time.perf_counter() - started) * 1000 if started is not None else 0.0,
            request_id=request_id,
        )
    )


def log_rejection(
    session: Session,
    *,
    error: str,
    event_type: str | None,
    product_id: int | None,
    source: str = "webhook",
    request_id: str | None = None,
    processing_ms: float = 0.0,
) -> None:
    """Record an authenticated event that was refused (bad data) — the error rate counts these."""
    session.add(
        EventLog(
            source=source,
            event_type=event_type,
            product_id=product_id,
            outcome="rejected",
            error=error,
            processing_ms=processing_ms,
            request_id=request_id,
        )
    )
