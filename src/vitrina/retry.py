"""Retrying outbound HTTP and jobs politely: one reading of ``Retry-After``, one backoff rule.

Every client Vitrina has (the photo fetcher, the Bitrix client, Vertex AI) and the job queue
wait the same way: exactly what the server asked for when it said (capped), otherwise
exponential backoff with "equal jitter" — never less than half the step, so retries spread out
without collapsing to zero.
"""

from __future__ import annotations

import email.utils
import random
from datetime import UTC, datetime

MAX_RETRY_AFTER_S = 24 * 3600.0


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), capped at a
    day; ``None`` when absent or unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return min(max(0.0, float(value)), MAX_RETRY_AFTER_S)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def backoff_delay(
    attempt: int, *, base: float, cap: float, retry_after: float | None = None
) -> float:
    """The wait before retry number ``attempt`` (0 for the first retry)."""
    if retry_after is not None:
        return min(retry_after, cap)
    ceiling = min(cap, base * 2.0 ** max(attempt, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)
