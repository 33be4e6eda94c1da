"""The stats' event figures come from per-minute counters and equal a direct count of the log."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from tests.conftest import SECRET
from tests.support.webhooks import sample_product, send
from vitrina.db import make_engine, make_sessionmaker, write_session
from vitrina.jobs.models import Job
from vitrina.retention import prune
from vitrina.sync.event_counts import count_event, minute_of, totals_since
from vitrina.sync.models import EventCount, EventLog


def direct_count(session, since: datetime) -> tuple[int, float | None, int]:
    """The old way: scan the log."""
    events, avg_ms, rejected = session.execute(
        select(
            func.count(),
            func.avg(EventLog.processing_ms),
            func.count().filter(EventLog.outcome == "rejected"),
        ).where(EventLog.received_at >= since)
    ).one()
    return int(events), avg_ms, int(rejected)


def test_stats_and_metrics_equal_a_direct_count_of_what_was_sent(live_app, database_url):
    with live_app(database_url) as client:
        for pid in (1, 2, 3):
            assert send(client, "created", sample_product(id=pid), secret=SECRET).status_code == 200
        assert send(client, "updated", sample_product(id=2, price="abc"), secret=SECRET).status_code == 422
        duplicate = "same-delivery"
        for _ in range(2):
            send(client, "updated", sample_product(id=1, title="Розы"), secret=SECRET, msg_id=duplicate)
        stats = client.get("/api/v1/stats").json()
        metrics = client.get("/metrics").text
    engine = make_engine(database_url)
    with make_sessionmaker(engine)() as session:
        events, avg_ms, rejected = direct_count(session, datetime.now(UTC) - timedelta(hours=24))
        pending = session.scalar(select(func.count()).where(Job.state == "pending"))
    engine.dispose()
    assert (events, rejected) == (6, 1)
    assert stats["sync"]["events_24h"] == events
    assert stats["sync"]["avg_processing_ms"] == pytest.approx(round(avg_ms, 2), abs=0.011)
    assert stats["sync"]["error_rate_24h"] == round(rejected / events, 4)
    assert stats["queue"]["pending"] == pending
    assert re.search(rf'^vitrina_jobs\{{state="pending"\}} {pending}\.0$', metrics, re.M)


def test_counters_equal_the_log_at_every_window_edge(sqlite_url):
    """A seeded log spread over two days: any 24 h window, cut mid-minute or not, sums the same."""
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    rng = random.Random(20)
    with write_session(sessions) as session:
        connection = session.connection()
        for _ in range(3000):
            received_at = now - timedelta(seconds=rng.uniform(0, 48 * 3600))
            outcome = rng.choice(["created", "updated", "duplicate", "rejected"])
            processing_ms = rng.randrange(1, 400) / 4  # exact in binary: sums do not drift
            connection.execute(
                insert(EventLog),
                {"received_at": received_at, "outcome": outcome, "processing_ms": processing_ms},
            )
            count_event(connection, received_at, processing_ms, outcome)
    with sessions() as session:
        for since in (now - timedelta(hours=24), now - timedelta(hours=30, seconds=0.5),
                      (now - timedelta(hours=24)).replace(second=0, microsecond=0), now):
            totals = totals_since(session, since)
            events, avg_ms, rejected = direct_count(session, since)
            assert (totals.events, totals.rejected) == (events, rejected)
            if events:
                assert totals.processing_ms / totals.events == pytest.approx(avg_ms)
    with write_session(sessions) as session:
        prune(session, days=1.5)
    with sessions() as session:
        oldest = session.scalar(select(func.min(EventCount.minute)))
        assert oldest is not None
        assert oldest >= minute_of(now - timedelta(hours=36))
        totals = totals_since(session, now - timedelta(hours=24))
        assert totals.events == direct_count(session, now - timedelta(hours=24))[0]
    engine.dispose()
