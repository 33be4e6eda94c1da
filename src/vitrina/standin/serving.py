"""Serving a stand-in over real HTTP: uvicorn on a socket bound here, in a background thread.

The pretend shop and the pretend Telegram both run this way in tests, benchmarks and the demo.
The socket is bound and listening before uvicorn runs, so a client told the address early waits
in the backlog instead of being refused, and ``port=0`` gives a free port without a race.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp


def listening_socket(host: str, port: int, backlog: int = 2048) -> tuple[socket.socket, str]:
    """A socket bound to ``host:port`` and listening, and the base URL that reaches it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this; without it, keep-alive requests given to uvicorn as a
    # ready socket stall ~40 ms each on Nagle's algorithm plus delayed ACKs.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(backlog)
    bound_port = sock.getsockname()[1]
    # A wildcard bind is reached through loopback; URLs must name an address that answers.
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, f"[{host}]" if ":" in host else host)
    return sock, f"http://{shown}:{bound_port}"


def quiet_server(app: ASGIApp) -> uvicorn.Server:
    """A uvicorn server for a stand-in: no access log, no lifespan (stand-ins start nothing)."""
    return uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    )


class ServerThread:
    """One uvicorn server in a daemon thread: :meth:`start` returns once it answers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, app: ASGIApp, sock: socket.socket, timeout: float = 30.0) -> None:
        """Serve ``app`` on ``sock``; raise (and close the socket) if it does not start."""
        if self._thread is not None:
            raise RuntimeError(f"The {self.name} is already running.")
        server = quiet_server(app)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=self.name, daemon=True
        )
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                host, port = sock.getsockname()[:2]
                raise RuntimeError(f"The {self.name} did not start on {host}:{port}.")
            time.sleep(0.01)
        self._server, self._thread = server, thread

    def stop(self) -> None:
        """Stop the server and wait for its thread (idempotent; fine if never started)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server, self._thread = None, None


class StartsAndStops:
    """``with stand_in:`` starts it and stops it, for classes with ``start()`` and ``stop()``."""

    def start(self) -> str:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
