"""Prometheus counters and the ``observe_*`` hooks that feed them.

Event counters (requests, webhooks, embeddings, fetch failures) are process-wide, as Prometheus
counters are meant to be: the webhook route and the worker call :func:`observe_webhook`,
:func:`observe_embedding` and :func:`observe_fetch_failure` without knowing about any app. The
HTTP side — the request middleware, the database gauges and ``GET /metrics`` — is
:mod:`vitrina.api.metrics`.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "vitrina_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "vitrina_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
WEBHOOKS = Counter(
    "vitrina_webhook_events",
    "Product webhooks received, by outcome (created, updated, deleted, duplicate, stale, rejected).",
    ["outcome"],
)
EMBEDDING_SECONDS = Histogram(
    "vitrina_embedding_seconds",
    "Time to embed one batch of photos.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
EMBEDDED_PHOTOS = Counter("vitrina_embedded_photos", "Photos embedded.")
FETCH_FAILURES = Counter(
    "vitrina_photo_fetch_failures",
    "Photo downloads that failed, by reason (e.g. photo_not_found, photo_timeout).",
    ["reason"],
)

SEARCHES = Counter(
    "vitrina_searches",
    "Searches, by channel (page, similar, widget, api).",
    ["channel"],
)
NO_MATCH_SEARCHES = Counter(
    "vitrina_searches_no_match",
    "Searches whose best result did not reach the similar threshold, by channel.",
    ["channel"],
)
RESULT_CLICKS = Counter(
    "vitrina_result_clicks",
    "Clicks on search results that went to the product's page, by channel.",
    ["channel"],
)

LEADS = Counter(
    "vitrina_leads",
    "Customers' «Закажите похожий» requests, by event (created, sent, retried, failed).",
    ["event"],
)


def observe_webhook(outcome: str) -> None:
    """Count one webhook by what Vitrina did with it."""
    WEBHOOKS.labels(outcome=outcome).inc()


def observe_embedding(seconds: float, n: int) -> None:
    """Record one embedding batch of ``n`` photos that took ``seconds``."""
    EMBEDDING_SECONDS.observe(seconds)
    EMBEDDED_PHOTOS.inc(n)


def observe_fetch_failure(reason: str) -> None:
    """Count one failed photo download; ``reason`` is the error's code (``photo_not_found``…)."""
    FETCH_FAILURES.labels(reason=reason).inc()


def observe_search(channel: str, matched: bool) -> None:
    """Count one search, and whether nothing in the catalog looked like the photo."""
    SEARCHES.labels(channel=channel).inc()
    if not matched:
        NO_MATCH_SEARCHES.labels(channel=channel).inc()


def observe_click(channel: str) -> None:
    """Count one click on a result (``channel`` of its search, ``unknown`` when not known)."""
    RESULT_CLICKS.labels(channel=channel).inc()


def observe_lead(event: str) -> None:
    """Count a lead being created, forwarded (``sent``), retried or given up (``failed``)."""
    LEADS.labels(event=event).inc()
