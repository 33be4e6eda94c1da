"""Applying product changes to the catalog: two entry points sharing one lock and one log.

:func:`apply_event` takes a webhook event and decides it with the ordering rule below;
:func:`apply_listing` takes rows of a shop listing (:class:`~vitrina.sync.snapshot.SnapshotRow`)
and decides each with the listing's rule (:mod:`.snapshot`). Both lock the products' ordering
state once per call (:mod:`.state`), apply the changes in the order
given, write through the catalog repository, queue the reindex and log each outcome through
:func:`_log`, the one writer of the event log (rejections too: :func:`log_rejection`).
Everything runs inside one transaction owned by the caller (the webhook route, the importer,
reconciliation), so the event record, the catalog change and the reindex job commit together or
not at all.

The ordering rule for events, in one place:

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Connection, Table, bindparam, insert, update
from sqlalchemy.orm import Session

from vitrina.catalog.product_data import ProductData
from vitrina.catalog.repository import disable_product, upsert_product
from vitrina.db import utcnow
from vitrina.ingest.bitrix_format import parse_product
from vitrina.ingest.schemas import EventAction, IncomingEvent
from vitrina.jobs.queue import enqueue_reindex
from vitrina.sync.event_counts import count_event
from vitrina.sync.models import EventLog, ProductSyncState
from vitrina.sync.snapshot import ListingChange, SnapshotRow, plan_product, plan_vanished
from vitrina.sync.state import Locked, SyncState, lock_event, lock_products


@dataclass(frozen=True, slots=True)
class EventOutcome:
    """What applying one event did."""

    action: EventAction
    product_id: int
    reindex_queued: bool


_STATE = cast(Table, ProductSyncState.__table__)
_EVENTS = cast(Table, EventLog.__table__)

# Built once and run with parameters, so the compiled SQL is reused (see catalog.repository).
_UPDATE_STATE = update(_STATE).where(_STATE.c.product_id == bindparam("b_product_id"))
_INSERT_STATE = insert(_STATE)
_LOG_EVENT = insert(_EVENTS)

# How a listing's outcome reads in the event log, beside webhooks (the dashboard shows both).
_SNAPSHOT_EVENT_TYPE = {"created": "product.created", "deleted": "product.deleted"}
_SNAPSHOT_OUTCOME = {"skipped": "stale", "failed": "rejected"}


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


def apply_event(
    connection: Connection,
    event: IncomingEvent,
    *,
    shop_id: int,
    shops: Mapping[int, str | None] | None = None,
    source: str = "webhook",
    request_id: str | None = None,
    started: float | None = None,
) -> EventOutcome:
    """Apply one webhook event and log it once; return what it did.

    The product data is parsed first: bad data raises :class:`InvalidPayload` before any write.
    A duplicate is logged and changes nothing. ``started`` is when the work began (the request's
    arrival) for the log's ``processing_ms``; by default now. ``request_id`` is the request's
    id, logged with the outcome. ``shops`` are every shop the product is in, each with its page
    there (``shop_id`` is the primary one); by default ``shop_id`` alone.

    Core statements on the caller's connection throughout: the webhook's hot path. One read
    decides (:func:`~vitrina.sync.state.lock_event`); an update then writes the product, the
    ordering state, the job and the log row.
    """
    began = time.perf_counter() if started is None else started
    data = _product_data(event)  # validate before any write
    seen, locked = lock_event(connection, event.product_id, event.idempotency_key)
    if seen:  # a duplicate changes nothing
        _log_event(connection, event, "duplicate", source, request_id, began, key=None)
        return EventOutcome("duplicate", event.product_id, False)
    if is_stale(locked.state, event.sequence, event.occurred_at, event.event_type):
        _log_event(connection, event, "stale", source, request_id, began, key=event.idempotency_key)
        return EventOutcome("stale", event.product_id, False)
    state = locked.state or SyncState()
    action: EventAction
    if data is not None:
        created = upsert_product(connection, shop_id, data, shops)
        action = "created" if created else "updated"
        product_exists = True
    else:
        product_exists = disable_product(connection, event.product_id)
        action = "deleted"
    state.deleted = data is None
    if event.sequence is not None:
        state.last_sequence = max(event.sequence, state.last_sequence or 0)
    if event.occurred_at is not None and (
        state.last_occurred_at is None or event.occurred_at > state.last_occurred_at
    ):
        state.last_occurred_at = event.occurred_at
    _save_state(connection, event.product_id, state, locked.has_row)

    if product_exists:
        enqueue_reindex(connection, event.product_id, shop_id, request_id=request_id)
    _log_event(connection, event, action, source, request_id, began, key=event.idempotency_key)
    return EventOutcome(action, event.product_id, product_exists)


def apply_listing(
    session: Session,
    rows: Sequence[SnapshotRow],
    *,
    shop_id: int,
    source: str,
    run_ref: str | None = None,
    dry_run: bool = False,
) -> list[ListingChange]:
    """Apply a listing's ``rows`` in the order given; return what each did (or would do).

    A row that needs nothing (a vanished product already off) has no outcome; an ``unchanged``
    one is returned but not logged. ``dry_run`` decides without writing or logging. ``run_ref``
    is the run's reference (``import:7``), logged with each outcome; each row is timed on its own.
    """
    locked = lock_products(session, [row.product_id for row in rows], with_products=True)
    connection = session.connection()
    outcomes: list[ListingChange] = []
    for row in rows:
        outcome = _apply_row(
            connection, locked[row.product_id], row, shop_id, source, run_ref, dry_run
        )
        if outcome is not None:
            outcomes.append(outcome)
    return outcomes


def _product_data(event: IncomingEvent) -> ProductData | None:
    """The event's product, parsed; ``None`` for a delete (its data is only the id)."""
    if event.event_type == "product.deleted":
        return None
    return parse_product(event.product_data)


