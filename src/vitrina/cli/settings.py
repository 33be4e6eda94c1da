"""What most commands start with: valid settings or a clear exit, then the migrated database.

Imports stay inside the functions: ``vitrina --help`` must not pay for pydantic or SQLAlchemy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer

from vitrina.cli.output import err, escape

log = logging.getLogger("vitrina.cli")

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from vitrina.config import Settings


def settings_or_exit() -> Settings:
    """The settings, checked against this machine (folders, driver, the embedder's own needs),
    or one line naming the bad setting and exit code 2 — never a traceback."""
    from vitrina.config import load_settings
    from vitrina.config_checks import check_environment
    from vitrina.embedding import get_embedder
    from vitrina.errors import VitrinaError

    try:
        settings = load_settings()
        check_environment(settings)
        get_embedder(settings=settings)  # unknown name, missing CLIP folder, no Vertex project
    except VitrinaError as exc:
        fail(exc.message)
    return settings


# sysexits' EX_TEMPFAIL: the database cannot be reached now; a script or a timer may retry.
DATABASE_DOWN_EXIT = 75
RETRY_S = 2.0  # a service's wait between attempts to reach the database


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr (never wrapped: it names a setting or a path), then exit ``code``
    (2: a bad setting)."""
    err().print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def migrated_database(settings: Settings) -> Iterator[Engine]:
    """The engine on ``VITRINA_DATABASE_URL``, its schema upgraded first; disposed at the end.

    An import or a search is often the first thing run on a new install. A database that
    cannot be reached is one line and exit code 75, not a traceback.
    """
    from sqlalchemy import exc

    from vitrina.db import make_engine, outage_reason
    from vitrina.migrations import upgrade

    engine = make_engine(settings.database_url)
    try:
        try:
            upgrade(engine)
        except (exc.OperationalError, exc.InterfaceError) as error:
            fail(f"the database cannot be reached: {outage_reason(error)}", DATABASE_DOWN_EXIT)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def database_when_reachable(settings: Settings, stop: threading.Event) -> Iterator[Engine | None]:
    """For a service (``vitrina worker``, ``vitrina telegram``): the migrated engine once the
    database answers, however long it is down at start (compose ordering, a failover);
    ``None`` when ``stop`` is set first. Each new reason is logged once."""
    from sqlalchemy import exc

    from vitrina.db import make_engine, outage_reason
    from vitrina.migrations import upgrade

    engine = make_engine(settings.database_url)
    last = ""
    try:
        while not stop.is_set():
            try:
                upgrade(engine)
            except (exc.OperationalError, exc.InterfaceError) as error:
                if (reason := outage_reason(error)) != last:
                    log.warning("database not ready, retrying every %g s: %s", RETRY_S, reason)
                    last = reason
                stop.wait(RETRY_S)
                continue
            if last:
                log.warning("database ready")
            yield engine
            return
        yield None
    finally:
        engine.dispose()
