"""Customers searching while the shop sends webhooks: a live ``vitrina serve`` on SQLite.

Three phases against one server with its embedded worker, each ``--seconds`` long:

1. ``search alone``: ``--searchers`` customers, each uploading a photo and waiting for the answer
   before the next (closed loop) — the baseline for search;
2. ``webhooks alone``: ``--rate`` webhooks per second on a fixed schedule (open loop, so a slow
   answer does not lower the load): price changes of indexed products, and every tenth a new
   product whose photo the worker downloads and embeds — the baseline for webhooks;
3. ``mixed``: both at once.

Run once with search in its own process (``VITRINA_SEARCH_PROCESS``, the default) and once on the
API's threads (the design it replaced), each on a fresh server and database.

Each searcher and the shop run in their own process, so the load generators' own Python does not
show up as server latency. Prints p50/p99 and the error count (any non-2xx or transport error) of each route per phase, and
the mixed/alone ratios. Targets (2 cores, SQLite): zero errors; search p99 mixed ≤ 3× alone;
webhook p99 mixed ≤ 100 ms.
Run: ``.venv/bin/python benchmarks/mixed_load.py [--seconds 20] [--searchers 4] [--rate 25]
[--modes process,threads]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._server import memory_mb, percentile, vitrina_server
from benchmarks.freshness import distinct_jpegs, wait_idle
from tests.support.photos import altered, jpeg, photo_server, sample_photos
from tests.support.webhooks import sample_product

from vitrina.config import load_settings
from vitrina.ingest.signatures import new_secret, signed_headers

SECRET = new_secret()
WEBHOOK = "/api/v1/webhooks/product-sync"
BOUNDARY = "vitrina-bench-boundary"
SEEDED = 60


@dataclass
class Route:
    """Latencies (ms) and errors of one route in one phase."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, other: tuple[list[float], list[str]]) -> None:
        self.latencies += other[0]
        self.errors += other[1]


def _connection(base: str) -> http.client.HTTPConnection:
    host, port = base.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=60)


def _request(
    connection: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str]
) -> tuple[float, str | None]:
    sent = time.perf_counter()
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
    except (OSError, http.client.HTTPException) as exc:
        connection.close()
        return (time.perf_counter() - sent) * 1000, f"{type(exc).__name__}: {exc}"
    ms = (time.perf_counter() - sent) * 1000
    return ms, None if 200 <= response.status < 300 else f"HTTP {response.status}"


def multipart(photo: bytes) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="q.jpg"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + photo
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def searcher(args: tuple[str, list[bytes], float, int]) -> tuple[list[float], list[str]]:
    """One customer (its own process, so the load generators share no GIL): search after search
    until ``until`` (a ``time.time()``)."""
    base, queries, until, k = args
    connection = _connection(base)
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    latencies: list[float] = []
    errors: list[str] = []
    i = k
    while time.time() < until:
        ms, error = _request(
            connection, "/api/v1/search/upload", queries[i % len(queries)], headers
        )
        (latencies.append(ms) if error is None else errors.append(error))
        i += 1
    connection.close()
    return latencies, errors


def shop(args: tuple[str, float, list[str], float, int]) -> tuple[list[float], list[str]]:
    """Webhooks on a fixed schedule from a few sender threads in one process (a slow answer does
    not slow the schedule down: Bitrix's event handlers do not wait for each other)."""
    base, rate, urls, until, first_new = args
    lock = threading.Lock()
    counter = iter(range(10**9))
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    stop_at = start + (until - time.time())

    def sender() -> None:
        connection = _connection(base)
        while True:
            with lock:
                n = next(counter)
            due = start + n / rate
            if due >= stop_at:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if n % 10 == 9:  # a new product: the worker downloads and embeds its photo
                pid = first_new + n
                url = urls[pid % len(urls)]
                data = sample_product(id=pid, title=f"new {pid}", image=url, images=[url])
            else:  # a price change of an indexed product (no photo work)
                pid = 1 + n % SEEDED
                url = urls[pid % len(urls)]
                data = sample_product(
                    id=pid, title=f"seed {pid}", price=f"{1000 + n} ₸", image=url, images=[url]
                )
            body = json.dumps({"event_type": "product.updated", "product_data": data}).encode()
            headers = signed_headers(SECRET, body, str(uuid.uuid4()))
            headers["Content-Type"] = "application/json"
            ms, error = _request(connection, WEBHOOK, body, headers)
            with lock:
                (latencies.append(ms) if error is None else errors.append(error))
        connection.close()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def run_phase(
    base: str,
    seconds: float,
    searchers: int,
    rate: float,
    queries: list[bytes],
    urls: list[str],
    first_new: int,
) -> tuple[Route, Route]:
    """Searchers and the shop in separate processes for ``seconds``."""
    search_route, webhook_route = Route(), Route()
    until = time.time() + seconds
    with multiprocessing.Pool(searchers + 1) as pool:
        searches = [
            pool.apply_async(searcher, ((base, queries, until, k),)) for k in range(searchers)
        ]
        webhooks = (
            pool.apply_async(shop, ((base, rate, urls, until, first_new),)) if rate > 0 else None
        )
        for result in searches:
            search_route.add(result.get())
        if webhooks is not None:
            webhook_route.add(webhooks.get())
    return search_route, webhook_route