def _apply_row(
    connection: Connection,
    locked: Locked,
    row: SnapshotRow,
    shop_id: int,
    source: str,
    run_ref: str | None,
    dry_run: bool,
) -> ListingChange | None:
    """A listing's rule (:mod:`.snapshot`), then the write.

    A listing never moves the ordering state: it carries no ordering information.
    """
    began = time.perf_counter()
    if row.data is not None:
        change: ListingChange | None = plan_product(locked, row.data, shop_id, row.since)
    else:
        change = plan_vanished(locked, row.since)
    if change is None or dry_run:
        return change
    if change.action in ("created", "updated") and row.data is not None:
        upsert_product(connection, shop_id, row.data)
        enqueue_reindex(connection, row.product_id, shop_id, request_id=run_ref)
    elif change.action == "deleted" and locked.product is not None:
        disable_product(connection, row.product_id)
        enqueue_reindex(connection, row.product_id, locked.product.shop_id, request_id=run_ref)
    if change.action != "unchanged":
        _log(
            connection,
            source=source,
            event_type=_SNAPSHOT_EVENT_TYPE.get(change.action, "product.updated"),
            product_id=change.product_id,
            outcome=_SNAPSHOT_OUTCOME.get(change.action, change.action),
            error=change.detail if change.action in ("skipped", "failed") else None,
            processing_ms=_elapsed_ms(began),
            request_id=run_ref,
        )
    return change


def _save_state(
    connection: Connection, product_id: int, state: SyncState, has_row: bool
) -> None:
    values = {
        "last_sequence": state.last_sequence,
        "last_occurred_at": state.last_occurred_at,
        "deleted": state.deleted,
        "updated_at": utcnow(),
    }
    if has_row:
        connection.execute(_UPDATE_STATE, {"b_product_id": product_id, **values})
    else:
        connection.execute(_INSERT_STATE, {"product_id": product_id, **values})


def _log_event(
    connection: Connection,
    event: IncomingEvent,
    outcome: str,
    source: str,
    request_id: str | None,
    began: float,
    *,
    key: str | None,
) -> None:
    _log(
        connection,
        source=source,
        event_type=event.event_type,
        product_id=event.product_id,
        outcome=outcome,
        processing_ms=_elapsed_ms(began),
        request_id=request_id,
        key=key,
        sequence=event.sequence,
        occurred_at=event.occurred_at,
    )


def _log(
    connection: Connection,
    *,
    source: str,
    event_type: str | None,
    product_id: int | None,
    outcome: str,
    processing_ms: float,
    request_id: str | None,
    error: str | None = None,
    key: str | None = None,
    sequence: int | None = None,
    occurred_at: datetime | None = None,
) -> None:
    """One row of the event log (a Core insert) and its minute's counter: every outcome, from any
    source, is logged here."""
    received_at = utcnow()
    connection.execute(
        _LOG_EVENT,
        {
            "idempotency_key": key,
            "received_at": received_at,
            "source": source,
            "event_type": event_type,
            "product_id": product_id,
            "sequence": sequence,
            "occurred_at": occurred_at,
            "outcome": outcome,
            "error": error,
            "processing_ms": processing_ms,
            "request_id": request_id,
        },
    )
    count_event(connection, received_at, processing_ms, outcome)


def log_rejection(
    connection: Connection,
    *,
    error: str,
    event_type: str | None,
    product_id: int | None,
    source: str = "webhook",
    request_id: str | None = None,
    processing_ms: float = 0.0,
) -> None:
    """Record an authenticated change that was refused (bad data): the error rate counts these."""
    _log(
        connection,
        source=source,
        event_type=event_type,
        product_id=product_id,
        outcome="rejected",
        error=error,
        processing_ms=processing_ms,
        request_id=request_id,
    )


def _elapsed_ms(began: float) -> float:
    return (time.perf_counter() - began) * 1000
