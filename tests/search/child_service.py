"""A stand-in ``SearchService`` for tests of the search process's plumbing: the child imports
this module by name (multiprocessing's "spawn"), so it lives here rather than in a test."""

from __future__ import annotations

import logging
from typing import Any

from vitrina.config import Settings
from vitrina.errors import NotFound

log = logging.getLogger("vitrina.search")


class LoggingSearch:
    """Logs one line per search, then answers "not found" (an error that crosses as itself)."""

    def find(self, **query: Any) -> Any:
        log.warning("searching for product %s in the child", query.get("product_id"))
        raise NotFound("no such product")

    def warm(self, model: bool = False) -> None:
        """Nothing to load."""

    def close(self) -> None:
        """Nothing to save."""


def build(settings: Settings) -> Any:
    return LoggingSearch()
