"""Bulk import throughput from the Bitrix stand-in over real HTTP on 127.0.0.1, no embedding.

Baseline in the same run: bare pagination through :class:`BitrixClient` (HTTP + JSON, no parsing,
no writes), so the ratio shows what parsing, the rule's checks and the per-page transaction
(products, photos, jobs, event log, progress) cost. Then a reconcile of the unchanged catalog.
Target: 5,000 products in under a minute on the embedded default (SQLite, 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vitrina.db import make_engine, make_sessionmaker
from vitrina.integrations.bitrix.client import BitrixClient
from vitrina.integrations.bitrix.importer import import_catalog
from vitrina.integrations.bitrix.reconcile import reconcile
from vitrina.migrations import upgrade
from vitrina.standin.server import StandIn

TOKEN = "bench-token"


def baseline(client: BitrixClient) -> tuple[int, float]:
    start = time.perf_counter()
    count = sum(len(page.products) for page in client.iter_pages(limit=100))
    return count, time.perf_counter() - start


def import_into(name: str, url: str, client: BitrixClient, expected: int) -> list[str]:
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    start = time.perf_counter()
    progress = import_catalog(sessions, client, shop_id=1, source_url=client.base_url)
    took = time.perf_counter() - start
    assert progress.created == expected, progress
    start = time.perf_counter()
    result = reconcile(sessions, client, shop_id=1, source_url=client.base_url)
    reconciled = time.perf_counter() - start
    assert result.unchanged == expected and not result.changes, result.summary()
    engine.dispose()
    return [
        f"{'import, ' + name:<34} {expected / took:>8.0f} products/s   {took:6.1f} s",
        f"{'reconcile (no drift), ' + name:<34} {expected / reconciled:>8.0f} products/s   "
        f"{reconciled:6.1f} s",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()

    lines: list[str] = []
    with (
        StandIn(args.products, token=TOKEN, seed=3) as shop,
        BitrixClient(shop.base_url, TOKEN) as client,
        tempfile.TemporaryDirectory() as tmp,
    ):
        count, took = baseline(client)
        lines.append(
            f"{'baseline: bare pagination':<34} {count / took:>8.0f} products/s   {took:6.1f} s"
        )
        lines += import_into("SQLite", f"sqlite:///{tmp}/bench.db", client, count)
        if not args.no_postgres:
            from tests.support.postgres import PostgresForTests

            postgres = PostgresForTests()
            try:
                lines += import_into("PostgreSQL", postgres.fresh_database(), client, count)
            finally:
                postgres.stop()
    print(f"Import of {args.products} products from the Bitrix stand-in (limit=100 per page)")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
