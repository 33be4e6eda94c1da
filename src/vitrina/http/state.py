"""What the app builds at start-up and every request reaches through ``request.app.state``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from vitrina.config import Settings
from vitrina.errors import ServiceUnavailable
from vitrina.http.ratelimit import TokenBucketLimiter
from vitrina.http.readiness import Readiness

if TYPE_CHECKING:
    from vitrina.images.fetch import HttpPhotoFetcher
    from vitrina.jobs.reindex import IndexingContext
    from vitrina.jobs.worker import Worker
    from vitrina.search.searcher import Searcher


@dataclass
class Services:
    """The long-lived objects of one app instance; built in the lifespan, never at import.

    ``writer`` runs the webhook's write transactions: one thread on SQLite (it admits one writer
    anyway, so requests queue in order instead of contending for its lock), more on PostgreSQL.
    """

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    limiter: TokenBucketLimiter
    writer: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1))
    # Dashboard logins per client address: a burst of 5, then one every 10 s — guessing the
    # admin token over HTTP becomes hopeless while a person who mistypes is barely slowed.
    login_limiter: TokenBucketLimiter = field(
        default_factory=lambda: TokenBucketLimiter(rate=0.1, burst=5)
    )
    # Searches per client address (VITRINA_SEARCH_RATE_LIMIT / _BURST; rate 0 turns it off).
    search_limiter: TokenBucketLimiter = field(
        default_factory=lambda: TokenBucketLimiter(rate=0, burst=1)
    )
    search: Searcher | None = None
    indexing: IndexingContext | None = None
    fetcher: HttpPhotoFetcher | None = None
    worker: Worker | None = None
    # What has finished starting (the database, the model, the index), for /readyz.
    readiness: Readiness = field(default_factory=Readiness)

    @property
    def embedder_name(self) -> str:
        """The model whose vectors this app searches and counts (the one it embeds with)."""
        return self.search.embedder_name if self.search is not None else self.settings.embedder

    def searcher(self) -> Searcher:
        """What the search routes search with; 503 in a process built without search."""
        if self.search is None:
            raise ServiceUnavailable("Search is not available in this process.")
        return self.search

    def wake_worker(self) -> None:
        """Let the embedded worker (if any) claim new jobs now rather than at its next poll."""
        if self.worker is not None:
            self.worker.wakeup.set()
