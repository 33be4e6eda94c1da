"""What most commands start with: valid settings or a clear exit, then the migrated database.

Imports stay inside the functions: ``vitrina --help`` must not pay for pydantic or SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from vitrina.config import Settings

errors = Console(stderr=True)


def settings_or_exit() -> Settings:
    """The settings, or a clear message and exit code 2 when the configuration is invalid."""
    from vitrina.config import load_settings
    from vitrina.errors import VitrinaError

    try:
        return load_settings()
    except VitrinaError as exc:
        errors.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None


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
