"""Alembic migrations, run programmatically (``vitrina migrate`` and on ``vitrina serve``)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

HERE = Path(__file__).parent
log = logging.getLogger("vitrina.migrations")


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine`` — no alembic.ini needed at run time."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> bool:
    """Bring the schema up to ``revision``; safe to run on every start. Returns whether anything
    was migrated.

    Nothing is run when there is nothing to do (every command starts here); a migration logs one
    line, from which revision to which (``configure_logging`` keeps Alembic's own INFO lines out).
    """
    config = alembic_config(engine)
    before = current_revision(engine)
    target = ScriptDirectory.from_config(config).as_revision_number(revision)
    if before is not None and before == target:
        return False
    command.upgrade(config, revision)
    log.info("database migrated from %s to %s", before or "an empty schema", current_revision(engine))
    return True


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` before the first migration."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
