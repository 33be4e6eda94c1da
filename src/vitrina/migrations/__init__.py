"""Alembic migrations, run programmatically (``vitrina migrate`` and on ``vitrina serve``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).parent
log = logging.getLogger("vitrina.migrations")
# The newest revision in versions/ (tests/cli/test_cli_basics.py checks it is Alembic's head).
# ``upgrade`` compares the database's revision with it before importing Alembic, which costs
# 0.3 s (1.5 s on a loaded machine) of every start on a database that is already up to date.
HEAD = "0013"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine`` — no alembic.ini needed at run time."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> bool:
    """Bring the schema up to ``revision``; safe to run on every start. Returns whether anything
    was migrated.

    Nothing is run when there is nothing to do (every command starts here; an up-to-date
    database costs one query, not Alembic's import); a migration logs one line, from which
    revision to which (``configure_logging`` keeps Alembic's own INFO lines out).
    """
    before = stored_revision(engine)
    if revision == "head" and before == HEAD:
        return False
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config(engine)
    target = ScriptDirectory.from_config(config).as_revision_number(revision)
    if before is not None and before == target:
        return False
    command.upgrade(config, revision)
    log.info("database migrated from %s to %s", before or "an empty schema", current_revision(engine))
    return True


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
