"""What a starting process has ready — the database, the model, the index — for ``/readyz``.

Liveness and readiness are apart: ``/healthz`` answers as soon as the process serves, while
migrations, the model and the index load in the background; until the database is migrated every
other route answers 503 with ``Retry-After`` rather than an error from a half-built schema.
"""

from __future__ import annotations

import threading

from vitrina.errors import ServiceUnavailable

DATABASE, MODEL, INDEX = "database", "model", "index"
PARTS = (DATABASE, MODEL, INDEX)


class Starting(ServiceUnavailable):
    """Vitrina is starting (the database is being prepared); try again in a few seconds."""

    code = "starting"
    retry_after = 2.0


class Readiness:
    """Thread-safe record of which parts are ready, and why a part is not (its last error)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready: set[str] = set()
        self._problems: dict[str, str] = {}

    def mark(self, *parts: str) -> None:
        """``parts`` are ready."""
        with self._lock:
            self._ready.update(parts)
            for part in parts:
                self._problems.pop(part, None)

    def problem(self, part: str, reason: str) -> None:
        """``part`` is not ready yet, for ``reason`` (shown by ``/readyz``)."""
        with self._lock:
            self._problems[part] = reason

    def is_ready(self, part: str) -> bool:
        with self._lock:
            return part in self._ready

    def missing(self) -> dict[str, str]:
        """Each part not ready yet, with what it waits for."""
        with self._lock:
            return {
                part: self._problems.get(part, "starting")
                for part in PARTS
                if part not in self._ready
            }

    def require_database(self) -> None:
        """Raise :class:`Starting` until the database is migrated (every route but health)."""
        if not self.is_ready(DATABASE):
            raise Starting()
