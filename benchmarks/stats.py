"""``/api/v1/stats`` and ``/metrics`` on a large event log, over real HTTP on 127.0.0.1 (SQLite).

Per size (events received in the last 24 hours, default 100k, 300k, 1M): a migrated database is
seeded with that many events spread over the day, with the per-minute counters the webhook path
keeps (``sync/event_counts``), and a ``vitrina serve`` (no worker) is asked each endpoint 30 times.
Baseline in the same run: ``GET /healthz`` on the same server (HTTP stack + one ``SELECT 1``), and
beside it the scan of the log that the stats did before the counters (the same query, timed in
this process on the same file), so the table shows what the counters saved.
Target (2 cores, issue 20): both endpoints ≤ 50 ms p50 at 1M events, flat with the log's size.
Run: ``.venv/bin/python benchmarks/stats.py [--sizes 100000,300000,1000000]``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._server import percentile, vitrina_server

from vitrina.db import make_engine
from vitrina.ingest.signatures import new_secret
from vitrina.migrations import upgrade
from vitrina.sync.event_counts import minute_of
from vitrina.sync.models import EventCount, EventLog

OUTCOMES = ["created", "updated", "updated", "updated", "duplicate", "stale", "rejected"]


def seed(url: str, events: int) -> None:
    """``events`` log rows over the last 24 h and their per-minute counters, in bulk."""
    engine = make_engine(url)
    upgrade(engine)
    rng = random.Random(events)
    now = datetime.now(UTC)
    minutes: dict[datetime, list[float]] = {}
    with engine.begin() as conn:
        for start in range(0, events, 50_000):
            rows = []
            for i in range(start, min(events, start + 50_000)):
                received_at = now - timedelta(seconds=rng.uniform(0, 86_000))
                outcome = rng.choice(OUTCOMES)
                ms = rng.uniform(1, 40)
                rows.append(
                    {
                        "received_at": received_at,
                        "source": "webhook",
                        "event_type": "product.updated",
                        "product_id": i % 20_000,
                        "outcome": outcome,
                        "processing_ms": ms,
                    }
                )
                total = minutes.setdefault(minute_of(received_at), [0, 0.0, 0])
                total[0] += 1
                total[1] += ms
                total[2] += outcome == "rejected"
            conn.execute(insert(EventLog), rows)
        conn.execute(
            insert(EventCount),
            [
                {"minute": m, "shard": 0, "events": n, "processing_ms": ms, "rejected": r}
                for m, (n, ms, r) in minutes.items()
            ],
        )
    engine.dispose()


def old_scan_ms(url: str, repeats: int) -> float:
    """The stats' event query before the counters: a scan of the log's last day."""
    engine = make_engine(url)
    since = datetime.now(UTC) - timedelta(hours=24)
    query = select(
        func.count(),
        func.avg(EventLog.processing_ms),
        func.count().filter(EventLog.outcome == "rejected"),
    ).where(EventLog.received_at >= since)
    times = []
    with engine.connect() as conn:
        for _ in range(repeats):
            t0 = time.perf_counter()
            conn.execute(query).one()
            times.append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    return percentile(times, 0.5)


def timed(client: httpx.Client, path: str, repeats: int) -> float:
    """p50 ms of ``GET path`` (after two warm-up calls)."""
    for _ in range(2):
        client.get(path).raise_for_status()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - t0) * 1000)
    return percentile(times, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    print(
        f"{'events in 24 h':>14} {'healthz ms':>10} {'stats ms':>9} {'metrics ms':>10}"
        f" {'stats/healthz':>13} {'old log scan ms':>15}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/stats.db"
            seed(url, size)
            scan = old_scan_ms(url, max(3, args.repeats // 5))
            env = {
                "VITRINA_DATABASE_URL": url,
                "VITRINA_SEARCH_PROCESS": "false",
                "VITRINA_WEBHOOK_SECRETS": new_secret(),
            }
            with (
                vitrina_server(env, "--no-worker") as base,
                httpx.Client(base_url=base, timeout=30) as client,
            ):
                healthz = timed(client, "/healthz", args.repeats)
                stats = timed(client, "/api/v1/stats", args.repeats)
                metrics = timed(client, "/metrics", args.repeats)
        print(
            f"{size:>14,} {healthz:>10.1f} {stats:>9.1f} {metrics:>10.1f}"
            f" {stats / healthz:>12.2f}x {scan:>15.1f}"
        )
    print("target: stats and metrics ≤ 50 ms p50 at 1M events, flat with the log's size")


if __name__ == "__main__":
    main()