def line(name: str, route: Route, seconds: float) -> str:
    if not route.latencies:
        return f"{name:<28} {'—':>7} {'—':>8} {'—':>8} {len(route.errors):>7}"
    p50, p99 = percentile(route.latencies, 0.5), percentile(route.latencies, 0.99)
    rate = len(route.latencies) / seconds
    return f"{name:<28} {rate:>7.1f} {p50:>8.1f} {p99:>8.1f} {len(route.errors):>7}"


def measure(
    args: argparse.Namespace, model_dir: Path, search_process: bool
) -> tuple[dict[str, tuple[Route, Route]], int, tuple[float, float]]:
    """The three phases against a fresh server: the phases' routes, the dead-job count and the
    resident memory of the server and of its search process at the end."""
    photos = distinct_jpegs(SEEDED + 400)
    queries = [multipart(jpeg(altered(image))) for image in sample_photos().values()]
    with tempfile.TemporaryDirectory() as tmp, photo_server() as server:
        urls = [server.add(f"/p/{i}.jpg", body) for i, body in enumerate(photos)]
        env = {
            "VITRINA_DATABASE_URL": f"sqlite:///{tmp}/mixed.db",
            "VITRINA_WEBHOOK_SECRETS": SECRET,
            "VITRINA_IMAGE_HOSTS_ALLOW": "127.0.0.1",
            "VITRINA_MODEL_DIR": str(model_dir),
            "VITRINA_WEBHOOK_RATE_LIMIT": "0",
            "VITRINA_SEARCH_RATE_LIMIT": "0",
            "VITRINA_SEARCH_PROCESS": str(search_process).lower(),
        }
        with vitrina_server(env) as base, httpx.Client(base_url=base, timeout=60) as client:
            for pid in range(1, SEEDED + 1):
                url = urls[pid % len(urls)]
                data = sample_product(id=pid, title=f"seed {pid}", image=url, images=[url])
                body = json.dumps({"event_type": "product.created", "product_data": data})
                headers = signed_headers(SECRET, body.encode(), str(uuid.uuid4()))
                client.post(WEBHOOK, content=body, headers=headers).raise_for_status()
            wait_idle(client, timeout=600)
            # warm-up: model loaded, index loaded, connections open
            run_phase(base, 3, args.searchers, 0, queries, urls, 0)

            phases = {}
            phases["search alone"] = run_phase(
                base, args.seconds, args.searchers, 0, queries, urls, 0
            )
            phases["webhooks alone"] = run_phase(
                base, args.seconds, 0, args.rate, queries, urls, 10_000
            )
            wait_idle(client, timeout=600)
            phases["mixed"] = run_phase(
                base, args.seconds, args.searchers, args.rate, queries, urls, 20_000
            )
            wait_idle(client, timeout=600)
            dead = client.get("/api/v1/stats").json()["queue"]["dead"]
            memory = memory_mb(base)
    return phases, dead, memory


def report(
    args: argparse.Namespace,
    label: str,
    phases: dict[str, tuple[Route, Route]],
    dead: int,
    memory: tuple[float, float],
) -> None:
    print(
        f"{label}: SQLite, {args.searchers} searchers (closed loop), {args.rate:g} webhooks/s "
        f"(1 in 10 a new photo for the worker), {args.seconds:g} s per phase; dead jobs: {dead}; "
        f"RSS server {memory[0]:.0f} MB + search process {memory[1]:.0f} MB"
    )
    print(f"{'route / phase':<28} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    alone_search, _ = phases["search alone"]
    _, alone_webhook = phases["webhooks alone"]
    mixed_search, mixed_webhook = phases["mixed"]
    print(line("search, alone (baseline)", alone_search, args.seconds))
    print(line("search, mixed", mixed_search, args.seconds))
    print(line("webhook, alone (baseline)", alone_webhook, args.seconds))
    print(line("webhook, mixed", mixed_webhook, args.seconds))
    s_ratio = percentile(mixed_search.latencies, 0.99) / percentile(alone_search.latencies, 0.99)
    w_ratio = percentile(mixed_webhook.latencies, 0.99) / percentile(alone_webhook.latencies, 0.99)
    errors = sum(len(route.errors) for pair in phases.values() for route in pair)
    print(
        f"search p99 mixed/alone {s_ratio:.2f}x (target ≤ 3x); webhook p99 mixed/alone "
        f"{w_ratio:.2f}x, mixed {percentile(mixed_webhook.latencies, 0.99):.1f} ms "
        f"(target ≤ 100 ms); errors {errors} (target 0)"
    )
    for name, pair in phases.items():
        for route in pair:
            for error in sorted(set(route.errors))[:3]:
                print(f"  {name}: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--searchers", type=int, default=4)
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--model-dir", default=None)
    parser.add_argument(
        "--modes",
        default="process,threads",
        help="search in its own process (the default), on the API's threads, or both",
    )
    args = parser.parse_args()
    model_dir = Path(args.model_dir or load_settings().model_dir)
    labels = {"process": "search process (default)", "threads": "search on the API's threads"}
    for mode in args.modes.split(","):
        phases, dead, memory = measure(args, model_dir, search_process=mode == "process")
        report(args, labels[mode], phases, dead, memory)
        print()


if __name__ == "__main__":
    main()
