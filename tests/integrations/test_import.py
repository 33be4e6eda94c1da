"""``vitrina import``: a shop's whole catalog into Vitrina, from a live Bitrix stand-in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import SECRET
from tests.integrations.conftest import TOKEN
from tests.integrations.sync_support import (
    count_products,
    database,
    events,
    pending_jobs,
    products,
    runs,
    vitrina,
)
from tests.support.live import free_port
from vitrina.integrations.bitrix.client import BitrixClient, ProductPage
from vitrina.integrations.bitrix.errors import BitrixUnavailable
from vitrina.integrations.bitrix.importer import import_catalog
from vitrina.integrations.bitrix.models import SyncRun
from vitrina.integrations.bitrix.repository import list_runs
from vitrina.retry import Retries
from vitrina.standin.server import StandIn

LiveApp = Callable[..., AbstractContextManager[httpx.Client]]


@pytest.fixture
def client(shop: StandIn) -> Iterator[BitrixClient]:
    with BitrixClient(shop.base_url, TOKEN, retries=Retries(0)) as bitrix:
        yield bitrix


def test_import_brings_exactly_the_shops_products_and_queues_their_indexing(
    database_url: str, shop: StandIn, client: BitrixClient
) -> None:
    with database(database_url) as sessions:
        progress = import_catalog(sessions, client, shop_id=3, source_url=client.base_url)

        imported = products(sessions)
        assert set(imported) == set(shop.product_ids)
        assert progress.created == len(shop.product_ids) and progress.failed == 0
        assert {p.shop_id for p in imported.values()} == {3}
        assert pending_jobs(sessions) == set(shop.product_ids)
        assert {e.outcome for e in events(sessions, "import")} == {"created"}
        [run] = runs(sessions)
        assert (run.status, run.created, run.next_offset, run.total) == (
            "completed", len(shop.product_ids), len(shop.product_ids), len(shop.product_ids),
        )


def test_imported_values_are_normalised_prices_in_minor_units(
    database_url: str, fresh_shop: StandIn
) -> None:
    first, second = fresh_shop.product_ids[:2]
    fresh_shop.update_product(first, price="27\u00a0325 ₸", catalogHeight="70 см", catalogWidth="")
    fresh_shop.update_product(second, price=15000, isAvailable=False)
    with database(database_url) as sessions, BitrixClient(fresh_shop.base_url, TOKEN) as bitrix:
        import_catalog(sessions, bitrix, shop_id=1, source_url=bitrix.base_url)
        imported = products(sessions)
    assert (imported[first].price, imported[first].height) == (2_732_500, 70)
    assert (imported[second].price, imported[second].available) == (1_500_000, False)
    assert imported[second].enabled  # sold out, not deleted: still searchable
    listed = fresh_shop.product(first)
    assert listed is not None and imported[first].image == listed["image"]


def test_a_second_import_of_an_unchanged_shop_writes_nothing(
    sqlite_url: str, fresh_shop: StandIn
) -> None:
    with database(sqlite_url) as sessions, BitrixClient(fresh_shop.base_url, TOKEN) as bitrix:
        import_catalog(sessions, bitrix, shop_id=1, source_url=bitrix.base_url)
        logged = len(events(sessions, "import"))
        again = import_catalog(sessions, bitrix, shop_id=1, source_url=bitrix.base_url)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 12)
        assert len(events(sessions, "import")) == logged


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"price": "по запросу"}, ["price", "по запросу"]),
        # text neither database stores: PostgreSQL failed the whole import on it
        ({"title": "Розы\x00 15 шт"}, ["product.title", "NUL"]),
    ],
    ids=["price", "nul"],
)
def test_an_unreadable_product_is_reported_skipped_and_counted_while_the_rest_import(
    database_url: str, fresh_shop: StandIn, fields: dict[str, str], named: list[str]
) -> None:
    broken = fresh_shop.product_ids[4]
    fresh_shop.update_product(broken, **fields)
    with database(database_url) as sessions, BitrixClient(fresh_shop.base_url, TOKEN) as bitrix:
        progress = import_catalog(sessions, bitrix, shop_id=1, source_url=bitrix.base_url)
        imported = products(sessions)
        rejected = [e for e in events(sessions, "import") if e.outcome == "rejected"]
    assert broken not in imported and len(imported) == 11
    assert progress.failed == 1
    [reason] = progress.rejected
    assert reason.product_id == broken and all(part in reason.error for part in named)
    assert [e.product_id for e in rejected] == [broken]
    assert all(part in (rejected[0].error or "") for part in named)


def test_import_resumes_after_the_shop_fails_without_redoing_committed_pages(
    database_url: str, shop: StandIn
) -> None:
    def fail_from_page_three(page: ProductPage) -> None:
        if page.offset == 100:  # page 2 is read: from now on the shop is down
            shop.fail_next(1000, status=503)

    with database(database_url) as sessions:
        try:
            with BitrixClient(shop.base_url, TOKEN, retries=Retries(0)) as bitrix, pytest.raises(
                BitrixUnavailable
            ):
                import_catalog(
                    sessions, bitrix, shop_id=1, source_url=bitrix.base_url,
                    after_fetch=fail_from_page_three,
                )
        finally:
            shop.clear_faults()
        assert count_products(sessions) == 200
        [run] = runs(sessions)
        assert (run.status, run.next_offset) == ("failed", 200) and "503" in (run.error or "")

        seen = len(shop.requests)
        result = vitrina(
            "import", "--bitrix-url", shop.base_url, database_url=database_url,
            VITRINA_BITRIX_TOKEN=TOKEN,
        )
        assert result.returncode == 0, result.stderr
        assert "resumed at 200" in result.stdout
        listings = [r.query for r in shop.requests[seen:] if r.path.startswith("/api/v2/products")]
        assert listings == ["limit=100&offset=200"]
        assert set(products(sessions)) == set(shop.product_ids)
        [run] = runs(sessions)
        assert (run.status, run.created) == ("completed", len(shop.product_ids))


def test_a_webhook_landing_during_an_import_is_not_undone_by_the_stale_page(
    database_url: str, fresh_shop: StandIn, live_app: LiveApp
) -> None:
    deleted, repriced = fresh_shop.product_ids[2], fresh_shop.product_ids[5]
    with live_app(database_url) as app, database(database_url) as sessions:
        webhook_url = f"{app.base_url}/api/v1/webhooks/product-sync"

        def webhooks_while_the_page_is_in_flight(page: ProductPage) -> None:
            for event in (
                fresh_shop.delete_product(deleted),
                fresh_shop.update_product(repriced, price="99 000 ₸"),
            ):
                assert fresh_shop.send_webhook(webhook_url, SECRET, event).status_code == 200

        with BitrixClient(fresh_shop.base_url, TOKEN) as bitrix:
            progress = import_catalog(
                sessions, bitrix, shop_id=1, source_url=bitrix.base_url,
                after_fetch=webhooks_while_the_page_is_in_flight,
            )
        imported = products(sessions)
    assert deleted not in imported  # the tombstone holds: never revived from the stale page
    assert imported[repriced].price == 9_900_000  # the webhook's price, not the page's
    assert {c.product_id for c in progress.skipped_changes} == {deleted, repriced}
    assert len(imported) == 11


def test_wrong_token_exits_non_zero_with_a_clear_message(sqlite_url: str, shop: StandIn) -> None:
    result = vitrina(
        "import", "--bitrix-url", shop.base_url, "--token", "wrong", database_url=sqlite_url
    )
    assert result.returncode == 1
    assert "refused the API token" in result.stderr


def test_an_unreachable_shop_exits_non_zero_with_a_clear_message(sqlite_url: str) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = vitrina("import", "--bitrix-url", url, "--token", "t", database_url=sqlite_url)
    assert result.returncode == 1
    assert "Cannot reach Bitrix" in result.stderr and "run the same command again" in result.stderr


def test_import_without_a_shop_address_says_what_to_set(sqlite_url: str) -> None:
    result = vitrina("import", database_url=sqlite_url, VITRINA_BITRIX_URL="", VITRINA_BITRIX_TOKEN="")
    assert result.returncode == 2
    assert "VITRINA_BITRIX_URL" in result.stderr


def test_import_runs_are_listed_newest_first(sqlite_url: str, fresh_shop: StandIn) -> None:
    with database(sqlite_url) as sessions, BitrixClient(fresh_shop.base_url, TOKEN) as bitrix:
        for _ in range(2):
            import_catalog(sessions, bitrix, shop_id=1, source_url=bitrix.base_url)
        with sessions() as session:
            runs = list_runs(session, kind="import")
            assert [r.id for r in runs] == sorted(session.scalars(select(SyncRun.id)), reverse=True)
