"""Webhook ingest throughput and latency over real HTTP on 127.0.0.1, SQLite and PostgreSQL.

Baseline in the same run: ``GET /readyz`` on the same server (HTTP stack + one ``SELECT 1``;
it was ``/healthz`` before liveness stopped touching the database),
so the ratio shows what signature checking, parsing and the transactional write cost.
Targets (embedded default, 2 cores): ≥ 500 events/s sustained, p99 ≤ 50 ms. Each row also
gives the server process's CPU per request (every thread): on a shared machine it moves less
with the load than a rate does, and on 2 cores the ratio is about readyz's CPU / the webhook's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._server import cpu_seconds, percentile, server_pid, vitrina_server
from tests.support.webhooks import sample_product

from vitrina.ingest.signatures import new_secret, signed_headers

SECRET = new_secret()
WEBHOOK = "/api/v1/webhooks/product-sync"


def _client(args: tuple[str, str, list[tuple[bytes, dict[str, str]]]]) -> tuple[float, list[float]]:
    """One load-generating process: keep-alive ``http.client`` with pre-built requests, so the
    client's own cost (JSON, HMAC, a heavy HTTP library) does not steal the server's CPU."""
    base, path, requests = args
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port))
    latencies = []
    start = time.perf_counter()
    for body, headers in requests:
        sent = time.perf_counter()
        connection.request("POST" if body else "GET", path, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{response.status} from {path}")
        latencies.append((time.perf_counter() - sent) * 1000)
    return time.perf_counter() - start, latencies


def drive(
    base: str, path: str, requests: list[tuple[bytes, dict[str, str]]], processes: int
) -> tuple[float, list[float]]:
    """Send ``requests`` from ``processes`` client processes; total rate and all latencies."""
    shares = [requests[k::processes] for k in range(processes)]
    with multiprocessing.Pool(processes) as pool:
        results = pool.map(_client, [(base, path, share) for share in shares])
    wall = max(elapsed for elapsed, _ in results)
    return len(requests) / wall, [ms for _, lat in results for ms in lat]


def webhooks(total: int, offset: int) -> list[tuple[bytes, dict[str, str]]]:
    """Signed ``product.updated`` events for 2,000 products, each with a fresh webhook-id."""
    requests = []
    for i in range(offset, offset + total):
        product = sample_product(id=1000 + i % 2000, price=f"{1 + i % 90} 000 ₸")
        body = json.dumps(
            {"event_type": "product.updated", "product_data": product, "sequence": i}
        ).encode()
        headers = signed_headers(SECRET, body, str(uuid.uuid4()))
        headers["content-type"] = "application/json"
        requests.append((body, headers))
    return requests


def run(name: str, env: dict[str, str], total: int, processes: int) -> list[str]:
    server_env = {**env, "VITRINA_WEBHOOK_SECRETS": SECRET, "VITRINA_WEBHOOK_RATE_LIMIT": "0"}
    events = webhooks(total, 10_000)
    with vitrina_server(server_env, "--no-worker") as base:
        pid = server_pid(base)
        drive(base, WEBHOOK, webhooks(2000, 0), processes)  # warm-up: creates the 2,000 products
        before = cpu_seconds(pid)
        base_rate, base_lat = drive(base, "/readyz", [(b"", {})] * total, processes)
        between = cpu_seconds(pid)
        rate, lat = drive(base, WEBHOOK, events, processes)
        base_cpu, cpu = between - before, cpu_seconds(pid) - between
    p50, p99 = percentile(lat, 0.5), percentile(lat, 0.99)
    b50, b99 = percentile(base_lat, 0.5), percentile(base_lat, 0.99)
    b_ms, ms = base_cpu * 1000 / total, cpu * 1000 / total
    return [
        f"{name:<10} {'readyz (baseline)':<20} {base_rate:>8.0f} {b50:>8.1f} {b99:>8.1f} "
        f"{b_ms:>8.2f}",
        f"{name:<10} {'webhook':<20} {rate:>8.0f} {p50:>8.1f} {p99:>8.1f} {ms:>8.2f}   "
        f"throughput {rate / base_rate:.2f}x of baseline, p50 {p50 / b50:.2f}x, "
        f"CPU {ms / b_ms:.2f}x",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    rows = [
        f"{'backend':<10} {'request':<20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>8}"
    ]
    with tempfile.TemporaryDirectory() as tmp:
        rows += run(
            "sqlite",
            {"VITRINA_DATABASE_URL": f"sqlite:///{tmp}/bench.db"},
            args.events,
            args.processes,
        )
        if not args.no_postgres:
            from tests.support.postgres import PostgresForTests

            pg = PostgresForTests()
            try:
                rows += run(
                    "postgres",
                    {"VITRINA_DATABASE_URL": pg.fresh_database()},
                    args.events,
                    args.processes,
                )
            finally:
                pg.stop()
    print("\n".join(rows))


if __name__ == "__main__":
    main()
