"""MariaDB under the Bitrix stand-in: a private server for the test session.

Real Bitrix runs on MySQL/MariaDB, whose parser refuses what SQLite lets through (``IN ()``),
returns every value as a string and compares text case-insensitively. The stand-in uses the
server when ``VITRINA_STANDIN_MYSQL`` names its socket (one database per stand-in site), so the
module's PHP tests and the end-to-end tests run against the real thing. The server lives in a
temporary data directory, listens only on a socket, and runs as the current user (``--user``
too, since tests may run as root).
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.tooling import STRICT

ENV = "VITRINA_STANDIN_MYSQL"
PACKAGES = "mariadb-server php-mysql"


def _server_binary() -> str | None:
    for name in ("mariadbd", "mysqld"):
        for found in (shutil.which(name), f"/usr/sbin/{name}"):
            if found and os.access(found, os.X_OK):
                return found
    return None


def _install_db_binary(server: str) -> list[str]:
    for name in ("mariadb-install-db", "mysql_install_db"):
        found = shutil.which(name) or (
            f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None
        )
        if found:
            return [found]
    return [server, "--initialize-insecure"]  # MySQL's own way


def _php_has_pdo_mysql() -> bool:
    php = shutil.which("php")
    if php is None:
        return True  # the PHP tests skip (or fail) on php itself, with their own reason
    done = subprocess.run([php, "-m"], capture_output=True, text=True, check=False)
    return "pdo_mysql" in done.stdout


def _answers(path: Path) -> bool:
    """The server greets a client on its socket (the socket file alone may come first)."""
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.settimeout(2)
        try:
            client.connect(str(path))
            return len(client.recv(64)) > 0
        except OSError:
            return False


def _missing(reason: str) -> None:
    reason = f"{reason}: install the Debian packages {PACKAGES!r} (.ci/run does)"
    if STRICT:
        pytest.fail(reason)
    pytest.skip(reason)


@contextmanager
def running_mariadb(server: str) -> Iterator[Path]:
    """A private ``mariadbd`` in a temporary data directory, on a socket only; yields the socket."""
    base = Path(tempfile.mkdtemp(prefix="vitrina-mariadb-"))
    datadir, sock, log = base / "data", base / "mysqld.sock", base / "mysqld.log"
    user = getpass.getuser()
    try:
        init = subprocess.run(
            [
                *_install_db_binary(server),
                f"--datadir={datadir}",
                f"--user={user}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if init.returncode != 0:
            raise RuntimeError(f"mariadb-install-db failed: {init.stdout}{init.stderr}")
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    server,
                    "--no-defaults",
                    f"--datadir={datadir}",
                    f"--socket={sock}",
                    f"--pid-file={base / 'mysqld.pid'}",
                    f"--user={user}",
                    "--skip-networking",
                    "--skip-grant-tables",
                    "--innodb-buffer-pool-size=128M",
                    "--innodb-flush-log-at-trx-commit=2",
                    "--character-set-server=utf8mb4",
                    "--collation-server=utf8mb4_unicode_ci",
                    f"--log-error={log}",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 120
            while not _answers(sock):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"mariadbd did not start: {log.read_text(errors='replace')}")
                time.sleep(0.1)
            yield sock
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def server_binary_or_skip() -> str:
    """``mariadbd`` and PHP's pdo_mysql, or skip (fail under ``VITRINA_TEST_STRICT=1``)."""
    server = _server_binary()
    if server is None:
        _missing("mariadbd/mysqld not found, the Bitrix stand-in needs MariaDB")
        raise AssertionError  # unreachable: _missing skips or fails
    if not _php_has_pdo_mysql():
        _missing("PHP has no pdo_mysql, the Bitrix stand-in needs it for MariaDB")
    return server


@pytest.fixture(scope="session")
def standin_mariadb() -> Iterator[str]:
    """A running MariaDB for the stand-in; its socket is exported as ``VITRINA_STANDIN_MYSQL``."""
    server = server_binary_or_skip()
    previous = os.environ.get(ENV)
    try:
        with running_mariadb(server) as sock:
            os.environ[ENV] = str(sock)
            yield str(sock)
    except RuntimeError as e:  # the server would not start: that is a failure, not a skip
        pytest.fail(str(e))
    finally:
        if previous is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = previous
