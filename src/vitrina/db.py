"""Database engine, session factory and the shared declarative base.

SQLite (the embedded default) runs in WAL mode with a busy timeout. Write transactions
(:func:`write_session`) start with ``BEGIN IMMEDIATE``: a deferred transaction that later upgrades
to a write lock fails with SQLITE_BUSY *without* waiting, which under concurrent webhooks would
surface as spurious 503s. Every other transaction is a plain deferred ``BEGIN``: in WAL mode a
reader takes no lock that a writer waits for, so searches, product reads and the dashboard never
queue behind webhooks, nor webhooks behind them. (Reads once began IMMEDIATE too: two searches
then each held the write lock while waiting for the other's index lock, for the whole 30 s busy
timeout.) PostgreSQL uses psycopg 3 with pre-ping so a restarted server is reconnected
transparently.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    MetaData,
    SQLColumnExpression,
    String,
    create_engine,
    event,
    exc,
    func,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from vitrina.errors import ServiceUnavailable, VitrinaError

log = logging.getLogger("vitrina.db")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every table; one metadata so Alembic sees the whole schema."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite's INTEGER and PostgreSQL's BIGINT stop here: ids, sequences and prices from outside are
# bounded by it at the boundary, so an overflow is a 422 naming the field, not a driver error.
MAX_BIGINT = 2**63 - 1
# The largest price accepted (minor units, 1 ₸ = 100): far above any bouquet, and it keeps digit
# soup from overflowing BIGINT. Every path that takes a price (webhook, filters) uses this cap.
MAX_PRICE_MINOR = 10**15 - 1


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Build the engine for ``url`` with the per-backend settings explained in the module doc."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=8,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA wal_autocheckpoint={_BACKSTOP_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` talks to SQLite (the embedded default)."""
    return engine.dialect.name == "sqlite"


# The execution option that marks a connection as a writer's (see ``_on_begin``).
WRITE_OPTION = "vitrina_write"
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


@contextmanager
def write_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A write transaction, committed on success and rolled back on error.

    On SQLite all writes of a process go through one lock (as Datasette does): SQLite admits one
    writer at a time anyway, and waiting on a Python lock is fair and immediate where SQLite's
    busy handler sleeps and retries, which is what made the p99 latency of webhooks spike.
    """
    engine = sessions.kw["bind"]
    if is_sqlite(engine):
        with _write_lock(engine):
            with sessions.begin() as session:
                # Procured before the first statement, so the transaction begins IMMEDIATE.
                session.connection(execution_options={WRITE_OPTION: True})
                yield session
            _committed(engine)
    else:
        with sessions.begin() as session:
            yield session


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """:func:`write_session` on a Core connection, for the webhook's transaction.

    Its statements are all Core; the ORM session around them (its begin, its transaction
    bookkeeping and commit) cost more Python than a webhook's SQL itself (py-spy, SQLite).
    """
    if is_sqlite(engine):
        with _write_lock(engine):
            with (
                engine.connect().execution_options(**{WRITE_OPTION: True}) as connection,
                connection.begin(),
            ):
                yield connection
            _committed(engine)
    else:
        with engine.begin() as connection:
            yield connection


def _write_lock(engine: Engine) -> threading.Lock:
    return _WRITE_LOCKS.setdefault(engine, threading.Lock())


# SQLite copies the WAL back into the database file (a checkpoint, with an fsync) inside the
# commit that takes the WAL past ``wal_autocheckpoint`` pages, on the single writer thread:
# ~0.6 ms a webhook on average (commit times in process, with it switched on and off). A
# process's write transactions instead hand a passive checkpoint (it never waits for readers or
# the writer) to a thread of their own every ``CHECKPOINT_EVERY`` commits; the automatic one
# stays as a backstop at ten times SQLite's default, should the thread fall behind.
CHECKPOINT_EVERY = 64
_BACKSTOP_PAGES = 10_000
_COMMITS: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()
_CHECKPOINTS = ThreadPoolExecutor(1, thread_name_prefix="vitrina-checkpoint")  # started on use


def _committed(engine: Engine) -> None:
    """Count a committed write transaction (under the write lock); checkpoint every so many."""
    commits = _COMMITS.get(engine, 0) + 1
    if commits >= CHECKPOINT_EVERY:
        commits = 0
        _CHECKPOINTS.submit(_checkpoint, weakref.ref(engine))
    _COMMITS[engine] = commits


def _checkpoint(engine_ref: weakref.ref[Engine]) -> None:
    engine = engine_ref()
    if engine is None:
        return
    try:
        # The driver's connection, in autocommit: a checkpoint inside a transaction could not
        # copy past that transaction's own snapshot.
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            cursor.close()
        finally:
            connection.close()
    except (exc.SQLAlchemyError, sqlite3.Error) as error:  # the next one, or the backstop, will do
        log.warning("WAL checkpoint failed: %s", error)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (we return them from services)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def database_errors() -> Iterator[None]:
    """Turn "the database is down or locked" into a 503 the client can retry, keeping the cause."""
    try:
        yield
    except exc.OperationalError as error:
        raise ServiceUnavailable(
            "The database is unavailable; the change was not applied. Retry later."
        ) from error
    except exc.DBAPIError as error:
        if error.connection_invalidated:
            raise ServiceUnavailable(
                "The database connection was lost; the change was not applied. Retry later."
            ) from error
        raise


def outage_reason(error: BaseException) -> str:
    """One short line: the first line of the database's own message, not SQLAlchemy's essay."""
    if isinstance(error, VitrinaError):
        return error.message
    if isinstance(error, exc.DBAPIError) and error.orig is not None:
        error = error.orig
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".strip()


def local_day(
    session: Session, column: SQLColumnExpression[datetime], zone: str
) -> ColumnElement[str]:
    """``YYYY-MM-DD`` of a timestamp column in the time zone ``zone`` (the shop's days on the
    dashboard: a sale at 02:00 in Almaty belongs to that day, not to the UTC day before).

    PostgreSQL converts with the zone's rules. SQLite shifts the UTC text by the zone's offset
    now: exact for zones without daylight saving time (Asia/Almaty, Asia/Astana since 2024),
    an hour off around a change elsewhere.
    """
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(zone, column), "YYYY-MM-DD", type_=String)
    offset = datetime.now(ZoneInfo(zone)).utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    shifted = func.datetime(func.substr(column, 1, 19), f"{seconds:+d} seconds")
    return func.substr(shifted, 1, 10, type_=String)
