"""A real PostgreSQL (with pgvector) for the tests, from the ``pgserver`` PyPI package.

One server per test session; the schema is migrated once into a template database and every
test gets a fresh clone (``CREATE DATABASE … TEMPLATE``), which takes a few milliseconds.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

_counter = itertools.count()


def start_server(pgdata: str | Path) -> Any:
    """``pgserver.get_server`` for ``pgdata``, tolerant of a slow start on a busy machine.

    pgserver gives ``pg_ctl start`` a fixed 10 s; on two loaded cores it has been seen to run out
    although the server's log says it was ready in milliseconds. The server then runs (or comes
    up a moment later), and asking again finds it through its ``postmaster.pid`` — once the
    half-made handle pgserver remembered for the directory is forgotten.
    """
    import pgserver
    from pgserver.postgres_server import PostgresServer

    for attempt in range(3):
        try:
            return pgserver.get_server(pgdata, cleanup_mode="stop")
        except subprocess.TimeoutExpired:
            if attempt == 2:
                raise
            PostgresServer._instances.pop(Path(pgdata).expanduser().resolve(), None)
            time.sleep(1.0)
    raise AssertionError("unreachable")


def private_data_dir() -> Path:
    """A PostgreSQL data directory of a test's own, outside pytest's temp root.

    pgserver runs PostgreSQL as an unprivileged user when the tests run as root, so that user
    must reach the directory; pytest re-tightens its temp root to 0700 whenever another test
    session starts, which would lock a server living under it out of its own files.
    """
    return Path(tempfile.mkdtemp(prefix="vitrina-pg-")) / "pgdata"


def migrated_database(server: Any, name: str) -> str:
    """Create and migrate database ``name`` on a pgserver of the test's own; returns its URL
    (for tests that stop and restart PostgreSQL, which the shared server must not see)."""
    from vitrina.db import make_engine
    from vitrina.migrations import upgrade

    host = server.get_uri().split("host=")[1]
    admin = create_engine(
        f"postgresql+psycopg://postgres@/postgres?host={host}", isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = f"postgresql+psycopg://postgres@/{name}?host={host}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


class PostgresForTests:
    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="vitrina-pg-")
        self.server: Any = start_server(self._dir)
        uri = self.server.get_uri()  # postgresql://postgres:@/postgres?host=/tmp/...
        self.host = uri.split("host=")[1]
        self.admin = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        self._template_ready = False

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.host}"

    def template(self) -> str:
        if not self._template_ready:
            from vitrina.db import make_engine
            from vitrina.migrations import upgrade

            with self.admin.connect() as conn:
                conn.execute(text("DROP DATABASE IF EXISTS vitrina_template"))
                conn.execute(text("CREATE DATABASE vitrina_template"))
            engine = make_engine(self.url("vitrina_template"))
            upgrade(engine)
            engine.dispose()
            self._template_ready = True
        return "vitrina_template"

    def fresh_database(self) -> str:
        """A new migrated database; returns its SQLAlchemy URL."""
        name = f"vitrina_test_{next(_counter)}"
        template = self.template()
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return self.url(name)

    def stop(self) -> None:
        """Stop the server and remove its data (~0.7 GB each: left behind, they filled a disk)."""
        self.admin.dispose()
        self.server.cleanup()
        shutil.rmtree(self._dir, ignore_errors=True)
