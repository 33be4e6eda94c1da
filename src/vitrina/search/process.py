"""Search in a process of its own, so customers' searches never hold the API process's GIL.

Why: a search costs ~100 ms of CPU and much of it is Python (ranking, verification, the
database join). Run on the API's threads, four customers searching held the GIL more than half
the time, and every webhook — the shop manager's save in Bitrix waits for it — queued behind
them for each step it took: p99 164 ms under search load against 34 ms alone
(``benchmarks/mixed_load.py``). In its own process the search competes only for the CPU, where
the kernel schedules fairly, and at a lower priority (``NICE``): a webhook takes a few
milliseconds and preempts it, and a search barely notices.

The mechanism is the standard library's multiprocessing manager: a server process holding one
``SearchService``, serving each calling thread on a connection and thread of its own, so
searches still run side by side (``VITRINA_SEARCH_CONCURRENCY`` bounds the embeddings inside).
A request crosses the boundary once (``SearchService.find``): the photo's bytes in, the answer
out. Errors raised by the search (not found, bad photo) come back as themselves. If the process
dies, the searches in flight answer 503 and the next one starts a new process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from multiprocessing.managers import BaseManager
from typing import Any, cast

from vitrina.config import Settings
from vitrina.errors import ServiceUnavailable
from vitrina.logs import JsonFormatter, configure_logging
from vitrina.search.schemas import SearchResponse
from vitrina.search.service import SearchService

log = logging.getLogger("vitrina.search")

# The search process's niceness above the API's: the CPU scheduler then gives a webhook's few
# milliseconds precedence over a search's hundred, which it hardly delays.
NICE = 5


class SearchRestarting(ServiceUnavailable):
    """Search is restarting; try again in a few seconds."""

    code = "search_restarting"
    retry_after = 2.0


def _make_service(build: Callable[[Settings], SearchService], settings: Settings) -> SearchService:
    return build(settings)


class _Manager(BaseManager):
    """Serves the ``SearchService`` that ``build`` makes in the child."""


_Manager.register("Search", callable=_make_service)


def _start_child(nice: int, log_level: int, json_logs: bool | None) -> None:
    """In the search process, before it serves: log as the parent does, lower its priority and
    exit with the parent (a killed API process must not leave an orphan holding the index)."""
    configure_logging(logging.getLevelName(log_level), json_logs=json_logs)
    if nice:
        os.nice(nice)
    parent = multiprocessing.parent_process()
    if parent is not None:
        sentinel = parent.sentinel

        def exit_with_parent() -> None:
            wait([sentinel])
            os._exit(0)

        threading.Thread(target=exit_with_parent, name="vitrina-parent-watch", daemon=True).start()


def _process(manager: BaseManager) -> multiprocessing.process.BaseProcess:
    """The manager's server process (``BaseManager`` keeps it without a public accessor)."""
    process: multiprocessing.process.BaseProcess = cast(Any, manager)._process
    return process


class SearchProcess:
    """``SearchService.find`` run in a child process; the API holds this in its place.

    ``build`` makes the service in the child from the settings: a module-level function, since
    the child imports it by name (``vitrina.runtime.build_search_service``).
    """

    def __init__(
        self,
        settings: Settings,
        build: Callable[[Settings], SearchService],
        embedder_name: str,
        nice: int = NICE,
    ) -> None:
        self.settings = settings
        self.embedder_name = embedder_name
        self._build = build
        self._nice = nice
        self._lock = threading.Lock()
        self._manager: _Manager | None = None
        self._remote: Any = None

    def start(self) -> None:
        """Start the search process (a second or two of imports); idempotent."""
        self._connected()

    def _connected(self) -> tuple[Any, _Manager | None]:
        """The service in the search process and its manager, starting one if there is none."""
        with self._lock:
            if self._remote is None:
                self._spawn()
            return self._remote, self._manager

    def _spawn(self) -> None:
        # "spawn": the API process has threads (and a loaded model), which fork would copy
        # in whatever state they were in.
        manager = _Manager(ctx=multiprocessing.get_context("spawn"))
        root = logging.getLogger()
        json_logs = (
            isinstance(root.handlers[0].formatter, JsonFormatter) if root.handlers else None
        )
        started = time.perf_counter()
        manager.start(initializer=_start_child, initargs=(self._nice, root.level, json_logs))
        remote = cast(Any, manager).Search(self._build, self.settings)
        log.info(
            "search process %s ready in %.1f s", _process(manager).pid, time.perf_counter() - started
        )
        self._manager, self._remote = manager, remote

    def warm(self, model: bool = False) -> None:
        """Load the index (and with ``model`` the model) in the search process now, not in the
        first search."""
        self._call("warm", model=model)

    def find(self, *, started: float | None = None, **query: Any) -> SearchResponse:
        """``SearchService.find`` in the search process; the time includes the hand-over."""
        started = time.perf_counter() if started is None else started
        response: SearchResponse = self._call("find", **query)
        response.search_time_ms = round((time.perf_counter() - started) * 1000, 2)
        return response

    def _call(self, method: str, **kwargs: Any) -> Any:
        remote, manager = self._connected()
        try:
            return getattr(remote, method)(**kwargs)
        except (EOFError, OSError) as error:
            if manager is not None and _process(manager).is_alive():
                raise
            self._forget(manager)
            log.error("the search process has stopped (%s); starting a new one", error)
            raise SearchRestarting() from error

    def _forget(self, manager: _Manager | None) -> None:
        with self._lock:
            if self._manager is manager:
                self._manager, self._remote = None, None

    def close(self) -> None:
        with self._lock:
            manager, self._manager, self._remote = self._manager, None, None
        if manager is not None:
            manager.shutdown()
