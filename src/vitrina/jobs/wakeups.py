"""How a worker in a process of its own hears of a new job at once instead of at its next poll.

In ``vitrina serve`` the webhook route wakes the embedded worker after its commit (one process,
one event). A ``vitrina worker`` process cannot be reached that way; on SQLite it watches the
database file instead: ``PRAGMA data_version`` on a connection of its own changes whenever
another connection has committed, whichever process it is in. Read every ``WATCH_EVERY_S`` (a
few microseconds each, no table read and no lock a writer waits for), a change wakes the worker,
which then reads the queue as at a poll (``queue.anything_due``): a webhook's job is claimed
within ~10 ms instead of the ``VITRINA_JOB_POLL_S`` poll's 125 ms on average, and an idle
worker still takes no write lock. Commits that queued nothing (the worker's own, a search's
record) cost that one read each.

PostgreSQL keeps the poll: LISTEN/NOTIFY would add a NOTIFY to every webhook's transaction, and
a notifying commit takes a lock that serialises PostgreSQL's commits (not measured here).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

from sqlalchemy import Engine, exc

from vitrina.db import is_sqlite

log = logging.getLogger("vitrina.worker")

WATCH_EVERY_S = 0.01


def watch_for_commits(
    engine: Engine, wake: Callable[[], None], stop: threading.Event, every_s: float = WATCH_EVERY_S
) -> threading.Thread | None:
    """Call ``wake`` whenever another connection commits to ``engine``'s SQLite database, until
    ``stop``; ``None`` (nothing started) for another database."""
    if not is_sqlite(engine):
        return None
    thread = threading.Thread(
        target=_watch, args=(engine, wake, stop, every_s), name="vitrina-commit-watch", daemon=True
    )
    thread.start()
    return thread


def _watch(engine: Engine, wake: Callable[[], None], stop: threading.Event, every_s: float) -> None:
    connection = None
    last = None
    while not stop.wait(every_s):
        try:
            if connection is None:
                # Held for good: data_version is per connection, and counts the commits of
                # every other connection (the API's, the worker's own writes) since its last read.
                connection = engine.raw_connection()
            cursor = connection.cursor()
            cursor.execute("PRAGMA data_version")
            version = cursor.fetchall()[0][0]
            cursor.close()
        except (sqlite3.Error, exc.SQLAlchemyError) as error:  # the poll still runs meanwhile
            log.warning("watching the database for new jobs: %s", error)
            if connection is not None:
                connection.invalidate()
                connection = None
            stop.wait(1.0)
            continue
        if last is not None and version != last:
            wake()
        last = version
    if connection is not None:
        connection.close()
