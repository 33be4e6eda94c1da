"""Webhook ingest throughput and latency over real HTTP on 127.0.0.1, SQLite and PostgreSQL.

Baseline in the same run: ``GET /healthz`` on the same server (HTTP stack + one ``SELECT 1``),
so the ratio shows what signature checking, parsing and the transactional write cost.
Targets (embedded default, 2 cores): ≥ 500 events/s sustained, p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._server import percentile, vitrina_server
from tests.support.webhooks import sample_product

from vitrina.ingest.signatures import new_secret, signed_headers

SECRET = new_secret()


def drive(
    base: str, total: int, concurrency: int, request: Callable[[httpx.Client, int], None]
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                start = time.perf_counter()
                request(client, i)
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return total / (time.perf_counter() - start), latencies


def webhook(client: httpx.Client, i: int) -> None:
    product = sample_product(id=1000 + i % 2000, price=f"{1 + i % 90} 000 ₸")
    body = json.dumps(
        {"event_type": "product.updated", "product_data": product, "sequence": i}
    ).encode()
    headers = signed_headers(SECRET, body, str(uuid.uuid4()))
    headers["content-type"] = "application/json"
    response = client.post("/api/v1/webhooks/product-sync", content=body, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(response.text)


def health(client: httpx.Client, i: int) -> None:
    client.get("/healthz").raise_for_status()


def run(name: str, env: dict[str, str], total: int, concurrency: int) -> list[str]:
    with vitrina_server(
        {**env, "VITRINA_WEBHOOK_SECRETS": SECRET, "VITRINA_WEBHOOK_RATE_LIMIT": "0"}, "--no-worker"
    ) as base:
        drive(base, 200, concurrency, webhook)  # warm-up
        base_rate, base_lat = drive(base, total, concurrency, health)
        rate, lat = drive(base, total, concurrency, webhook)
    return [
        f"{name:<10} {'healthz (baseline)':<20} {base_rate:>8.0f} {percentile(base_lat, 0.5):>8.1f} {percentile(base_lat, 0.99):>8.1f}",
        f"{name:<10} {'webhook':<20} {rate:>8.0f} {percentile(lat, 0.5):>8.1f} {percentile(lat, 0.99):>8.1f}   "
        f"throughput {rate / base_rate:.2f}x of baseline, p50 {percentile(lat, 0.5) / percentile(base_lat, 0.5):.2f}x",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    rows = [f"{'backend':<10} {'request':<20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"]
    with tempfile.TemporaryDirectory() as tmp:
        rows += run(
            "sqlite",
            {"VITRINA_DATABASE_URL": f"sqlite:///{tmp}/bench.db"},
            args.events,
            args.concurrency,
        )
        if not args.no_postgres:
            from tests.support.postgres import PostgresForTests

            pg = PostgresForTests()
            try:
                rows += run(
                    "postgres",
                    {"VITRINA_DATABASE_URL": pg.fresh_database()},
                    args.events,
                    args.concurrency,
                )
            finally:
                pg.stop()
    print("\n".join(rows))


if __name__ == "__main__":
    main()
