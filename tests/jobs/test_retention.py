"""`vitrina prune`: old history goes, recent history and dead jobs stay."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select, update

from tests.conftest import SECRET
from tests.support.webhooks import sample_product, send
from vitrina.analytics.models import SearchClick, SearchEvent
from vitrina.db import make_engine, make_sessionmaker, utcnow, write_session
from vitrina.jobs.models import Job
from vitrina.sync.models import EventLog


def test_prune_deletes_old_events_and_finished_jobs_only(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        for pid in (1, 2, 3):
            assert send(client, "created", sample_product(id=pid), secret=SECRET).status_code == 200
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    old = utcnow() - timedelta(days=40)
    with write_session(sessions) as session:
        session.execute(
            update(EventLog).where(EventLog.product_id.in_([1, 2])).values(received_at=old)
        )
        session.execute(
            update(Job).where(Job.product_id == 1).values(state="done", finished_at=old)
        )
        session.execute(
            update(Job).where(Job.product_id == 2).values(state="dead", finished_at=old)
        )
        for created_at in (old, utcnow()):  # one old search with its click, one recent
            search = SearchEvent(
                created_at=created_at, channel="widget", result_count=1, best_similarity=0.9,
                top_product_id=3, matched=True, any_exact=True, latency_ms=40.0,
            )
            session.add(search)
            session.flush()
            session.add(SearchClick(created_at=created_at, product_id=3, search_id=search.id))
    result = subprocess.run(
        [sys.executable, "-m", "vitrina.cli", "prune", "--days", "30"],
        env={**os.environ, "VITRINA_DATABASE_URL": sqlite_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "deleted 2 events, 1 finished jobs and 2 search records" in result.stdout
    with sessions() as session:
        assert session.scalars(select(EventLog.product_id)).all() == [3]
        assert sorted(session.scalars(select(Job.product_id))) == [2, 3]
        assert session.scalar(select(func.count()).where(Job.state == "dead")) == 1
        assert session.scalar(select(func.count()).select_from(SearchEvent)) == 1
        assert session.scalar(select(func.count()).select_from(SearchClick)) == 1
    engine.dispose()
