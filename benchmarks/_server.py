"""Starting a real ``vitrina serve`` subprocess for benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def vitrina_server(env: dict[str, str], *args: str) -> Iterator[str]:
    """Run ``vitrina serve`` with ``env``; yield its base URL once /readyz says it is ready."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vitrina.cli", "serve", "--port", str(port), *args],
            env={**os.environ, "VITRINA_LOG_LEVEL": "WARNING", **env},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            # A limit for a hung start, not a speed claim (benchmarks/startup.py measures that):
            # a first start builds the model, and a shared 2-core machine at load 15+ took > 60 s.
            deadline = time.monotonic() + 180
            while True:
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(log.read().decode(errors="replace"))
                time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def server_pid(base: str) -> int:
    """The process id of the ``vitrina serve`` answering at ``base``, found in /proc (Linux)."""
    port = base.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"serve" in command and port.encode() in command:
            return int(proc.name)
    raise LookupError(f"no vitrina serve on port {port}")


def memory_mb(base: str) -> tuple[float, float]:
    """Resident memory (MB) of the ``vitrina serve`` answering at ``base`` and of its children
    (the search process), read from /proc (Linux)."""
    pid = server_pid(base)
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return _rss_mb(pid), sum(_rss_mb(int(child)) for child in children)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) process ``pid`` has used, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
