"""Starting an app's services in order — database, worker, search, warm-up — without holding up
its first answer.

``vitrina serve`` hands the whole sequence to a background thread, so ``/healthz`` answers from
the process's first second (it took 7.7 s on a quiet machine and over 45 s under load when the
migrations, the model, the search process and the warm-up all ran before the first byte) and
``/readyz`` tells what is still missing. A database that cannot be reached is waited for: the
migrations run as soon as it answers, then the rest follows — no restart, no ``vitrina
migrate``. Apps built by tests and the demo (schema already migrated) start the database part
inline, as before, and only warm up in the background.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from sqlalchemy import exc

from vitrina.config import Settings
from vitrina.db import outage_reason
from vitrina.errors import VitrinaError
from vitrina.http.readiness import DATABASE, INDEX, MODEL
from vitrina.http.state import Services
from vitrina.integrations.bitrix.reconcile import start_reconcile_schedule
from vitrina.leads.sender import LeadSender
from vitrina.migrations import upgrade
from vitrina.runtime import build_worker
from vitrina.search.process import SearchProcess

log = logging.getLogger("vitrina.startup")
RETRY_S = 2.0  # between attempts to reach the database or warm the index
# What an unreachable database or a restarting search process raises.
EXPECTED = (exc.OperationalError, exc.InterfaceError, VitrinaError, OSError, EOFError)


class StartupStopped(Exception):
    """The app is stopping while it was still starting."""


class Startup:
    """One app's start-up; :meth:`stop` undoes what it did, whatever point it reached."""

    def __init__(
        self,
        settings: Settings,
        services: Services,
        *,
        run_worker: bool,
        migrate: bool,
        lead_sender: LeadSender | None = None,
    ) -> None:
        self.settings, self.services = settings, services
        self.run_worker, self.migrate = run_worker, migrate
        self.lead_sender = lead_sender  # started once its table exists, like the worker
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # a step starting vs. stop() tearing down
        self._stop_reconcile: Callable[[], None] | None = None
        self._thread: threading.Thread | None = None

    def begin(self) -> None:
        """Start: all of it in the background when migrating (``serve``), else the services
        inline (the schema is there) and the warm-up in the background."""
        if self.migrate:
            target = self._everything
        else:
            self.services.readiness.mark(DATABASE)
            self._start_services()
            target = self._warm
        self._thread = threading.Thread(
            target=self._guarded, args=(target,), name="vitrina-startup", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the start-up where it is, then whatever it had started (the lifespan's end)."""
        self._stopping.set()
        if self._thread is not None:
            # Briefly: a warm-up in progress (a model loading) is not waited for. Closing the
            # search process ends its call, and no step starts once stopping is set.
            self._thread.join(timeout=2)
        with self._lock:
            if self._stop_reconcile is not None:
                self._stop_reconcile()
            if self.services.worker is not None:
                self.services.worker.stop()
            if self.lead_sender is not None:
                self.lead_sender.stop()

    def _guarded(self, target: Callable[[], None]) -> None:
        with contextlib.suppress(StartupStopped):
            target()

    def _everything(self) -> None:
        self._until_done(DATABASE, self._migrate)
        self._start_services()
        self._warm()

    def _migrate(self) -> None:
        upgrade(self.services.engine)

    def _start_services(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                raise StartupStopped()
            if self.run_worker:
                assert self.services.indexing is not None
                self.services.worker = build_worker(self.settings, self.services.indexing)
                self.services.worker.start()
            self._stop_reconcile = start_reconcile_schedule(self.settings, self.services.sessions)
            if self.lead_sender is not None:
                self.lead_sender.start()
        if isinstance(self.services.search, SearchProcess):
            self.services.search.start()  # a second or two of imports

    def _warm(self) -> None:
        """Load the index, and the model where it is loaded anyway (a search process, a worker),
        now rather than in the first customer's search."""
        search = self.services.search
        if search is None:
            return
        model = isinstance(search, SearchProcess)  # on the API's threads the worker loads it
        self._until_done(INDEX, lambda: search.warm(model=model))
        # Without a worker or search process the model loads with the first search.
        self.services.readiness.mark(MODEL)

    def _until_done(self, part: str, step: Callable[[], None]) -> None:
        """Run ``step`` until it succeeds, waiting out an unreachable database; then ``part`` is
        ready. Each new reason is logged once, not at every attempt."""
        readiness, last = self.services.readiness, ""
        while True:
            if self._stopping.is_set():
                raise StartupStopped()
            try:
                step()
            except Exception as error:
                if self._stopping.is_set():  # cut short by the stop: not a failure
                    raise StartupStopped() from None
                reason = outage_reason(error)
                if reason != last:
                    expected = isinstance(error, EXPECTED)  # an outage, not a bug: no traceback
                    log.warning(
                        "%s not ready, retrying every %g s: %s",
                        part,
                        RETRY_S,
                        reason,
                        exc_info=not expected,
                    )
                    last = reason
                readiness.problem(part, reason)
            else:
                readiness.mark(part)
                if last:
                    log.warning("%s ready", part)
                return
            self._stopping.wait(RETRY_S)
