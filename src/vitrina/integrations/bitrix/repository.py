"""Reading and writing ``import_runs`` rows. Adds and flushes; never commits (callers do)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vitrina.db import utcnow
from vitrina.integrations.bitrix.models import COMPLETED, FAILED, RUNNING, SyncRun


def start_run(
    session: Session, kind: str, *, shop_id: int, source_url: str, dry_run: bool = False
) -> SyncRun:
    """A new run, marked running."""
    now = utcnow()
    run = SyncRun(
        kind=kind,
        shop_id=shop_id,
        source_url=source_url,
        status=RUNNING,
        dry_run=dry_run,
        started_at=now,
        heartbeat_at=now,
        next_offset=0,
        created=0,
        updated=0,
        unchanged=0,
        deleted=0,
        skipped=0,
        failed=0,
    )
    session.add(run)
    session.flush()
    return run


def resumable_import(session: Session, *, shop_id: int, source_url: str) -> SyncRun | None:
    """The latest import of this shop from this address, if it did not complete.

    A run still marked running is one whose process died (Ctrl-C, kill, power loss) — or one
    still going elsewhere, which resuming only repeats harmlessly (unchanged products are no-ops).
    """
    latest = session.scalars(
        select(SyncRun)
        .where(
            SyncRun.kind == "import",
            SyncRun.shop_id == shop_id,
            SyncRun.source_url == source_url,
        )
        .order_by(SyncRun.id.desc())
        .limit(1)
    ).one_or_none()
    if latest is None or latest.status == COMPLETED:
        return None
    return latest


def get_run(session: Session, run_id: int, *, for_update: bool = False) -> SyncRun:
    """One run (it must exist)."""
    run = session.get(SyncRun, run_id, with_for_update=for_update, populate_existing=True)
    if run is None:
        raise LookupError(f"no import run {run_id}")
    return run


def finish_run(session: Session, run_id: int, *, error: str | None = None) -> SyncRun:
    """Mark a run completed, or failed with ``error``."""
    run = get_run(session, run_id, for_update=True)
    run.status = FAILED if error else COMPLETED
    run.error = error
    run.finished_at = run.heartbeat_at = utcnow()
    session.flush()
    return run


def list_runs(
    session: Session, *, kind: str | None = None, shop_id: int | None = None, limit: int = 20
) -> list[SyncRun]:
    """Recent runs, newest first — for the dashboard's "reconcile runs" and "imports"."""
    query = select(SyncRun).order_by(SyncRun.started_at.desc(), SyncRun.id.desc()).limit(limit)
    if kind is not None:
        query = query.where(SyncRun.kind == kind)
    if shop_id is not None:
        query = query.where(SyncRun.shop_id == shop_id)
    return list(session.scalars(query))
