"""The first import of a shop's whole catalog: page by page, resumable, one transaction per page.

Each page of ``/api/v2/products/`` (100 products) is parsed and written in one write transaction
together with its reindex jobs, its event-log rows and the run's progress (``next_offset``). So
an import that dies — network, Ctrl-C, power — resumes after the last page that committed and
never writes half a page. A product that fails to parse is reported, counted and logged as
rejected; the rest of the page goes on.

Each page goes through :func:`vitrina.sync.service.apply_listing`; what wins against webhooks that
arrive meanwhile is :mod:`~vitrina.sync.snapshot`'s rule, with the time the page was *requested* as the snapshot time.

Pagination is by offset, as the shop's API offers it: a product deleted in an earlier page while
the import runs shifts the rest by one, so one product at a page boundary can be missed. The
webhooks and the next reconcile (which checks each "vanished" product by id) cover that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from vitrina.catalog.product_data import ProductData
from vitrina.db import utcnow, write_session
from vitrina.errors import InvalidPayload
from vitrina.http.json_body import check_document
from vitrina.ingest.bitrix_format import parse_product, parse_product_id
from vitrina.integrations.bitrix.client import MAX_LIMIT, ProductPage, ProductSource, RawProduct
from vitrina.integrations.bitrix.models import SyncRun
from vitrina.integrations.bitrix.repository import (
    finish_run,
    get_run,
    resumable_import,
    start_run,
)
from vitrina.sync.service import apply_listing, log_rejection
from vitrina.sync.snapshot import ListingChange, SnapshotRow

SOURCE = "import"
log = logging.getLogger("vitrina.bitrix")


@dataclass(frozen=True, slots=True)
class Rejected:
    """A product from the shop that Vitrina could not read: skipped, counted, reported."""

    product_id: int | None
    position: int
    error: str


@dataclass(slots=True)
class ImportProgress:
    """Where an import is, after each committed page (what the progress bar shows)."""

    run_id: int
    resumed_from: int
    offset: int = 0
    total: int | None = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    skipped_changes: list[ListingChange] = field(default_factory=list)

    @property
    def processed(self) -> int:
        """Products read so far in this run (including pages committed before a resume)."""
        return self.offset


@dataclass(frozen=True, slots=True)
class PageResult:
    changes: list[ListingChange]
    rejected: list[Rejected]


def read_page(page: ProductPage) -> tuple[list[ProductData], list[Rejected]]:
    """Parse a page; a product that does not parse is set aside with why, never defaulted."""
    parsed: list[ProductData] = []
    rejected: list[Rejected] = []
    for index, raw in enumerate(page.products):
        try:
            # NUL and lone surrogates: neither database stores them; refused as on webhooks
            check_document(raw, "product")
            parsed.append(parse_product(raw, "product"))
        except InvalidPayload as exc:
            rejected.append(Rejected(_raw_id(raw), page.offset + index, exc.message))
    return parsed, rejected


def import_catalog(
    sessions: sessionmaker[Session],
    source: ProductSource,
    *,
    shop_id: int,
    source_url: str,
    restart: bool = False,
    limit: int = MAX_LIMIT,
    on_page: Callable[[ImportProgress], None] | None = None,
    after_fetch: Callable[[ProductPage], None] | None = None,
) -> ImportProgress:
    """Import every product of ``source`` into shop ``shop_id``; resume an unfinished import.

    ``source_url`` names the shop for resuming (an import from another address starts afresh);
    ``restart`` ignores an unfinished run. ``after_fetch`` runs between reading a page and
    writing it (tests use it to land a webhook there). Bitrix errors propagate after the run is
    marked failed with the message.
    """
    with write_session(sessions) as session:
        run = None if restart else resumable_import(session, shop_id=shop_id, source_url=source_url)
        if run is None:
            run = start_run(session, SOURCE, shop_id=shop_id, source_url=source_url)
        else:
            run.status, run.error, run.finished_at = "running", None, None
        progress = ImportProgress(
            run_id=run.id,
            resumed_from=run.next_offset,
            offset=run.next_offset,
            total=run.total,
            created=run.created,
            updated=run.updated,
            unchanged=run.unchanged,
            skipped=run.skipped,
            failed=run.failed,
        )
    run_ref = f"{SOURCE}:{progress.run_id}"
    try:
        pages = source.iter_pages(limit=limit, offset=progress.offset)
        while True:
            requested_at = utcnow()  # before the request: the snapshot is at least this new
            page = next(pages, None)
            if page is None:
                break
            if after_fetch is not None:
                after_fetch(page)
            parsed, rejected = read_page(page)
            with write_session(sessions) as session:
                result = _write_page(
                    session, page, parsed, rejected, shop_id, requested_at, run_ref
                )
                run = get_run(session, progress.run_id, for_update=True)
                _count(run, result.changes, len(rejected))
                run.next_offset = page.next_offset
                run.total = page.total
                run.heartbeat_at = utcnow()
                _sync_progress(progress, run)
            progress.rejected.extend(rejected)
            progress.skipped_changes.extend(c for c in result.changes if c.action == "skipped")
            if on_page is not None:
                on_page(progress)
    except BaseException as exc:
        mark_failed(sessions, progress.run_id, exc)
        raise
    with write_session(sessions) as session:
        finish_run(session, progress.run_id)
    return progress


def _write_page(
    session: Session,
    page: ProductPage,
    parsed: list[ProductData],
    rejected: list[Rejected],
    shop_id: int,
    since: datetime,
    run_ref: str,
) -> PageResult:
    changes = apply_listing(
        session,
        [SnapshotRow(data.id, data, since) for data in parsed],
        shop_id=shop_id,
        source=SOURCE,
        run_ref=run_ref,
    )
    for bad in rejected:
        log_rejection(
            session.connection(),
            error=bad.error,
            event_type="product.updated",
            product_id=bad.product_id,
            source=SOURCE,
            request_id=run_ref,
        )
    session.flush()
    return PageResult(changes, rejected)


def mark_failed(sessions: sessionmaker[Session], run_id: int, exc: BaseException) -> None:
    """Record why a run stopped; never masks the error that stopped it."""
    try:
        with write_session(sessions) as session:
            finish_run(session, run_id, error=describe_error(exc))
    except Exception:  # the database may be what failed; the run stays "running", resumable
        log.warning("could not mark run %s as failed", run_id, exc_info=True)


def _count(run: SyncRun, changes: list[ListingChange], failed: int) -> None:
    for change in changes:
        if change.action == "created":
            run.created += 1
        elif change.action == "updated":
            run.updated += 1
        elif change.action == "unchanged":
            run.unchanged += 1
        elif change.action == "skipped":
            run.skipped += 1
    run.failed += failed


def _sync_progress(progress: ImportProgress, run: SyncRun) -> None:
    progress.offset = run.next_offset
    progress.total = run.total
    progress.created, progress.updated = run.created, run.updated
    progress.unchanged, progress.skipped, progress.failed = run.unchanged, run.skipped, run.failed


def _raw_id(raw: RawProduct | object) -> int | None:
    try:
        return parse_product_id(raw.get("id") if isinstance(raw, dict) else None)
    except InvalidPayload:
        return None


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(message)[:2000]
