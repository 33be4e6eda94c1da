"""The indexing worker: a few named threads that claim jobs, run them and record the outcome.

Threads rather than asyncio tasks: each job is blocking work (HTTP download, Pillow decode, ONNX
inference, database writes) and ONNX Runtime releases the GIL. Each thread is a three-stage
pipeline: while the model embeds one batch, a helper thread claims the next one and downloads,
decodes and describes its photos, and another writes the previous one, so the model rarely
waits for the network or the database. Stopping is graceful: the
stop event ends the loops after their current batch; jobs claimed but not finished at the
deadline are released back to the queue (and a process killed outright leaves leases that
expire).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from vitrina.db import database_errors, write_session
from vitrina.errors import VitrinaError
from vitrina.jobs import queue
from vitrina.jobs.batch import Batch, Claimed
from vitrina.jobs.reindex import Failure, IndexingContext, apply, embed, gather, plan
from vitrina.jobs.wakeups import watch_for_commits
from vitrina.logs import request_id_var

if TYPE_CHECKING:
    from vitrina.retention import Pruned

log = logging.getLogger("vitrina.worker")


class Worker:
    """Runs reindex jobs with ``concurrency`` threads until :meth:`stop`."""

    def __init__(
        self,
        ctx: IndexingContext,
        *,
        concurrency: int = 1,
        lease_s: float = 60.0,
        max_attempts: int = 6,
        poll_s: float = 0.25,
        batch_size: int = 16,
        retention_days: float = 0.0,
        prune: Callable[[Session, float], Pruned] | None = None,
        watch_commits: bool = False,
    ) -> None:
        self.ctx = ctx
        self.sessions: sessionmaker[Session] = ctx.sessions
        self.concurrency = max(1, concurrency)
        self.lease_s = lease_s
        self.max_attempts = max_attempts
        self.poll_s = poll_s
        self.batch_size = max(1, batch_size)
        self.retention_days = retention_days
        # Given by the process that builds the worker: history spans sync, jobs and search.
        self.prune = prune
        # In a process of its own (``vitrina worker``) no webhook route wakes it: on SQLite it
        # watches the database for commits instead (``jobs/wakeups.py``).
        self.watch_commits = watch_commits
        self._pruned_at = 0.0
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.wakeup = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # Jobs claimed and not yet finished or released, counted: a lease that lapsed can let
        # the claim-ahead take back a job this worker still holds in the current batch.
        self._held: Counter[int] = Counter()
        self._held_lock = threading.Lock()

    def start(self) -> None:
        """Start the worker threads (they also load the model, so the first job is not slow)."""
        for n in range(self.concurrency):
            thread = threading.Thread(target=self._loop, name=f"vitrina-worker-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        heartbeat = threading.Thread(target=self._heartbeat, name="vitrina-heartbeat", daemon=True)
        heartbeat.start()
        self._threads.append(heartbeat)
        if self.watch_commits:
            watcher = watch_for_commits(self.sessions.kw["bind"], self.wakeup.set, self._stop)
            if watcher is not None:
                self._threads.append(watcher)
        log.info("worker %s started with %d threads", self.worker_id, self.concurrency)

    def stop(self, timeout: float = 30.0) -> None:
        """Finish current jobs (up to ``timeout``), release what is still running, stop."""
        self._stop.set()
        self.wakeup.set()
        log.info("worker %s stopping: finishing the jobs in hand, no new ones", self.worker_id)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._held_lock:
            unfinished = sorted(+self._held)
        for job_id in unfinished:
            self._release(job_id)

    def run_until_idle(self, max_jobs: int | None = None) -> int:
        """Run due jobs in this thread until none is left; returns how many ran (CLI, tests)."""
        ran = 0
        while max_jobs is None or ran < max_jobs:
            if not self.run_one():
                return ran
            ran += 1
        return ran

    def _loop(self) -> None:
        try:
            self.ctx.embedder.load()
        except VitrinaError as exc:
            log.error("the embedder failed to load: %s", exc.message)
        name = threading.current_thread().name
        ahead: Future[Batch | None] | None = None
        with (
            ThreadPoolExecutor(1, thread_name_prefix=f"{name}-download") as downloads,
            ThreadPoolExecutor(1, thread_name_prefix=f"{name}-write") as writes,
        ):
            while not self._stop.is_set():
                try:
                    claimed, ahead = ahead, None  # a failed claim is not awaited twice
                    batch = claimed.result() if claimed is not None else self._claim_and_gather()
                    if batch is not None:
                        try:
                            if not self._stop.is_set():  # a stopping worker takes no new jobs
                                # The next batch downloads while this one is embedded.
                                ahead = downloads.submit(self._claim_and_gather)
                        finally:
                            # Written behind: the model starts on the next batch meanwhile.
                            self._finish(batch, writes)
                except VitrinaError as exc:  # the database went away: wait and try again
                    log.warning("worker loop: %s", exc.message)
                    batch = None
                    self._stop.wait(1.0)
                except Exception:
                    log.exception("worker loop crashed; continuing")
                    batch = None
                    self._stop.wait(1.0)
                if batch is None:
                    self.wakeup.wait(self.poll_s)
                    self.wakeup.clear()
            if ahead is not None:
                self._release_ahead(ahead)

    def _release_ahead(self, ahead: Future[Batch | None]) -> None:
        """At stop, the batch claimed in advance: finished if its photos are in hand (the
        download is paid for), else given back to the queue."""
        try:
            batch = ahead.result()
        except Exception:  # the claim failed: nothing was claimed
            return
        if batch is None:
            return
        if batch.error is None:
            self._finish(batch)
            return
        for job in batch.jobs:
            self._release(job.job_id)
        self._forget(batch.jobs)

    def _release(self, job_id: int) -> None:
        """Give a job back at shutdown; with the database away, its lease expires instead."""
        try:
            with database_errors(), write_session(self.sessions) as session:
                queue.release(session, job_id, self.worker_id)
        except VitrinaError as exc:
            log.warning("job %s not released (%s); its lease will expire", job_id, exc.message)
            return
        log.warning("released job %s at shutdown", job_id)

    def _heartbeat(self) -> None:
        """Extend the leases of the jobs in hand, so a slow batch (a slow shop server) is not
        taken over by another worker while it is still being worked on."""
        while not self._stop.wait(self.lease_s / 3):
            self._prune_hourly()
            with self._held_lock:
                held = sorted(+self._held)
            if not held:
                continue
            try:
                with database_errors(), write_session(self.sessions) as session:
                    queue.extend_leases(session, self.worker_id, held, self.lease_s)
            except VitrinaError as exc:
                log.warning("heartbeat: %s", exc.message)

    def _prune_hourly(self) -> None:
        if self.prune is None or self.retention_days <= 0:
            return
        if time.monotonic() - self._pruned_at < 3600:
            return
        self._pruned_at = time.monotonic()
        try:
            with database_errors(), write_session(self.sessions) as session:
                pruned = self.prune(session, self.retention_days)
            log.info(
                "pruned %d events, %d finished jobs and %d search records older than %g days",
                pruned.events,
                pruned.jobs,
                pruned.searches,
                self.retention_days,
            )
        except VitrinaError as exc:
            log.warning("pruning: %s", exc.message)

    def run_one(self) -> bool:
        """Claim a batch of due jobs and run it in this thread; ``False`` when nothing was due."""
        batch = self._claim_and_gather()
        if batch is None:
            return False
        self._finish(batch)
        return True

    def _claim_and_gather(self) -> Batch | None:
        """Claim due jobs and download their photos; ``None`` when nothing was due.

        A failure after the claim is kept in the batch, so :meth:`_finish` records it on the
        jobs instead of leaving them running until their leases expire.
        """
        if self._stop.is_set():
            return None
        with database_errors(), self.sessions() as session:
            if not queue.anything_due(session):
                return None
        with database_errors(), write_session(self.sessions) as session:
            claimed = [
                Claimed(job.id, job.product_id, job.request_id, job.started_at)
                for job in queue.claim(session, self.worker_id, self.lease_s, limit=self.batch_size)
            ]
            # The products are read in the claim's transaction: one begin and commit fewer on
            # the way from a webhook to a searchable photo. Claimed, they change only by a
            # newer change, which queues a newer job.
            works = (
                plan(session.connection(), self.ctx.embedder.name, [j.product_id for j in claimed])
                if claimed
                else []
            )
        if not claimed:
            return None
        with self._held_lock:
            self._held.update(job.job_id for job in claimed)
        started = time.perf_counter()
        try:
            gather(self.ctx, works)
            return Batch(claimed, works, None, started)
        except Exception as exc:
            return Batch(claimed, [], exc, started)

    def _forget(self, jobs: list[Claimed]) -> None:
        with self._held_lock:
            self._held.subtract(job.job_id for job in jobs)
            self._held = +self._held  # drop the ids no batch holds any more

    def _finish(self, batch: Batch, writes: ThreadPoolExecutor | None = None) -> None:
        """Embed the batch in this thread, then write it: on ``writes`` when given (the loop's
        writer, so the model goes on with the next batch meanwhile), else here."""
        if batch.error is None:
            try:
                embed(self.ctx, batch.works)
            except Exception as exc:  # recorded on the jobs by the write, like a failed download
                batch = batch._replace(error=exc)
        if writes is None:
            self._write(batch)
        else:
            writes.submit(self._write, batch)

    def _write(self, batch: Batch) -> None:
        try:
            self._execute(batch)
        except Exception:  # the database went away while failing the jobs: their leases expire
            log.exception("the outcome of %d jobs was not recorded", len(batch.jobs))
        finally:
            self._forget(batch.jobs)

    def _execute(self, batch: Batch) -> None:
        """Write the embedded batch's vectors and job outcomes in one transaction."""
        claimed = batch.jobs
        try:
            if batch.error is not None:
                raise batch.error
            with write_session(self.sessions) as session:
                results = apply(session, self.ctx, batch.works)
                done = []
                for job in claimed:
                    result = results[job.product_id]
                    if isinstance(result, Failure):
                        queue.fail(
                            session,
                            job.job_id,
                            self.worker_id,
                            result.message,
                            permanent=result.permanent,
                            max_attempts=self.max_attempts,
                            retry_after=result.retry_after,
                        )
                    else:
                        done.append((job.job_id, result, job.started_at))
                queue.complete(session, self.worker_id, done)
        except VitrinaError as exc:  # the model or the database failed: the whole batch retries
            for job in claimed:
                self._fail(
                    job.job_id,
                    job.request_id,
                    exc.message,
                    permanent=exc.permanent,
                    retry_after=exc.retry_after,
                )
            return
        except Exception as exc:
            log.exception("batch of %d jobs crashed", len(claimed), exc_info=exc)
            for job in claimed:
                self._fail(
                    job.job_id,
                    job.request_id,
                    f"internal error: {exc!r}",
                    permanent=False,
                    retry_after=None,
                )
            return
        elapsed_ms = (time.perf_counter() - batch.started) * 1000
        for job in claimed:
            result = results[job.product_id]
            token = request_id_var.set(job.request_id)  # the webhook's id follows into the job log
            try:
                extra = {"job_id": job.job_id, "product_id": job.product_id}
                if isinstance(result, Failure):
                    log.warning(
                        "job %s product %s failed: %s",
                        job.job_id,
                        job.product_id,
                        result.message,
                        extra=extra,
                    )
                else:
                    log.info(
                        "job %s product %s: %s (batch of %d, %.0f ms)",
                        job.job_id,
                        job.product_id,
                        result,
                        len(claimed),
                        elapsed_ms,
                        extra=extra,
                    )
            finally:
                request_id_var.reset(token)

    def _fail(
        self,
        job_id: int,
        request_id: str | None,
        error: str,
        *,
        permanent: bool,
        retry_after: float | None,
    ) -> None:
        with write_session(self.sessions) as session:
            decision = queue.fail(
                session,
                job_id,
                self.worker_id,
                error,
                permanent=permanent,
                max_attempts=self.max_attempts,
                retry_after=retry_after,
            )
        token = request_id_var.set(request_id)
        try:
            log.warning(
                "job %s failed (%s): %s",
                job_id,
                decision.state if decision else "lease lost",
                error,
                extra={"job_id": job_id},
            )
        finally:
            request_id_var.reset(token)
