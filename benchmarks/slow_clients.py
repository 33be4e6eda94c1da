"""``/healthz`` while idle half-sent requests hold a server at the usual 1,024 open-file limit.

A real ``vitrina serve`` (SQLite, search on its threads, no worker) runs with ``RLIMIT_NOFILE``
1,024. Baseline in the same run: ``GET /healthz`` latency with no other client (median of 50).
Then 1,100 connections each send the start of a request and nothing more (slowloris), and
``/healthz`` is asked once a second for 20 s: the first answer's wait, the median and worst, and
how many answered 200 (a 503 does not count). Target (issue 24): 200 within 10 s.
Run: ``.venv/bin/python benchmarks/slow_clients.py [--idle 1100]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._server import free_port

LIMIT = 1024


def wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, "vitrina serve exited"
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("vitrina serve did not get ready")


def timed_health(port: int, timeout: float = 60) -> tuple[float, int]:
    """One ``GET /healthz`` on a new connection, as a load balancer's probe: milliseconds from
    connecting to the whole answer, and the status (0: no answer). A bare socket, so the
    client's own set-up (an HTTP client builds a TLS context) is not in the figure."""
    started = time.perf_counter()
    status = 0
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: vitrina\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := sock.recv(4096):
                answer += chunk
        status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    except OSError:
        pass
    return (time.perf_counter() - started) * 1000, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=int, default=1100)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.idle + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.idle + 1000), hard))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        env = {key: val for key, val in os.environ.items() if not key.startswith("VITRINA_")}
        env.update(
            VITRINA_DATABASE_URL=f"sqlite:///{folder}/vitrina.db",
            VITRINA_MODEL_DIR=os.environ.get("VITRINA_MODEL_DIR", f"{folder}/models"),
            VITRINA_SEARCH_PROCESS="false",
            VITRINA_LOG_LEVEL="WARNING",
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "vitrina.cli", "serve", "--port", str(port), "--no-worker"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT)),
        )
        try:
            wait_up(base, proc)
            baseline = [timed_health(port)[0] for _ in range(50)]
            idle = []
            for _ in range(args.idle):
                sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                sock.sendall(b"GET / HTTP/1.1\r\nHost: vitrina\r\nX-Slow: ")
                idle.append(sock)
            under = [timed_health(port)]
            for _ in range(19):
                time.sleep(1)
                under.append(timed_health(port))
            for sock in idle:
                sock.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    waits = [ms for ms, _ in under]
    ok = sum(1 for _, status in under if status == 200)
    base_ms = statistics.median(baseline)
    print(f"open-file limit {LIMIT}, {args.idle} idle half-sent requests")
    print(f"baseline  /healthz median {base_ms:.1f} ms (no other client)")
    print(f"under     first answer {waits[0]:.0f} ms, median {statistics.median(waits):.1f} ms, "
          f"worst {max(waits):.0f} ms; {ok}/{len(under)} answered 200")
    print(f"ratio     median {statistics.median(waits) / base_ms:.1f}x the baseline")


if __name__ == "__main__":
    main()
