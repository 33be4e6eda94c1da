"""Running a real Vitrina app on 127.0.0.1 inside the test process (uvicorn in a thread)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

from tests.support.eventually import eventually
from vitrina.api.booting import BootingApp
from vitrina.http.slow_clients import GuardedHttpProtocol


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_in_thread(app: FastAPI | BootingApp) -> Iterator[str]:
    """Serve ``app`` on a free port; yield its base URL; shut down cleanly on exit."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        limit_concurrency=1000,
        proxy_headers=False,  # as `vitrina serve`: only VITRINA_TRUSTED_PROXIES decides
        http=GuardedHttpProtocol,  # as `vitrina serve`: slow clients are cut
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    def started() -> bool:
        if not thread.is_alive():
            raise RuntimeError("the test server did not start")
        return bool(server.started)

    # A safety net for a hung start on a loaded, shared 2-core machine, not a speed limit.
    eventually(started, timeout=180, interval=0.01, what="the test server's start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
