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
from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from vitrina.catalog.repository import disable_product, upsert_product
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


@dataclass(slots=True)
class SyncState:
    """A product's ordering state as the rule needs it (a row of ``product_sync_state``)."""

    last_sequence: int | None = None
    last_occurred_at: datetime | None = None
    deleted: bool = False


_STATE = cast(Table, ProductSyncState.__table__)
_EVENTS = cast(Table, EventLog.__table__)

# Built once and run with parameters, so the compiled SQL is reused (see catalog.repository).
_SEEN = select(_EVENTS.c.id).where(_EVENTS.c.idempotency_key == bindparam("key")).limit(1)
_STATE_OF = select(_STATE.c.last_sequence, _STATE.c.last_occurred_at, _STATE.c.deleted).where(
    _STATE.c.product_id == bindparam("b_product_id")
)
_STATE_OF_LOCKED = _STATE_OF.with_for_update()
_CLAIM_STATE_ROW = (
    pg_insert(_STATE)
    .values(product_id=bindparam("b_product_id"), deleted=False, updated_at=bindparam("now"))
    .on_conflict_do_nothing(index_elements=["product_id"])
)
_UPDATE_STATE = update(_STATE).where(_STATE.c.product_id == bindparam("b_product_id"))
_INSERT_STATE = insert(_STATE)
_LOG_EVENT = insert(_EVENTS)


def is_stale(
    state: SyncState | None, sequence: int | None, occurred_at: datetime | None, event_type: str
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
    return session.connection().execute(_SEEN, {"key": idempotency_key}).first() is not None


def apply_event(
    session: Session,
    event: IncomingEvent,
    *,
    shop_id: int,
    source: str = "webhook",
    request_id: str | None = None,
    started: float | None = None,
) -> SyncResult:
    """Apply ``event`` and log it; raises :class:`InvalidPayload` (before any write) on bad data.

    Core statements throughout: this is the hot path of every webhook (see
    :func:`vitrina.catalog.repository.upsert_product`).
    """
    data = None
    if event.event_type != "product.deleted":
        data = parse_product(event.product_data)  # validate fully before touching anything

    if seen_before(session, event.idempotency_key):
        _log(session, event, "duplicate", source, request_id, started, key=None)
        return SyncResult("duplicate", event.product_id, False)

    state, known = _lock_state(session, event.product_id)
    if is_stale(state, event.sequence, event.occurred_at, event.event_type):
        _log(session, event, "stale", source, request_id, started, key=event.idempotency_key)
        return SyncResult("stale", event.product_id, False)

    action: Action
    if data is not None:
        action = "created" if upsert_product(session, shop_id, data) else "updated"
        product_exists = True
    else:
        product_exists = disable_product(session, event.product_id)
        action = "deleted"
    state.deleted = data is None
    if event.sequence is not None:
        state.last_sequence = max(event.sequence, state.last_sequence or 0)
    if event.occurred_at is not None and (
        state.last_occurred_at is None or event.occurred_at > state.last_occurred_at
    ):
        state.last_occurred_at = event.occurred_at
    _save_state(session, event.product_id, state, known)

    if product_exists:
        enqueue_reindex(session, event.product_id, shop_id, request_id=request_id)
    _log(session, event, action, source, request_id, started, key=event.idempotency_key)
    return SyncResult(action, event.product_id, product_exists)


def _lock_state(session: Session, product_id: int) -> tuple[SyncState, bool]:
    """The product's ordering state, locked for this transaction, and whether a row exists.

    ``INSERT … ON CONFLICT DO NOTHING`` then ``SELECT … FOR UPDATE`` serialises concurrent events
    for one product on PostgreSQL (the importer takes the same lock); on SQLite the write
    transaction already holds the database's only write lock.
    """
    connection = session.connection()
    query = _STATE_OF
    if connection.dialect.name == "postgresql":
        connection.execute(_CLAIM_STATE_ROW, {"b_product_id": product_id, "now": utcnow()})
        query = _STATE_OF_LOCKED
    row = connection.execute(query, {"b_product_id": product_id}).first()
    if row is None:
        return SyncState(), False
    return SyncState(row.last_sequence, row.last_occurred_at, row.deleted), True


def _save_state(session: Session, product_id: int, state: SyncState, known: bool) -> None:
    values = {
        "last_sequence": state.last_sequence,
        "last_occurred_at": state.last_occurred_at,
        "deleted": state.deleted,
        "updated_at": utcnow(),
    }
    if known:
        session.connection().execute(_UPDATE_STATE, {"b_product_id": product_id, **values})
    else:
        session.connection().execute(_INSERT_STATE, {"product_id": product_id, **values})


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
    session.connection().execute(
        _LOG_EVENT,
        {
            "idempotency_key": key,
            "received_at": utcnow(),
            "source": source,
            "event_type": event.event_type,
            "product_id": event.product_id,
            "sequence": event.sequence,
            "occurred_at": event.occurred_at,
            "outcome": outcome,
            "error": None,
            "processing_ms": (time.perf_counter() - started) * 1000 if started else 0.0,
            "request_id": request_id,
        },
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
