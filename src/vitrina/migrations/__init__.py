"""Alembic migrations, run programmatically (``vitrina migrate`` and on ``vitrina serve``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).parent
# The newest revision in versions/ (tests/cli/test_cli_basics.py checks it is Alembic's head).
# ``upgrade`` compares the database's revision with it before importing Alembic, which costs
# 0.3 s (1.5 s on a loaded machine) of every start on a database that is already up to date.
HEAD = "0011"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine`` — no alembic.ini needed at run time."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``; safe to run on every start."""
    if revision == "head" and stored_revision(engine) == HEAD:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def stored_revision(engine: Engine) -> str | None:
    """The revision recorded in the database (one query, no Alembic), or ``None`` before the
    first migration."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` before the first migration."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
