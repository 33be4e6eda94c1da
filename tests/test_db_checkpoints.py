"""SQLite's WAL is copied back into the database by a thread of its own, not inside the commit
of whichever write (a webhook's, on the one writer thread) took it past the limit."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event

from tests.support.eventually import eventually
from vitrina.db import CHECKPOINT_EVERY, make_engine, write_connection


def test_write_transactions_checkpoint_the_wal_on_another_thread(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    checkpoints: list[str] = []  # the thread that ran each checkpoint

    @event.listens_for(engine, "connect")
    def trace(dbapi_connection: Any, _record: Any) -> None:
        def seen(statement: str) -> None:
            if "wal_checkpoint" in statement:
                checkpoints.append(threading.current_thread().name)

        dbapi_connection.set_trace_callback(seen)

    with write_connection(engine) as connection:
        connection.exec_driver_sql("CREATE TABLE notes (n INTEGER)")
    for n in range(2 * CHECKPOINT_EVERY - 1):
        with write_connection(engine) as connection:
            connection.exec_driver_sql(f"INSERT INTO notes VALUES ({n})")

    eventually(lambda: len(checkpoints) >= 2, what="two checkpoints")
    assert all(name.startswith("vitrina-checkpoint") for name in checkpoints), checkpoints
    with engine.connect() as connection:
        busy, in_wal, copied = connection.exec_driver_sql("PRAGMA wal_checkpoint").one()
    assert (busy, in_wal - copied) == (0, 0)  # everything reached the database file
    engine.dispose()
