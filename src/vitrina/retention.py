"""Forgetting old history: finished jobs and event-log rows past the retention period.

It sits above ``jobs``, ``sync`` and ``analytics``, whose tables it prunes: the worker runs it
hourly (given it by :mod:`vitrina.runtime`), ``vitrina prune`` on demand. Both tables grow with
every webhook. What is older than the dashboard and the stats look at (24 h, 14 days) is kept
for ``VITRINA_RETENTION_DAYS`` and then removed. Idempotency keys can go too: a signed delivery
older than five minutes is refused by its timestamp anyway. Dead jobs stay until someone retries
or fixes them. Search analytics (searches and clicks) follow the same period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, delete
from sqlalchemy.orm import Session

from vitrina.analytics.searches import prune_searches
from vitrina.db import utcnow
from vitrina.jobs.models import DONE, Job
from vitrina.sync.models import EventLog

_EVENTS = cast(Table, EventLog.__table__)
_JOBS = cast(Table, Job.__table__)


@dataclass(frozen=True, slots=True)
class Pruned:
    """How many rows went."""

    events: int
    jobs: int
    searches: int = 0


def prune(session: Session, days: float) -> Pruned:
    """Delete event-log rows, finished jobs and search analytics older than ``days`` (in the
    caller's transaction)."""
    cutoff = utcnow() - timedelta(days=days)
    connection = session.connection()
    events = connection.execute(delete(_EVENTS).where(_EVENTS.c.received_at < cutoff))
    jobs = connection.execute(
        delete(_JOBS).where(_JOBS.c.state == DONE, _JOBS.c.finished_at < cutoff)
    )
    return Pruned(events.rowcount, jobs.rowcount, prune_searches(session, cutoff))
