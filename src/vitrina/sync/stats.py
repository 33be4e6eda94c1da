"""``GET /api/v1/stats``: index size, queue health and sync figures at a glance.

Here rather than in ``jobs``: the sync figures read the event log (:mod:`.models`), and ``sync``
may import ``jobs`` but not the other way round.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vitrina.db import utcnow
from vitrina.http.deps import ReadSession, ServicesDep
from vitrina.jobs.models import DEAD, PENDING, RUNNING, Job
from vitrina.sync.models import EventLog
from vitrina.vectors.models import ImageVector

router = APIRouter(tags=["stats"])


class QueueStats(BaseModel):
    pending: int
    running: int
    dead: int
    oldest_pending_age_s: float | None


class SyncStats(BaseModel):
    events_24h: int
    avg_processing_ms: float | None
    error_rate_24h: float


class Stats(BaseModel):
    """What the original ``/stats`` returned, plus queue and sync health."""

    total_indexed: int
    last_indexed_at: datetime | None
    index_status: str
    embedder: str
    queue: QueueStats
    sync: SyncStats


def collect_stats(session: Session, embedder: str) -> Stats:
    """The figures, computed from the tables (cheap aggregate queries).

    The queue is read before the index, and the order matters: on PostgreSQL (read committed)
    each statement sees the database as of its own start, and a worker commits a batch's vectors
    and job outcomes together. Read the other way round, a commit landing between the two reads
    showed an idle queue beside the vector count from before the batch, so "idle" seemed to mean
    "indexed nothing". This way an idle queue is always matched by all the vectors it produced.
    """
    now = utcnow()
    states = dict(
        session.execute(
            select(Job.state, func.count())
            .where(Job.state.in_([PENDING, RUNNING, DEAD]))
            .group_by(Job.state)
        ).all()
    )
    total, last = session.execute(
        select(func.count(), func.max(ImageVector.created_at)).where(ImageVector.model == embedder)
    ).one()
    oldest = session.scalar(select(func.min(Job.created_at)).where(Job.state == PENDING))
    since = now - timedelta(hours=24)
    events, avg_ms, rejected = session.execute(
        select(
            func.count(),
            func.avg(EventLog.processing_ms),
            func.count().filter(EventLog.outcome == "rejected"),
        ).where(EventLog.received_at >= since)
    ).one()
    pending = int(states.get(PENDING, 0)) + int(states.get(RUNNING, 0))
    status = "empty" if not total and not pending else ("indexing" if pending else "ready")
    return Stats(
        total_indexed=int(total or 0),
        last_indexed_at=last,
        index_status=status,
        embedder=embedder,
        queue=QueueStats(
            pending=int(states.get(PENDING, 0)),
            running=int(states.get(RUNNING, 0)),
            dead=int(states.get(DEAD, 0)),
            oldest_pending_age_s=round((now - oldest).total_seconds(), 3) if oldest else None,
        ),
        sync=SyncStats(
            events_24h=int(events or 0),
            avg_processing_ms=round(float(avg_ms), 2) if avg_ms is not None else None,
            error_rate_24h=round(int(rejected or 0) / events, 4) if events else 0.0,
        ),
    )


@router.get("/api/v1/stats", response_model=Stats)
def stats(session: ReadSession, services: ServicesDep) -> Stats:
    """Index size, queue depth and sync health."""
    embedder = services.embedder_name
    return collect_stats(session, embedder)
