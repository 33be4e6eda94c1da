"""A per-client token bucket: a flood gets 429 + Retry-After instead of errors."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """``rate`` requests per second per source with bursts up to ``burst``; in-process memory.

    One Vitrina process per shop is the embedded default; several processes each enforce their
    own share, which is what a per-instance safety valve should do.
    """

    def __init__(self, rate: float, burst: int, *, max_sources: int = 10_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_sources = max_sources
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, source: str, now: float | None = None) -> float | None:
        """Take one token; ``None`` when allowed, else the seconds until one is available."""
        return self._take(source, now, take=True)

    def peek(self, source: str, now: float | None = None) -> float | None:
        """Whether ``source`` has a token, without taking it (the login limiter charges only
        failed attempts): ``None`` when it has, else the seconds until it will."""
        return self._take(source, now, take=False)

    def _take(self, source: str, now: float | None, *, take: bool) -> float | None:
        if self.rate <= 0:
            return None
        now = time.monotonic() if now is None else now
        with self._lock:
            bucket = self._buckets.get(source)
            if bucket is None:
                if len(self._buckets) >= self.max_sources:
                    self._buckets.clear()  # crude but bounded: forget everyone, start fresh
                bucket = self._buckets[source] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                if take:
                    bucket.tokens -= 1.0
                return None
            return (1.0 - bucket.tokens) / self.rate
