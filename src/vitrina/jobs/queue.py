"""The durable job queue on the jobs table: enqueue in the caller's transaction, claim with a lease.

The same SQL serves SQLite and PostgreSQL. On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several
workers on several machines claim concurrently without blocking each other; on SQLite every write
transaction is ``BEGIN IMMEDIATE`` (see :mod:`vitrina.db`), which serialises claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Connection, Table, and_, bindparam, exists, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased

from vitrina.catalog.models import Product
from vitrina.catalog.repository import in_shop
from vitrina.db import utcnow
from vitrina.descriptors.models import PhotoFeatures
from vitrina.jobs.models import DEAD, DONE, PENDING, RUNNING, Job
from vitrina.retry import backoff_delay
from vitrina.vectors.models import ImageVector

_JOBS = cast(Table, Job.__table__)

# Enqueue runs in every webhook's transaction: built once per dialect, run with parameters.
# The partial index predicate is a literal: PostgreSQL matches the partial unique index only
# when it can see the value, which a bound parameter hides once psycopg prepares the statement.
_ENQUEUE = {
    name: insert(_JOBS).on_conflict_do_nothing(
        index_elements=["product_id"], index_where=text("state = 'pending'")
    )
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
BACKOFF_BASE_S = 2.0
BACKOFF_MAX_S = 600.0


def enqueue_reindex(
    connection: Connection, product_id: int, shop_id: int | None, *, request_id: str | None = None
) -> None:
    """Queue a reindex of ``product_id`` unless one is already pending (changes coalesce).

    Runs inside the caller's transaction, so the job exists if and only if the change committed.
    """
    now = utcnow()
    connection.execute(
        _ENQUEUE[connection.dialect.name],
        {
            "product_id": product_id,
            "shop_id": shop_id,
            "state": PENDING,
            "attempts": 0,
            "run_after": now,
            "created_at": now,
            "request_id": request_id,
        },
    )


def enqueue_products(
    session: Session, model: str, *, shop_id: int | None, stale_only: bool
) -> list[int]:
    """Queue a reindex of every enabled product (of ``shop_id``); with ``stale_only`` only those
    with no vectors, with vectors another model made (after changing ``VITRINA_EMBEDDER``), or
    with photos indexed before search kept colour and local features (migration 0008) or with an
    earlier colour descriptor."""
    query = select(Product.id, Product.shop_id).where(Product.enabled.is_(True))
    if shop_id is not None:
        query = query.where(in_shop(shop_id))
    if stale_only:
        # Here, not at the top: the queue is on the webhook path, and the colour module brings
        # OpenCV, which the API process need not load before it answers.
        from vitrina.descriptors.colour import STORED_BYTES, VERSION

        current = select(ImageVector.product_id).where(ImageVector.model == model)
        other = select(ImageVector.product_id).where(ImageVector.model != model)
        undescribed = (
            select(ImageVector.product_id)
            .outerjoin(PhotoFeatures, PhotoFeatures.image_id == ImageVector.image_id)
            .where(
                ImageVector.model == model,
                # No features yet, or a colour descriptor of an earlier version: another size,
                # or the same size with another version byte (the first).
                or_(
                    PhotoFeatures.image_id.is_(None),
                    func.length(PhotoFeatures.colour) != STORED_BYTES,
                    func.substr(PhotoFeatures.colour, 1, 1) != bytes([VERSION]),
                ),
            )
        )
        query = query.where(
            or_(
                Product.id.in_(other),
                Product.id.not_in(current),
                Product.id.in_(undescribed),
            )
        )
    rows = session.execute(query).all()
    connection = session.connection()
    for product_id, shop in rows:
        enqueue_reindex(connection, product_id, shop)
    return [product_id for product_id, _ in rows]


def anything_due(session: Session) -> bool:
    """A cheap read before taking the write lock: idle workers must not slow down webhooks."""
    now = utcnow()
    due = exists().where(
        ((Job.state == PENDING) & (Job.run_after <= now))
        | ((Job.state == RUNNING) & (Job.lease_until <= now))
    )
    return bool(session.scalar(select(due)))


def claim(
    session: Session,
    worker_id: str,
    lease_s: float,
    *,
    limit: int = 1,
    now: datetime | None = None,
) -> list[Job]:
    """Lease up to ``limit`` due jobs (or jobs whose lease expired) to ``worker_id``; one statement.

    The hot query of the queue. ``FOR UPDATE SKIP LOCKED`` lets workers on several machines claim
    at once without waiting on each other (PostgreSQL; SQLite serialises writers anyway). A
    product whose job is running elsewhere is skipped, so two workers never index the same
    product at once and the newer pending job re-reads the state after the older one finishes.
    The worker embeds the photos of a whole batch in one model call.
    """
    now = now or utcnow()
    running = aliased(Job)
    busy = exists().where(
        and_(
            running.product_id == Job.product_id,
            running.state == RUNNING,
            running.lease_until > now,
            running.id != Job.id,
        )
    )
    due = or_(
        and_(Job.state == PENDING, Job.run_after <= now),
        and_(Job.state == RUNNING, Job.lease_until <= now),
    )
    candidates = (
        select(Job.id)
        .where(due, ~busy)
        .order_by(Job.run_after, Job.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(Job)
        .where(Job.id.in_(candidates.scalar_subquery()))
        .values(
            state=RUNNING,
            worker_id=worker_id,
            lease_until=now + timedelta(seconds=lease_s),
            attempts=Job.attempts + 1,
            started_at=now,
        )
        .returning(Job)
        .execution_options(synchronize_session=False)
    )
    return list(session.scalars(statement))


def extend_leases(session: Session, worker_id: str, job_ids: Sequence[int], lease_s: float) -> None:
    """Push the lease of running jobs this worker still holds ``lease_s`` into the future."""
    session.execute(
        update(_JOBS)
        .where(_JOBS.c.id.in_(job_ids), _JOBS.c.worker_id == worker_id, _JOBS.c.state == RUNNING)
        .values(lease_until=utcnow() + timedelta(seconds=lease_s))
    )


def complete(
    session: Session, worker_id: str, done: Sequence[tuple[int, str, datetime | None]]
) -> None:
    """Mark jobs done — ``(job_id, outcome, started_at)`` each — where this worker still holds them.

    One executemany UPDATE for a whole batch: a lost lease (another worker took the job) simply
    matches no row.
    """
    if not done:
        return
    now = utcnow()
    jobs = _JOBS.c  # Core: the ORM would read a list of rows as a bulk update by primary key
    session.execute(
        update(_JOBS)
        .where(jobs.id == bindparam("job_id"), jobs.state == RUNNING, jobs.worker_id == worker_id)
        .values(
            state=DONE,
            outcome=bindparam("job_outcome"),
            finished_at=now,
            lease_until=None,
            duration_ms=bindparam("job_ms"),
        ),
        [
            {
                "job_id": job_id,
                "job_outcome": outcome,
                "job_ms": (now - started).total_seconds() * 1000 if started else None,
            }
            for job_id, outcome, started in done
        ],
    )


@dataclass(frozen=True, slots=True)
class FailureDecision:
    """What became of a failed job."""

    state: str
    retry_in_s: float | None


def fail(
    session: Session,
    job_id: int,
    worker_id: str,
    error: str,
    *,
    permanent: bool,
    max_attempts: int,
    retry_after: float | None = None,
) -> FailureDecision | None:
    """Record a failure: retry later with backoff and jitter, or mark dead (keeping the reason)."""
    now = utcnow()
    job = session.get(Job, job_id, with_for_update=True)
    if job is None or job.state != RUNNING or job.worker_id != worker_id:
        return None
    job.last_error = error
    job.lease_until = None
    if permanent or job.attempts >= max_attempts:
        job.state = DEAD
        job.finished_at = now
        return FailureDecision(DEAD, None)
    delay = backoff_delay(
        job.attempts - 1, base=BACKOFF_BASE_S, cap=BACKOFF_MAX_S, retry_after=retry_after
    )
    if _other_pending(session, job):
        # A newer change is already queued; it re-reads the product, so this one can retire.
        job.state = DONE
        job.outcome = "superseded after failure"
        job.finished_at = now
        return FailureDecision(DONE, None)
    job.state = PENDING
    job.run_after = now + timedelta(seconds=delay)
    return FailureDecision(PENDING, delay)


def release(session: Session, job_id: int, worker_id: str) -> None:
    """Give a running job back (graceful shutdown): it runs again at once, attempt not counted."""
    job = session.get(Job, job_id, with_for_update=True)
    if job is None or job.state != RUNNING or job.worker_id != worker_id:
        return
    job.lease_until = None
    job.attempts = max(job.attempts - 1, 0)
    if _other_pending(session, job):
        job.state = DONE
        job.outcome = "superseded on release"
        job.finished_at = utcnow()
    else:
        job.state = PENDING
        job.run_after = utcnow()


def retry_dead(session: Session, job_id: int) -> Job | None:
    """Put a dead job back in the queue (attempts reset); ``None`` when it is not dead."""
    job = session.get(Job, job_id, with_for_update=True)
    if job is None or job.state != DEAD:
        return None
    if _other_pending(session, job):
        job.state = DONE
        job.outcome = "superseded: a newer job is queued"
        return job
    job.state = PENDING
    job.attempts = 0
    job.run_after = utcnow()
    job.finished_at = None
    return job


def _other_pending(session: Session, job: Job) -> bool:
    return bool(
        session.scalar(
            select(func.count()).where(
                Job.product_id == job.product_id, Job.state == PENDING, Job.id != job.id
            )
        )
    )


def list_jobs(session: Session, *, state: str | None = None, limit: int = 100) -> list[Job]:
    """Newest jobs first, optionally only those in ``state``."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if state is not None:
        query = query.where(Job.state == state)
    return list(session.scalars(query))
