"""What most commands start with: valid settings or a clear exit, then the migrated database.

Imports stay inside the functions: ``vitrina --help`` must not pay for pydantic or SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer

from vitrina.cli.output import err, escape

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


def fail(message: str) -> NoReturn:
    """One line on stderr (never wrapped: it names a setting or a path), then exit code 2."""
    err().print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def migrated_database(settings: Settings) -> Iterator[Engine]:
    """The engine on ``VITRINA_DATABASE_URL``, its schema upgraded first; disposed at the end.

    An import or a search is often the first thing run on a new install.
    """
    from vitrina.db import make_engine
    from vitrina.migrations import upgrade

    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
