"""The HTTP side of the metrics: the request middleware, the database gauges, ``GET /metrics``.

The figures that live in the database (queue depth, oldest pending job, dead jobs, index size)
are read at scrape time by a collector bound to one app's sessions and registered in that app's
own ``CollectorRegistry``, so several apps in one process (as in the tests) never collide. The
process-wide counters are :mod:`vitrina.metrics`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vitrina.http.state import Services
from vitrina.metrics import HTTP_LATENCY, HTTP_REQUESTS
from vitrina.sync.stats import collect_stats

log = logging.getLogger("vitrina.metrics")

# Paths no route matched are counted under one label: raw paths would let any scanner create
# unbounded label values.
UNMATCHED = "<unmatched>"


class MetricsMiddleware:
    """Counts and times every HTTP request, labelled by the route template that answered it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            method = scope.get("method", "GET")
            route = route_template(scope)
            HTTP_LATENCY.labels(method=method, route=route).observe(time.perf_counter() - started)
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()


def route_template(scope: Scope) -> str:
    """``/api/v1/jobs/{job_id}/retry`` rather than ``/api/v1/jobs/17/retry``.

    The router records the matched route in the scope; mounts (static files) are matched again
    here because they do not.
    """
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    app = scope.get("app")
    for candidate in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            return str(getattr(candidate, "path", UNMATCHED)) or UNMATCHED
    return UNMATCHED


class DatabaseCollector(Collector):
    """Queue and index gauges read from one app's database when Prometheus scrapes."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        services: Services | None = getattr(self.app.state, "services", None)
        if services is None:  # not started yet
            return
        up = GaugeMetricFamily(
            "vitrina_database_up", "1 when the database answered this scrape, else 0."
        )
        try:
            families = list(_database_gauges(services))
        except SQLAlchemyError as exc:
            log.warning("metrics: the database did not answer: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families


def _database_gauges(services: Services) -> Iterable[GaugeMetricFamily]:
    embedder = services.embedder_name
    with services.sessions() as session:
        stats = collect_stats(session, embedder)
    jobs = GaugeMetricFamily("vitrina_jobs", "Reindex jobs by state.", labels=["state"])
    jobs.add_metric(["pending"], stats.queue.pending)
    jobs.add_metric(["running"], stats.queue.running)
    jobs.add_metric(["dead"], stats.queue.dead)
    yield jobs
    yield GaugeMetricFamily(
        "vitrina_queue_depth",
        "Reindex jobs waiting or running.",
        value=stats.queue.pending + stats.queue.running,
    )
    yield GaugeMetricFamily(
        "vitrina_dead_jobs",
        "Reindex jobs that gave up and wait for a retry.",
        value=stats.queue.dead,
    )
    yield GaugeMetricFamily(
        "vitrina_oldest_pending_job_age_seconds",
        "Age of the oldest pending reindex job (0 when none is waiting).",
        value=stats.queue.oldest_pending_age_s or 0.0,
    )
    index = GaugeMetricFamily(
        "vitrina_index_vectors", "Photo vectors in the search index.", labels=["embedder"]
    )
    index.add_metric([embedder], stats.total_indexed)
    yield index


def install_metrics(app: FastAPI) -> None:
    """Add the request middleware, this app's database collector, and ``GET /metrics``."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(app))
    app.state.metrics_registry = registry
    app.add_middleware(MetricsMiddleware)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """Prometheus text format: the process-wide counters, then this app's database gauges."""
        own: CollectorRegistry = request.app.state.metrics_registry
        body = generate_latest(REGISTRY) + generate_latest(own)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
