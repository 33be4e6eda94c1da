"""A real PostgreSQL (with pgvector) for the tests, from the ``pgserver`` PyPI package.

One server per test session; the schema is migrated once into a template database and every
test gets a fresh clone (``CREATE DATABASE … TEMPLATE``), which takes a few milliseconds.
"""

from __future__ import annotations

import itertools
import tempfile
from typing import Any

from sqlalchemy import create_engine, text

_counter = itertools.count()


class PostgresForTests:
    def __init__(self) -> None:
        import pgserver

        self._dir = tempfile.mkdtemp(prefix="vitrina-pg-")
        self.server: Any = pgserver.get_server(self._dir, cleanup_mode="stop")
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
        self.admin.dispose()
        self.server.cleanup()
