"""Workers as separate processes: a kill -9 loses nothing; two workers on PostgreSQL never share a job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.eventually import eventually
from tests.support.photos import jpeg, photo_server, sample_photos
from tests.support.postgres import migrated_database, start_server
from tests.support.webhooks import sample_product
from vitrina.catalog.repository import upsert_product
from vitrina.db import make_engine, make_sessionmaker, write_session
from vitrina.ingest.bitrix_format import parse_product
from vitrina.jobs.models import Job
from vitrina.jobs.queue import enqueue_reindex
from vitrina.vectors.models import ImageVector


def start_worker(
    database_url: str, model_dir: Path, log: Path | None = None, **env: str
) -> subprocess.Popen[bytes]:
    """``vitrina worker`` in its own process; its logs (plain text) go to ``log`` if given."""
    return subprocess.Popen(
        [sys.executable, "-m", "vitrina.cli", "worker"],
        env={
            **os.environ,
            "VITRINA_DATABASE_URL": database_url,
            "VITRINA_MODEL_DIR": str(model_dir),
            "VITRINA_IMAGE_HOSTS_ALLOW": "127.0.0.1",
            "VITRINA_LOG_JSON": "false",
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab") if log is not None else subprocess.DEVNULL,
    )


def add_products(database_url: str, urls: dict[int, str]) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    with write_session(sessions) as session:
        for pid, url in urls.items():
            upsert_product(
                session.connection(), 1, parse_product(sample_product(id=pid, image=url, images=[url]))
            )
            enqueue_reindex(session.connection(), pid, 1)
    engine.dispose()


def wait_for(database_url: str, predicate, timeout: float = 120.0):  # type: ignore[no-untyped-def]
    """Until ``predicate(session)`` is truthy on a fresh read of the database; returns it."""
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)

    def check():  # type: ignore[no-untyped-def]
        with sessions() as session:
            return predicate(session)

    try:
        return eventually(check, timeout=timeout, what="the worker's database state")
    finally:
        engine.dispose()


def wait_until_downloading(database_url: str, server, product_id: int) -> None:  # type: ignore[no-untyped-def]
    """Until the worker is fetching ``/slow.jpg`` for the running job of ``product_id``."""
    wait_for(
        database_url,
        lambda s: (
            server.hits["/slow.jpg"] >= 1
            and s.scalar(select(Job.state).where(Job.product_id == product_id)) == "running"
        ),
    )


def test_kill_9_mid_job_then_the_job_completes(sqlite_url, model_dir):
    photos = sample_photos()
    with photo_server() as server:
        url = server.add("/slow.jpg", jpeg(photos["coffee"]))
        download = server.hold("/slow.jpg")  # the first worker dies while downloading
        add_products(sqlite_url, {1: url})
        first = start_worker(sqlite_url, model_dir, VITRINA_JOB_LEASE_S="2")
        wait_until_downloading(sqlite_url, server, 1)
        first.send_signal(signal.SIGKILL)
        first.wait()
        download.set()
        second = start_worker(sqlite_url, model_dir, VITRINA_JOB_LEASE_S="2")
        try:
            job = wait_for(
                sqlite_url,
                lambda s: s.scalars(
                    select(Job).where(Job.product_id == 1, Job.state == "done")
                ).first(),
            )
            assert job.attempts == 2
            vectors = wait_for(sqlite_url, lambda s: s.scalars(select(ImageVector)).all())
            assert [v.product_id for v in vectors] == [1]
        finally:
            second.terminate()
            second.wait(30)
        assert second.returncode == 0  # SIGTERM is a graceful stop


@pytest.mark.postgres
def test_two_workers_on_postgres_do_every_job_exactly_once(postgres, model_dir):
    database_url = postgres.fresh_database()
    photos = list(sample_photos().values())
    with photo_server() as server:
        urls = {
            pid: server.add(f"/p{pid}.jpg", jpeg(photos[pid % len(photos)].rotate(pid)))
            for pid in range(1, 25)
        }
        add_products(database_url, urls)
        workers = [
            start_worker(database_url, model_dir, VITRINA_WORKER_CONCURRENCY="2") for _ in range(2)
        ]
        try:
            wait_for(
                database_url,
                lambda s: len(s.scalars(select(Job).where(Job.state == "done")).all()) == len(urls),
            )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(30)
        assert all(server.hits[f"/p{pid}.jpg"] == 1 for pid in urls), server.hits
        engine = make_engine(database_url)
        with make_sessionmaker(engine)() as session:
            jobs = session.scalars(select(Job)).all()
            assert sorted(j.product_id for j in jobs) == sorted(urls)
            assert all(j.attempts == 1 for j in jobs)
        engine.dispose()


def test_heartbeat_keeps_a_slow_job_from_being_taken_over(sqlite_url, model_dir):
    photos = sample_photos()
    with photo_server() as server:
        url = server.add("/slow.jpg", jpeg(photos["rocket"]))
        server.delay_s["/slow.jpg"] = 4.0  # longer than the lease: only the heartbeat saves it
        add_products(sqlite_url, {7: url})
        workers = [start_worker(sqlite_url, model_dir, VITRINA_JOB_LEASE_S="1.5") for _ in range(2)]
        try:
            job = wait_for(
                sqlite_url,
                lambda s: s.scalars(
                    select(Job).where(Job.product_id == 7, Job.state == "done")
                ).first(),
            )
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(30)
        assert job.attempts == 1
        assert server.hits["/slow.jpg"] == 1


def test_sigterm_finishes_the_batch_in_hand_and_takes_no_new_jobs(sqlite_url, model_dir, tmp_path):
    """Batches of one: job 1 is embedded while job 2 downloads (slowly) in advance; SIGTERM then
    lets job 2 finish, and job 3 stays queued for the next worker, its attempt not spent."""
    log = tmp_path / "worker.log"
    photos = sample_photos()
    with photo_server() as server:
        urls = {
            1: server.add("/p1.jpg", jpeg(photos["coffee"])),
            2: server.add("/slow.jpg", jpeg(photos["rocket"])),
            3: server.add("/p3.jpg", jpeg(photos["chelsea"])),
        }
        download = server.hold("/slow.jpg")
        add_products(sqlite_url, urls)
        worker = start_worker(sqlite_url, model_dir, log, VITRINA_WORKER_BATCH="1")
        try:
            wait_until_downloading(sqlite_url, server, 2)
            worker.send_signal(signal.SIGTERM)
            # Job 2's download ends only once the worker has heard it: on a busy machine the
            # download thread could otherwise finish before the signal handler runs.
            eventually(lambda: "stopping" in log.read_text(), what="the worker hears SIGTERM")
            download.set()
            assert worker.wait(30) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
        engine = make_engine(sqlite_url)
        with make_sessionmaker(engine)() as session:
            jobs = {job.product_id: job for job in session.scalars(select(Job))}
            vectors = session.scalars(select(ImageVector.product_id)).all()
        engine.dispose()
        assert (jobs[1].state, jobs[2].state) == ("done", "done")
        assert (jobs[3].state, jobs[3].attempts) == ("pending", 0)
        assert sorted(vectors) == [1, 2]
        assert server.hits["/p3.jpg"] == 0


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc/PID/task")
def test_sigterm_taken_by_another_thread_still_stops_the_worker(sqlite_url, model_dir, tmp_path):
    """The kernel may hand SIGTERM to any thread of the process (the model's, a download's);
    Python runs its handler only on the main thread, so a worker waiting without a timeout
    never heard it and was killed by systemd's SIGKILL instead of stopping cleanly."""
    log = tmp_path / "worker.log"
    worker = start_worker(sqlite_url, model_dir, log)
    try:
        eventually(lambda: "started" in log.read_text(), what="the worker starts")
        tasks = Path(f"/proc/{worker.pid}/task").iterdir()
        other = max(int(t.name) for t in tasks if int(t.name) != worker.pid)
        os.kill(other, signal.SIGTERM)  # kill(2) on a thread's id: that thread takes it
        assert worker.wait(30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert "stopping" in log.read_text()


@pytest.mark.postgres
def test_a_worker_started_before_postgresql_migrates_and_works_once_it_is_up(
    tmp_path, model_dir, pgdata
):
    """Compose ordering, a failover: the worker waits for the database (no crash, no restart
    loop), migrates it, and takes the jobs queued after."""
    pg = start_server(pgdata)
    host = pg.get_uri().split("host=")[1]
    pg.cleanup()
    url = f"postgresql+psycopg://postgres@/postgres?host={host}"
    log = tmp_path / "worker.log"
    with photo_server() as server:
        worker = start_worker(url, model_dir, log)
        try:
            eventually(lambda: "database not ready" in log.read_text(), what="the worker waiting")
            pg = start_server(pgdata)
            eventually(lambda: "started with" in log.read_text(), what="the worker's start")
            add_products(url, {1: server.add("/p1.jpg", jpeg(sample_photos()["coffee"]))})
            wait_for(url, lambda s: s.scalar(select(ImageVector.product_id)) == 1)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
            pg.cleanup()
    assert "Traceback" not in log.read_text()


@pytest.mark.postgres
def test_a_worker_carries_on_after_postgresql_restarts_mid_batch(tmp_path, model_dir, pgdata):
    """PostgreSQL stops while job 1 downloads: writing its outcome and claiming the next batch
    both fail. Once the database is back, every job is done and nothing is lost."""
    pg = start_server(pgdata)
    url = migrated_database(pg, "worker_restart")
    photos = sample_photos()
    with photo_server() as server:
        urls = {
            1: server.add("/slow.jpg", jpeg(photos["rocket"])),
            2: server.add("/p2.jpg", jpeg(photos["coffee"])),
        }
        download = server.hold("/slow.jpg")
        add_products(url, urls)
        log = tmp_path / "worker.log"
        worker = start_worker(
            url, model_dir, log, VITRINA_WORKER_BATCH="1", VITRINA_JOB_LEASE_S="3"
        )
        try:
            wait_until_downloading(url, server, 1)
            pg.cleanup()  # stop PostgreSQL under the running worker
            download.set()
            # The download ends; job 1's outcome and then the next claim meet no database.
            eventually(lambda: "worker loop:" in log.read_text(), what="a claim without database")
            pg = start_server(pgdata)
            wait_for(
                url,
                lambda s: s.scalars(select(Job).where(Job.state == "done")).all()[1:],
                timeout=90,
            )
            engine = make_engine(url)
            with make_sessionmaker(engine)() as session:
                vectors = session.scalars(select(ImageVector.product_id)).all()
            engine.dispose()
            assert sorted(vectors) == [1, 2]
        finally:
            worker.terminate()
            worker.wait(30)
            pg.cleanup()
