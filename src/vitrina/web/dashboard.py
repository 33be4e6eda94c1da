"""The figures behind the sync dashboard, read from the event log, the job table and the index.

One function, :func:`collect_dashboard`, answers both the page and ``GET /api/v1/dashboard``;
every figure is an aggregate query, cheap enough to run every few seconds.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from vitrina.analytics.searches import SearchPanel, search_panel
from vitrina.db import local_day, utcnow
from vitrina.integrations.bitrix.repository import list_runs
from vitrina.jobs import queue
from vitrina.jobs.models import DEAD
from vitrina.sync.models import EventLog
from vitrina.sync.stats import Stats, collect_stats

APPLIED = ("created", "updated", "deleted")
OUTCOME_GROUPS = ("applied", "duplicate", "stale", "rejected")


class DayActivity(BaseModel):
    """One UTC day of webhooks: how many, what became of them, how long they took."""

    day: date
    applied: int = 0
    duplicate: int = 0
    stale: int = 0
    rejected: int = 0
    avg_ms: float | None = None
    p95_ms: float | None = None

    @property
    def total(self) -> int:
        return self.applied + self.duplicate + self.stale + self.rejected


class EventRow(BaseModel):
    """One received event as the dashboard lists it."""

    id: int
    received_at: datetime
    source: str
    event_type: str | None
    product_id: int | None
    outcome: str
    error: str | None
    processing_ms: float
    request_id: str | None


class DeadJob(BaseModel):
    """A job that gave up, with the reason a manager can act on."""

    id: int
    product_id: int
    attempts: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class RunRow(BaseModel):
    """One Bitrix import or reconcile run and what it changed."""

    id: int
    kind: str
    shop_id: int
    status: str
    dry_run: bool
    started_at: datetime
    finished_at: datetime | None
    total: int | None
    created: int
    updated: int
    unchanged: int
    deleted: int
    skipped: int
    failed: int
    error: str | None


class Dashboard(BaseModel):
    """Everything on the dashboard page."""

    generated_at: datetime
    stats: Stats
    days: list[DayActivity]
    dead_jobs: list[DeadJob]
    latest_events: list[EventRow]
    reconcile_runs: list[RunRow]
    """Recent reconcile and import runs against Bitrix, newest first."""
    searches: SearchPanel
    """Searches by photo and clicks on their results."""


def collect_dashboard(
    session: Session,
    embedder: str,
    *,
    days: int = 14,
    events: int = 20,
    runs: int = 10,
    now: datetime | None = None,
    zone: str = "UTC",
) -> Dashboard:
    """The dashboard as of ``now``: ``days`` days of activity in the shop's ``zone``, the latest
    events and runs."""
    now = now or utcnow()
    return Dashboard(
        generated_at=now,
        stats=collect_stats(session, embedder),
        days=activity_by_day(session, days=days, now=now, zone=zone),
        dead_jobs=[
            DeadJob.model_validate(job, from_attributes=True)
            for job in queue.list_jobs(session, state=DEAD, limit=50)
        ],
        latest_events=[
            EventRow.model_validate(row, from_attributes=True)
            for row in session.scalars(select(EventLog).order_by(EventLog.id.desc()).limit(events))
        ],
        reconcile_runs=[
            RunRow.model_validate(run, from_attributes=True)
            for run in list_runs(session, limit=runs)
        ],
        searches=search_panel(session, days=days, now=now, zone=zone),
    )


def activity_by_day(
    session: Session, *, days: int, now: datetime, zone: str = "UTC"
) -> list[DayActivity]:
    """Per day in ``zone`` (oldest first, days without events included): counts by outcome, avg
    and p95."""
    first = now.astimezone(ZoneInfo(zone)).date() - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=ZoneInfo(zone))
    day = local_day(session, EventLog.received_at, zone)
    by_day = {
        first + timedelta(days=i): DayActivity(day=first + timedelta(days=i)) for i in range(days)
    }
    totals: dict[date, tuple[int, float]] = defaultdict(lambda: (0, 0.0))
    rows = session.execute(
        select(day, EventLog.outcome, func.count(), func.sum(EventLog.processing_ms))
        .where(EventLog.received_at >= since)
        .group_by(day, EventLog.outcome)
    ).all()
    for day_text, outcome, count, total_ms in rows:
        entry = by_day.get(date.fromisoformat(day_text))
        if entry is None:
            continue
        group = "applied" if outcome in APPLIED else outcome
        if group in OUTCOME_GROUPS:
            setattr(entry, group, getattr(entry, group) + int(count))
        n, ms = totals[entry.day]
        totals[entry.day] = (n + int(count), ms + float(total_ms or 0.0))
    for key, (n, ms) in totals.items():
        by_day[key].avg_ms = round(ms / n, 2) if n else None
    for key, p95 in _p95_by_day(session, day, since).items():
        if key in by_day:
            by_day[key].p95_ms = round(p95, 2)
    return list(by_day.values())


def _p95_by_day(session: Session, day: ColumnElement[str], since: datetime) -> dict[date, float]:
    """95th percentile of processing time per day.

    PostgreSQL computes it in place; SQLite has no percentile function, so its (small) window of
    timings is read and ranked here.
    """
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            select(day, func.percentile_cont(0.95).within_group(EventLog.processing_ms))
            .where(EventLog.received_at >= since)
            .group_by(day)
        ).all()
        return {date.fromisoformat(d): float(v) for d, v in rows if v is not None}
    timings: dict[date, list[float]] = defaultdict(list)
    for d, ms in session.execute(
        select(day, EventLog.processing_ms).where(EventLog.received_at >= since)
    ):
        timings[date.fromisoformat(d)].append(float(ms))
    return {d: percentile(values, 0.95) for d, values in timings.items()}


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile, the same definition as PostgreSQL's ``percentile_cont``."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
