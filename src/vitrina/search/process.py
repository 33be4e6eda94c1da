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
dies, the searches in flight answer 503 and a new process is started and warmed in the background
(retried while the database is down). A search that takes longer than
``VITRINA_SEARCH_DEADLINE_S`` means a wedged child: it is killed and replaced, and the customer gets
a 503. ``warm`` has no deadline (a first build of the index takes minutes at 100k photos); ``close``
reaches the child, so its index saves its file at every clean stop.
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
from vitrina.db import database_errors
from vitrina.errors import ServiceUnavailable
from vitrina.logs import JsonFormatter, configure_logging, request_id_var
from vitrina.search.schemas import SearchResponse
from vitrina.search.service import SearchService

log = logging.getLogger("vitrina.search")

# The search process's niceness above the API's: the CPU scheduler then gives a webhook's few
# milliseconds precedence over a search's hundred, which it hardly delays.
NICE = 5
CLOSE_TIMEOUT_S = 30.0  # for the child to save its index at a clean stop
REWARM_RETRY_S = 2.0  # between attempts to warm a respawned child (the database may be down)


class SearchRestarting(ServiceUnavailable):
    """Search is restarting; try again in a few seconds."""

    code = "search_restarting"
    retry_after = 2.0


class _ChildSearch:
    """What the search process serves: ``find``, ``warm`` and ``close`` of its ``SearchService``,
    nothing else (the proxy is built from these names alone, so creating it reads no attribute
    that queries the database), with a database outage answered as a 503 the API passes on."""

    def __init__(self, service: SearchService) -> None:
        self._service = service

    def find(self, request_id: str | None = None, **query: Any) -> SearchResponse:
        token = request_id_var.set(request_id)  # the child's log lines carry the request's id
        try:
            with database_errors():
                return self._service.find(**query)
        finally:
            request_id_var.reset(token)

    def warm(self, model: bool = False) -> None:
        with database_errors():
            self._service.warm(model=model)

    def close(self) -> None:
        self._service.close()


def _make_service(build: Callable[[Settings], SearchService], settings: Settings) -> _ChildSearch:
    return _ChildSearch(build(settings))


class _Manager(BaseManager):
    """Serves the ``SearchService`` that ``build`` makes in the child."""


_Manager.register("Search", callable=_make_service, exposed=("find", "warm", "close"))


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


def _end(manager: BaseManager) -> None:
    """Kill a lost or wedged search process and reap it (no zombie left behind)."""
    process = _process(manager)
    if process.is_alive():
        process.kill()
    process.join(5)


def _close_child(remote: Any) -> None:
    try:
        remote.close()
    except Exception as error:  # the child is gone or failing: nothing left to save
        log.warning("the search process could not close its index: %s", error)


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
        self._closed = threading.Event()
        self._warm_model = False  # what the last warm asked for: a respawned child gets the same
        self._rewarming = False

    def start(self) -> None:
        """Start the search process (a second or two of imports); idempotent."""
        self._connected()

    def _connected(self) -> tuple[Any, _Manager]:
        """The service in the search process and its manager, starting one if there is none."""
        with self._lock:
            if self._closed.is_set():
                raise SearchRestarting("Search is stopping with the server.")
            if self._remote is None or self._manager is None:
                self._spawn()
            assert self._manager is not None
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
        first search. No deadline: a first build of the index can take minutes."""
        self._warm_model = model
        self._call("warm", None, model=model)

    def find(self, *, started: float | None = None, **query: Any) -> SearchResponse:
        """``SearchService.find`` in the search process; the time includes the hand-over."""
        started = time.perf_counter() if started is None else started
        response: SearchResponse = self._call(
            "find", self.settings.search_deadline_s, request_id=request_id_var.get(), **query
        )
        response.search_time_ms = round((time.perf_counter() - started) * 1000, 2)
        return response

    def _call(self, method: str, deadline: float | None, **kwargs: Any) -> Any:
        remote, manager = self._connected()
        watchdog = None
        if deadline is not None:  # past it the child is wedged: killed, so the call below ends
            watchdog = threading.Timer(deadline, self._wedged, args=(manager, method, deadline))
            watchdog.daemon = True
            watchdog.start()
        try:
            return getattr(remote, method)(**kwargs)
        except (EOFError, OSError) as error:
            if self._closed.is_set():  # closed under a call in flight (a warm-up at shutdown)
                raise SearchRestarting("Search is stopping with the server.") from None
            # A broken connection is a lost child, whatever is_alive() says a moment after its
            # death; another OSError from a live child is the search's own error.
            if not isinstance(error, EOFError | ConnectionError) and _process(manager).is_alive():
                raise
            self._lost(manager, f"the search process has stopped ({error!r})")
            raise SearchRestarting() from None  # _lost logged why, in one line
        finally:
            if watchdog is not None:
                watchdog.cancel()

    def _wedged(self, manager: _Manager, method: str, deadline: float) -> None:
        self._lost(manager, f"the search process did not answer {method} within {deadline:g} s")

    def _lost(self, manager: _Manager, reason: str) -> None:
        """Forget a dead or wedged child, end it, and start and warm a new one in the background."""
        with self._lock:
            if self._manager is not manager:  # already replaced by another caller
                return
            self._manager, self._remote = None, None
            rewarm = not self._rewarming and not self._closed.is_set()
            self._rewarming = self._rewarming or rewarm
        log.error("%s; starting a new one", reason)
        _end(manager)
        if rewarm:
            threading.Thread(target=self._rewarm, name="vitrina-search-rewarm", daemon=True).start()

    def _rewarm(self) -> None:
        """Start and warm a new child, retrying while the database (or the child) is down."""
        last = ""
        try:
            while not self._closed.is_set():
                try:
                    self.warm(model=self._warm_model)
                    log.info("search process replaced and warmed")
                    return
                except Exception as error:
                    if repr(error) != last:  # one line per kind of failure, not one per retry
                        log.warning("the new search process is not warm yet, retrying every "
                                    "%g s: %s", REWARM_RETRY_S, error)
                        last = repr(error)
                self._closed.wait(REWARM_RETRY_S)
        finally:
            with self._lock:
                self._rewarming = False

    def close(self) -> None:
        """Close the child's service first (its index saves its file), then stop the child."""
        with self._lock:
            self._closed.set()
            manager, remote = self._manager, self._remote
            self._manager, self._remote = None, None
        if remote is not None:
            # In a thread of its own, waited for a bounded time: a wedged child must not hold
            # up the server's stop forever.
            closing = threading.Thread(target=_close_child, args=(remote,), daemon=True)
            closing.start()
            closing.join(CLOSE_TIMEOUT_S)
        if manager is not None:
            manager.shutdown()
