"""Reconciliation: compare the shop with the catalog and heal the drift lost webhooks left.

A run reads the whole listing, then fixes, in write transactions of 100 products:

* products the shop has and the catalog lacks → created;
* products whose normalised fields differ → updated;
* products enabled in the catalog that the shop no longer lists → soft-deleted, but only after
  the detail endpoint confirms they are gone (offset pagination can miss a product when another
  is deleted mid-listing; such a product is compared from its detail instead).

It never overrides a newer change: the snapshot time is the run's start, so a product a webhook
touched after the run began is skipped and reported (see :mod:`vitrina.sync.snapshot` for the whole rule).
Every applied change is in the event log with source ``reconcile``; every run is an
``import_runs`` row with its counts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vitrina.catalog.models import Product
from vitrina.catalog.product_data import ProductData
from vitrina.catalog.repository import in_shop
from vitrina.config import Settings
from vitrina.db import make_engine, make_sessionmaker, utcnow, write_session
from vitrina.errors import InvalidPayload, VitrinaError
from vitrina.ingest.bitrix_format import parse_product
from vitrina.integrations.bitrix.client import MAX_LIMIT, BitrixClient, ProductSource
from vitrina.integrations.bitrix.importer import Rejected, mark_failed, read_page
from vitrina.integrations.bitrix.manifest import reconcile_shops_by_manifest
from vitrina.integrations.bitrix.repository import finish_run, get_run, start_run
from vitrina.retry import Retries
from vitrina.sync.service import apply_listing, log_rejection
from vitrina.sync.snapshot import ListingChange, SnapshotRow

SOURCE = "reconcile"
BATCH = 100
log = logging.getLogger("vitrina.bitrix")


class ReconcileStopped(VitrinaError):
    """The reconcile run was stopped before it finished; nothing half-done was committed."""

    status_code = 503
    code = "reconcile_stopped"


@dataclass(slots=True)
class ReconcilePlan:
    """What the source has, and which catalog products it no longer has (confirmed by id)."""

    started_at: datetime
    products: dict[int, ProductData]
    vanished: list[int]
    rejected: list[Rejected]
    listed: int


@dataclass(slots=True)
class ReconcileResult:
    """What a run changed (or, dry, would change); ``changes`` omits unchanged products."""

    run_id: int
    dry_run: bool
    started_at: datetime
    listed: int
    changes: list[ListingChange] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    def count(self, action: str) -> int:
        """How many changes of one kind (``created``, ``updated``, ``deleted``, ``skipped``)."""
        return sum(1 for change in self.changes if change.action == action)

    def summary(self) -> str:
        """One line for logs and the CLI."""
        verb = "would change" if self.dry_run else "changed"
        return (
            f"reconcile {verb}: {self.count('created')} created, {self.count('updated')} updated,"
            f" {self.count('deleted')} deleted; {self.count('skipped')} skipped (newer change),"
            f" {len(self.rejected)} unreadable, {self.unchanged} unchanged"
            f" of {self.listed} in the shop"
        )


def reconcile(
    sessions: sessionmaker[Session],
    source: ProductSource,
    *,
    shop_id: int,
    source_url: str,
    dry_run: bool = False,
    before_apply: Callable[[ReconcilePlan], None] | None = None,
    stop: threading.Event | None = None,
) -> ReconcileResult:
    """Bring shop ``shop_id``'s catalog in line with ``source``; return what changed.

    ``before_apply`` runs between reading and writing (tests land a webhook there); ``stop``
    ends the run between pages or batches with :class:`ReconcileStopped`.
    """
    started_at = utcnow()
    with write_session(sessions) as session:
        run_id = start_run(
            session, SOURCE, shop_id=shop_id, source_url=source_url, dry_run=dry_run
        ).id
    result = ReconcileResult(run_id, dry_run, started_at, listed=0)
    try:
        plan = _read_source(sessions, source, shop_id, started_at, stop)
        result.listed, result.rejected = plan.listed, plan.rejected
        if before_apply is not None:
            before_apply(plan)
        if plan.rejected and not dry_run:
            _log_rejected(sessions, plan.rejected, run_ref=f"{SOURCE}:{run_id}")
        ids = sorted(plan.products)
        for chunk in _chunks(ids, BATCH):
            _check(stop)
            rows = [SnapshotRow(pid, plan.products[pid], started_at) for pid in chunk]
            _apply_rows(sessions, rows, shop_id, result, run_ref=f"{SOURCE}:{run_id}")
        for chunk in _chunks(plan.vanished, BATCH):
            _check(stop)
            gone = [SnapshotRow(pid, None, started_at) for pid in chunk]
            _apply_rows(sessions, gone, shop_id, result, run_ref=f"{SOURCE}:{run_id}")
    except BaseException as exc:
        mark_failed(sessions, run_id, exc)
        raise
    with write_session(sessions) as session:
        run = get_run(session, run_id, for_update=True)
        run.total = result.listed
        run.next_offset = result.listed
        run.created, run.updated = result.count("created"), result.count("updated")
        run.deleted, run.skipped = result.count("deleted"), result.count("skipped")
        run.unchanged, run.failed = result.unchanged, len(result.rejected)
        finish_run(session, run_id)
    return result


def _read_source(
    sessions: sessionmaker[Session],
    source: ProductSource,
    shop_id: int,
    started_at: datetime,
    stop: threading.Event | None,
) -> ReconcilePlan:
    products: dict[int, ProductData] = {}
    rejected: list[Rejected] = []
    listed = 0
    for page in source.iter_pages(limit=MAX_LIMIT):
        _check(stop)
        listed += len(page.products)
        parsed, bad = read_page(page)
        products.update((data.id, data) for data in parsed)
        rejected.extend(bad)
    # A product the shop lists but Vitrina cannot read is still in the shop: never "vanished".
    present = set(products) | {bad.product_id for bad in rejected if bad.product_id is not None}
    with sessions() as session:
        enabled = set(
            session.scalars(
                select(Product.id).where(in_shop(shop_id), Product.enabled.is_(True))
            )
        )
    vanished: list[int] = []
    for product_id in sorted(enabled - present):
        _check(stop)
        raw = source.get_product(product_id)
        if raw is None:
            vanished.append(product_id)
            continue
        # Missed by the listing (its offsets shifted while we read): compare its detail instead.
        try:
            products[product_id] = parse_product(raw, "product")
        except InvalidPayload as exc:
            rejected.append(Rejected(product_id, -1, exc.message))
    return ReconcilePlan(started_at, products, vanished, rejected, listed)


def _apply_rows(
    sessions: sessionmaker[Session],
    rows: Sequence[SnapshotRow],
    shop_id: int,
    result: ReconcileResult,
    *,
    run_ref: str,
) -> None:
    with _transaction(sessions, result.dry_run) as session:
        changes = apply_listing(
            session, rows, shop_id=shop_id, source=SOURCE, run_ref=run_ref,
            dry_run=result.dry_run,
        )
        for change in changes:
            _record(result, change)
        if not result.dry_run:
            _heartbeat(session, result)


def _log_rejected(
    sessions: sessionmaker[Session], rejected: Sequence[Rejected], *, run_ref: str
) -> None:
    with write_session(sessions) as session:
        for bad in rejected:
            log_rejection(
                session.connection(), error=bad.error, event_type="product.updated",
                product_id=bad.product_id, source=SOURCE, request_id=run_ref,
            )


def _record(result: ReconcileResult, change: ListingChange) -> None:
    if change.action == "unchanged":
        result.unchanged += 1
    else:
        result.changes.append(change)


def _heartbeat(session: Session, result: ReconcileResult) -> None:
    run = get_run(session, result.run_id, for_update=True)
    run.heartbeat_at = utcnow()


@contextmanager
def _transaction(sessions: sessionmaker[Session], dry_run: bool) -> Iterator[Session]:
    """A write transaction, or for a dry run a read-only one that is always rolled back."""
    if not dry_run:
        with write_session(sessions) as session:
            yield session
        return
    with sessions() as session:
        try:
            yield session
        finally:
            session.rollback()


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _check(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise ReconcileStopped()


def run_reconcile_schedule(
    settings: Settings,
    stop_event: threading.Event,
    *,
    sessions: sessionmaker[Session] | None = None,
) -> None:
    """Reconcile every ``VITRINA_RECONCILE_EVERY`` seconds until ``stop_event`` is set.

    For a background thread of ``vitrina serve``. Returns at once when the interval is not set,
    or neither the Bitrix address and token nor the module address (a shop without a REST API,
    reconciled through the module's manifest) is. A failed run is logged and retried at the next tick;
    the first run waits one interval, so a crash-looping server does not hammer the shop.
    """
    every, url, token = settings.reconcile_every, settings.bitrix_url, settings.bitrix_token
    if not every or every <= 0 or not _has_source(settings):
        return
    engine = None
    if sessions is None:
        engine = make_engine(settings.database_url)
        sessions = make_sessionmaker(engine)
    try:
        while not stop_event.wait(every):
            try:
                if not (url and token):
                    reconcile_shops_by_manifest(sessions, settings)
                    continue
                with BitrixClient(
                    url, token, retries=Retries(sleep=lambda s: _wait(stop_event, s))
                ) as client:
                    result = reconcile(
                        sessions, client, shop_id=settings.default_shop_id,
                        source_url=client.base_url, stop=stop_event,
                    )
                healed = len(result.changes) - result.count("skipped")
                log.info(result.summary(), extra={"run_id": result.run_id, "healed": healed})
            except ReconcileStopped:
                return
            except VitrinaError as exc:
                log.warning("scheduled reconcile failed: %s", exc.message)
            except Exception:
                log.exception("scheduled reconcile failed")
    finally:
        if engine is not None:
            engine.dispose()


def start_reconcile_schedule(
    settings: Settings, sessions: sessionmaker[Session] | None = None
) -> Callable[[], None] | None:
    """Run :func:`run_reconcile_schedule` in a daemon thread; return the function that stops it.

    ``None`` when no schedule is configured (``VITRINA_RECONCILE_EVERY`` and the Bitrix address
    and token, or the module address). Stopping waits for a running reconcile to reach its next page or batch.
    """
    if not settings.reconcile_every or not _has_source(settings):
        return None
    stop_event = threading.Event()
    thread = threading.Thread(
        target=run_reconcile_schedule,
        args=(settings, stop_event),
        kwargs={"sessions": sessions},
        name="vitrina-reconcile",
        daemon=True,
    )
    thread.start()

    def stop() -> None:
        stop_event.set()
        thread.join(timeout=30)

    return stop


def _has_source(settings: Settings) -> bool:
    """The shop's REST API, or the Vitrina module's manifest, is configured."""
    rest = bool(settings.bitrix_url and settings.bitrix_token)
    return rest or bool(settings.bitrix_module_url and settings.webhook_secrets)


def _wait(stop_event: threading.Event, seconds: float) -> None:
    if stop_event.wait(seconds):
        raise ReconcileStopped()
