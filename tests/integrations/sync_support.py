"""Helpers shared by the import and reconcile tests: a database handle and the CLI as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vitrina.catalog.models import Product
from vitrina.db import make_engine, make_sessionmaker
from vitrina.integrations.bitrix.models import SyncRun
from vitrina.integrations.bitrix.repository import list_runs
from vitrina.jobs.models import Job
from vitrina.sync.models import EventLog


@contextmanager
def database(url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def products(sessions: sessionmaker[Session]) -> dict[int, Product]:
    with sessions() as session:
        return {p.id: p for p in session.scalars(select(Product))}


def events(sessions: sessionmaker[Session], source: str) -> list[EventLog]:
    with sessions() as session:
        return list(
            session.scalars(select(EventLog).where(EventLog.source == source).order_by(EventLog.id))
        )


def pending_jobs(sessions: sessionmaker[Session]) -> set[int]:
    with sessions() as session:
        return set(session.scalars(select(Job.product_id).where(Job.state == "pending")))


def count_products(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count(Product.id))) or 0)


def runs(sessions: sessionmaker[Session], kind: str | None = None) -> list[SyncRun]:
    with sessions() as session:
        return list_runs(session, kind=kind)


def vitrina(*args: str, database_url: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the ``vitrina`` command as an operator would."""
    environment: dict[str, Any] = {
        **os.environ,
        "VITRINA_DATABASE_URL": database_url,
        "COLUMNS": "200",  # Rich tables wide enough to read in assertions
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", "from vitrina.cli.main import app; app()", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=180,
    )
