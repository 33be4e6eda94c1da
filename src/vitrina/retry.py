"""Retrying outbound HTTP and jobs politely: one reading of ``Retry-After``, one backoff rule,
one retry loop for the shop's clients (:class:`Retries`).

Every client Vitrina has (the photo fetcher, the Bitrix client, Vertex AI) and the job queue
wait the same way: exactly what the server asked for when it said (capped), otherwise
exponential backoff with "equal jitter" — never less than half the step, so retries spread out
without collapsing to zero.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T")

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


class Transient(Exception):
    """What one attempt of :meth:`Retries.run` raises when trying again may help: ``error`` is
    raised to the caller once the retries are spent; ``retry_after`` is the server's wish."""

    def __init__(self, error: Exception, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Retries:
    """How an outbound client retries: ``count`` more attempts after the first, waiting
    :func:`backoff_delay` between them. ``sleep`` is there so tests can watch the waits."""

    count: int = 4
    backoff: float = 0.5
    max_backoff: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def run(self, attempt: Callable[[int], T]) -> T:
        """``attempt(n)`` for n = 0, 1, … until it returns. A :class:`Transient` it raises is
        tried again after the wait; any other error goes to the caller at once."""
        n = 0
        while True:
            try:
                return attempt(n)
            except Transient as transient:
                if n >= self.count:
                    raise transient.error from None
                self.sleep(
                    backoff_delay(
                        n, base=self.backoff, cap=self.max_backoff, retry_after=transient.retry_after
                    )
                )
            n += 1
