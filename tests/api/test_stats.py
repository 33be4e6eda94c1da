"""``/api/v1/stats`` figures agree with each other even when a worker commits mid-read."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest
from sqlalchemy import event, select

from tests.support.webhooks import sample_product
from vitrina.catalog.models import ProductImage
from vitrina.catalog.repository import upsert_product
from vitrina.db import make_engine, make_sessionmaker, write_session
from vitrina.ingest.bitrix_format import parse_product
from vitrina.jobs import queue
from vitrina.sync.stats import collect_stats
from vitrina.vectors.repository import NewVector, store_vectors

MODEL = "effnet-lite0"


@pytest.mark.postgres
def test_an_idle_queue_is_never_shown_without_the_vectors_it_made(postgres):
    """PostgreSQL reads each statement as of its own start; a batch committing between the
    stats' reads must not show "queue idle, nothing indexed" (a client waiting for idle saw 0)."""
    engine = make_engine(postgres.fresh_database())
    sessions = make_sessionmaker(engine)
    with write_session(sessions) as session:
        upsert_product(session.connection(), 1, parse_product(sample_product(id=7)))
        queue.enqueue_reindex(session.connection(), 7, 1)
    with write_session(sessions) as session:
        (job,) = queue.claim(session, "worker-1", 60.0)
        image_id = session.scalars(
            select(ProductImage.id).where(ProductImage.product_id == 7)
        ).first()
    assert image_id is not None

    def worker_commits_the_batch() -> None:
        with write_session(sessions) as session:
            vector = NewVector(image_id, 7, MODEL, "0" * 64, np.ones(1280, dtype=np.float32))
            store_vectors(session, [vector])
            queue.complete(session, "worker-1", [(job.id, "indexed 1 new photos", None)])

    reader = threading.current_thread()
    reads = 0

    @event.listens_for(engine, "after_cursor_execute")
    def commit_after_the_first_read(*_: Any) -> None:
        nonlocal reads
        if threading.current_thread() is not reader:
            return
        reads += 1
        if reads == 1:
            committer = threading.Thread(target=worker_commits_the_batch)
            committer.start()
            committer.join()

    with sessions() as session:
        stats = collect_stats(session, MODEL)
    event.remove(engine, "after_cursor_execute", commit_after_the_first_read)
    engine.dispose()

    assert reads >= 2, "the commit must land between two of the stats' reads"
    idle = stats.queue.pending == 0 and stats.queue.running == 0
    assert not idle or stats.total_indexed == 1, stats
