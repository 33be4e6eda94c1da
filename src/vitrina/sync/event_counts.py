"""The event log's per-minute counters: written with each event, summed for the stats.

The stats look at the last 24 hours. Whole minutes come from :class:`EventCount` (at most 1,440
rows per shard); the one minute the window cuts through is counted from the log itself (an index
range of at most a minute of events), so the figures equal a direct count of the log exactly.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from vitrina.sync.models import EventCount, EventLog

_COUNTS = cast(Table, EventCount.__table__)
_EVENTS = cast(Table, EventLog.__table__)
# Writers on one thread share a row; a transaction keeps one shard, so concurrent transactions
# lock rows in minute order and cannot deadlock one another.
SHARDS = 8


def _upsert(insert: Any) -> Any:
    statement = insert(_COUNTS)
    return statement.on_conflict_do_update(
        index_elements=["minute", "shard"],
        set_={
            "events": _COUNTS.c.events + statement.excluded.events,
            "processing_ms": _COUNTS.c.processing_ms + statement.excluded.processing_ms,
            "rejected": _COUNTS.c.rejected + statement.excluded.rejected,
        },
    )


_COUNT_EVENT = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}


@dataclass(frozen=True, slots=True)
class EventTotals:
    """Events received in a window, their summed processing time, and how many were refused."""

    events: int
    processing_ms: float
    rejected: int


def minute_of(moment: datetime) -> datetime:
    """The start of the minute ``moment`` falls in (the counters' bucket)."""
    return moment.replace(second=0, microsecond=0)


def count_event(
    connection: Connection, received_at: datetime, processing_ms: float, outcome: str
) -> None:
    """Add one logged event to its minute's counter (in the caller's transaction)."""
    shard = (threading.get_ident() ^ os.getpid()) % SHARDS
    connection.execute(
        _COUNT_EVENT[connection.dialect.name],
        {
            "minute": minute_of(received_at),
            "shard": shard,
            "events": 1,
            "processing_ms": processing_ms,
            "rejected": int(outcome == "rejected"),
        },
    )


def totals_since(session: Session, since: datetime) -> EventTotals:
    """What the log holds from ``since`` on, read from the counters plus one partial minute."""
    edge = minute_of(since)
    if edge < since:
        edge += timedelta(minutes=1)
    whole = session.execute(
        select(
            func.coalesce(func.sum(_COUNTS.c.events), 0),
            func.coalesce(func.sum(_COUNTS.c.processing_ms), 0.0),
            func.coalesce(func.sum(_COUNTS.c.rejected), 0),
        ).where(_COUNTS.c.minute >= edge)
    ).one()
    part = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(_EVENTS.c.processing_ms), 0.0),
            func.count().filter(_EVENTS.c.outcome == "rejected"),
        ).where(_EVENTS.c.received_at >= since, _EVENTS.c.received_at < edge)
    ).one()
    return EventTotals(
        events=int(whole[0]) + int(part[0]),
        processing_ms=float(whole[1]) + float(part[1]),
        rejected=int(whole[2]) + int(part[2]),
    )


def prune_counts(connection: Connection, cutoff: datetime) -> None:
    """Drop the counters of minutes wholly before ``cutoff`` (retention)."""
    connection.execute(_COUNTS.delete().where(_COUNTS.c.minute < minute_of(cutoff)))
