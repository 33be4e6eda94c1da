"""``vitrina reconcile``: healing the drift lost webhooks leave, without undoing newer ones."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx

from tests.conftest import SECRET
from tests.integrations.conftest import TOKEN
from tests.integrations.sync_support import database, events, pending_jobs, products, runs, vitrina
from tests.support.eventually import eventually
from vitrina.config import Settings
from vitrina.integrations.bitrix.client import BitrixClient
from vitrina.integrations.bitrix.importer import import_catalog
from vitrina.integrations.bitrix.reconcile import (
    ReconcilePlan,
    reconcile,
    run_reconcile_schedule,
)
from vitrina.standin.server import StandIn

LiveApp = Callable[..., AbstractContextManager[httpx.Client]]


def imported(database_url: str, shop: StandIn) -> None:
    with database(database_url) as sessions, BitrixClient(shop.base_url, TOKEN) as bitrix:
        import_catalog(sessions, bitrix, shop_id=1, source_url=bitrix.base_url)


def drift(shop: StandIn) -> tuple[int, int, int]:
    """Changes at the shop whose webhooks were lost: one repriced, one new, one deleted."""
    repriced, gone = shop.product_ids[1], shop.product_ids[3]
    shop.update_product(repriced, price="4 950 ₸")
    created = int(shop.create_product(title="Новый букет").product_data["id"])
    shop.delete_product(gone)
    return repriced, created, gone


def test_reconcile_creates_updates_and_soft_deletes_the_drift_and_prints_it(
    database_url: str, fresh_shop: StandIn
) -> None:
    imported(database_url, fresh_shop)
    repriced, created, gone = drift(fresh_shop)
    with database(database_url) as sessions:
        jobs_before = pending_jobs(sessions)

        result = vitrina(
            "reconcile", "--bitrix-url", fresh_shop.base_url, "--token", TOKEN,
            database_url=database_url,
        )

        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert any("updated" in line and str(repriced) in line and "4 950 ₸" in line for line in lines)
        assert any("created" in line and str(created) in line and "Новый букет" in line for line in lines)
        assert any("deleted" in line and str(gone) in line for line in lines)
        assert "1 created, 1 updated, 1 deleted" in result.stdout

        catalog = products(sessions)
        assert catalog[repriced].price == 495_000
        assert catalog[created].enabled and catalog[created].name == "Новый букет"
        assert not catalog[gone].enabled
        assert {(e.product_id, e.outcome) for e in events(sessions, "reconcile")} == {
            (repriced, "updated"), (created, "created"), (gone, "deleted"),
        }
        assert {repriced, created, gone} <= pending_jobs(sessions) | jobs_before
        [run] = runs(sessions, "reconcile")
        assert (run.status, run.created, run.updated, run.deleted, run.unchanged) == (
            "completed", 1, 1, 1, 10,
        )

        again = vitrina(
            "reconcile", "--bitrix-url", fresh_shop.base_url, "--token", TOKEN,
            database_url=database_url,
        )
        assert again.returncode == 0 and "0 created, 0 updated, 0 deleted" in again.stdout


def test_a_dry_run_shows_the_drift_and_changes_nothing(sqlite_url: str, fresh_shop: StandIn) -> None:
    imported(sqlite_url, fresh_shop)
    drift(fresh_shop)
    with database(sqlite_url) as sessions:
        before = {pid: (p.price, p.enabled) for pid, p in products(sessions).items()}

        result = vitrina(
            "reconcile", "--dry-run", "--bitrix-url", fresh_shop.base_url, "--token", TOKEN,
            database_url=sqlite_url,
        )

        assert result.returncode == 0, result.stderr
        assert "Would change" in result.stdout and "would change: 1 created" in result.stdout
        assert {pid: (p.price, p.enabled) for pid, p in products(sessions).items()} == before
        assert events(sessions, "reconcile") == []


def test_reconcile_never_overrides_a_webhook_that_lands_while_it_runs(
    database_url: str, fresh_shop: StandIn, live_app: LiveApp
) -> None:
    imported(database_url, fresh_shop)
    repriced, deleted = fresh_shop.product_ids[1], fresh_shop.product_ids[6]
    fresh_shop.update_product(repriced, price="10 000 ₸")  # drift: its webhook was lost
    with live_app(database_url) as app, database(database_url) as sessions:
        webhook_url = f"{app.base_url}/api/v1/webhooks/product-sync"

        def webhooks_after_the_listing_was_read(plan: ReconcilePlan) -> None:
            assert plan.products[repriced].price == 1_000_000  # what reconcile would write
            for event in (
                fresh_shop.update_product(repriced, price="20 000 ₸"),
                fresh_shop.delete_product(deleted),
            ):
                assert fresh_shop.send_webhook(webhook_url, SECRET, event).status_code == 200

        with BitrixClient(fresh_shop.base_url, TOKEN) as bitrix:
            result = reconcile(
                sessions, bitrix, shop_id=1, source_url=bitrix.base_url,
                before_apply=webhooks_after_the_listing_was_read,
            )

        catalog = products(sessions)
        assert catalog[repriced].price == 2_000_000  # the webhook's price survives
        assert not catalog[deleted].enabled  # and the webhook's delete is not revived
        skipped = {c.product_id for c in result.changes if c.action == "skipped"}
        assert skipped == {repriced, deleted}
        assert result.count("updated") == result.count("created") == 0


def test_a_product_the_shop_lists_but_vitrina_cannot_read_is_not_deleted(
    sqlite_url: str, fresh_shop: StandIn
) -> None:
    imported(sqlite_url, fresh_shop)
    broken = fresh_shop.product_ids[2]
    fresh_shop.update_product(broken, price="договорная")
    with database(sqlite_url) as sessions, BitrixClient(fresh_shop.base_url, TOKEN) as bitrix:
        result = reconcile(sessions, bitrix, shop_id=1, source_url=bitrix.base_url)
        assert products(sessions)[broken].enabled
        assert [bad.product_id for bad in result.rejected] == [broken]
        assert result.changes == []
        assert [(e.product_id, e.outcome) for e in events(sessions, "reconcile")] == [
            (broken, "rejected")
        ]


def test_reconcile_only_deletes_what_the_shop_confirms_is_gone(
    sqlite_url: str, fresh_shop: StandIn
) -> None:
    imported(sqlite_url, fresh_shop)
    hidden = fresh_shop.product_ids[-1]

    class ListingThatMissesOne(BitrixClient):
        """Offset paging that skipped a product (another was deleted mid-listing)."""

        def iter_pages(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            for page in super().iter_pages(*args, **kwargs):
                page.products[:] = [p for p in page.products if p["id"] != hidden]
                yield page

    fresh_shop.update_product(hidden, price="7 777 ₸")
    with database(sqlite_url) as sessions, ListingThatMissesOne(fresh_shop.base_url, TOKEN) as bitrix:
        result = reconcile(sessions, bitrix, shop_id=1, source_url=bitrix.base_url)
        assert products(sessions)[hidden].enabled
        assert products(sessions)[hidden].price == 777_700  # compared from its detail instead
        assert [(c.product_id, c.action) for c in result.changes] == [(hidden, "updated")]


def test_scheduled_reconcile_heals_drift_until_stopped(
    sqlite_url: str, fresh_shop: StandIn, make_settings: Callable[..., Settings]
) -> None:
    imported(sqlite_url, fresh_shop)
    repriced, created, gone = drift(fresh_shop)
    settings = make_settings(
        database_url=sqlite_url, bitrix_url=fresh_shop.base_url, bitrix_token=TOKEN,
        reconcile_every=0.2,
    )
    stop = threading.Event()
    thread = threading.Thread(target=run_reconcile_schedule, args=(settings, stop))
    thread.start()
    try:
        with database(sqlite_url) as sessions:
            eventually(
                lambda: any(r.status == "completed" for r in runs(sessions, "reconcile")),
                what="a completed scheduled reconcile",
            )
            catalog = products(sessions)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert catalog[repriced].price == 495_000 and created in catalog and not catalog[gone].enabled


def test_the_schedule_does_nothing_without_an_interval(
    sqlite_url: str, fresh_shop: StandIn, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(
        database_url=sqlite_url, bitrix_url=fresh_shop.base_url, bitrix_token=TOKEN
    )
    assert settings.reconcile_every is None
    thread = threading.Thread(target=run_reconcile_schedule, args=(settings, threading.Event()))
    thread.start()
    thread.join(timeout=30)  # the stop event is never set: only "no interval" ends it
    assert not thread.is_alive(), "the schedule ran although no interval is set"
    assert fresh_shop.requests == []
    with database(sqlite_url) as sessions:
        assert runs(sessions, "reconcile") == []


def test_vitrina_serve_runs_the_scheduled_reconcile_when_configured(
    sqlite_url: str, fresh_shop: StandIn, live_app: LiveApp
) -> None:
    imported(sqlite_url, fresh_shop)
    repriced, created, gone = drift(fresh_shop)
    with live_app(
        sqlite_url, bitrix_url=fresh_shop.base_url, bitrix_token=TOKEN, reconcile_every=0.2
    ) as app:
        # Deletions are applied last in a run, so once this one shows, the rest has committed.
        eventually(
            lambda: not app.get(f"/api/v1/products/{gone}").json()["enabled"],
            what="the scheduled reconcile's soft delete",
        )
        assert app.get(f"/api/v1/products/{repriced}").json()["price"] == 495_000
        assert app.get(f"/api/v1/products/{created}").status_code == 200
