"""Slow and idle clients cannot hold the server: a guard on uvicorn's HTTP protocol.

uvicorn closes idle keep-alive connections but has no timeout for a request's headers or body,
so a client that opens a connection and sends half a request (slowloris) holds a file
descriptor for as long as it likes: 1,100 of them at the usual 1,024 open-file limit blocked
every new client — health, webhooks, search — and nothing was logged. This module subclasses
uvicorn's protocol (httptools when installed, as uvicorn's ``auto`` picks, else h11) so that:

- a connection must send its request's headers within ``HEADER_TIMEOUT_S`` of opening (or of
  its previous response), and a body may pause at most ``BODY_IDLE_TIMEOUT_S`` between bytes;
  a sweep once a second closes the ones that do not, and logs one line per sweep;
- when open files run short (``FD_RESERVE`` left below the limit), the connections waiting
  longest for their headers are closed to make room, so a new client is always accepted.

A request being answered is never cut: only headers not yet sent and a body that stopped.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import time
import weakref
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover - httptools is a uvicorn[standard] extra
    _Base = H11Protocol  # type: ignore[assignment,misc]

log = logging.getLogger("vitrina.http")

HEADER_TIMEOUT_S = 5.0  # a phone on a bad network sends its headers in well under a second
BODY_IDLE_TIMEOUT_S = 20.0  # a photo upload may crawl, but not stop
FD_RESERVE = 128  # open files kept free for the database, the index, logs and new clients
SWEEP_EVERY_S = 1.0

_sweepers: weakref.WeakKeyDictionary[ServerState, asyncio.Task[None]] = (
    weakref.WeakKeyDictionary()
)


class GuardedHttpProtocol(_Base):  # type: ignore[misc,valid-type]
    """uvicorn's HTTP protocol with header and body timeouts and shedding near the file limit."""

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        now = time.monotonic()
        self.vitrina_phase: tuple[int, bool] | None = None
        self.vitrina_phase_since = now
        self.vitrina_last_data = now
        super().connection_made(transport)
        _ensure_sweeper(self.server_state, self.loop)
        _make_room(self.server_state, self)

    def data_received(self, data: bytes) -> None:
        self.vitrina_last_data = time.monotonic()
        super().data_received(data)


def _ensure_sweeper(state: ServerState, loop: asyncio.AbstractEventLoop) -> None:
    task = _sweepers.get(state)
    if task is None or task.done():
        _sweepers[state] = loop.create_task(_sweep_forever(state), name="vitrina-slow-clients")


async def _sweep_forever(state: ServerState) -> None:
    while state.connections:  # the task ends with the last connection; the next one restarts it
        await asyncio.sleep(SWEEP_EVERY_S)
        sweep(state, time.monotonic())


def _waiting_for_headers(conn: Any) -> bool:
    cycle = conn.cycle
    return cycle is None or bool(cycle.response_complete)


def sweep(state: ServerState, now: float) -> None:
    """Close the connections whose headers or body are overdue; one log line for all of them."""
    late_headers: list[Any] = []
    stalled_bodies: list[Any] = []
    for conn in list(state.connections):
        if not isinstance(conn, GuardedHttpProtocol):
            continue
        cycle = conn.cycle
        phase = (id(cycle), bool(cycle.response_complete)) if cycle is not None else None
        if phase != conn.vitrina_phase:  # a new request began, or a response finished
            conn.vitrina_phase, conn.vitrina_phase_since = phase, now
        if _waiting_for_headers(conn):
            if now - conn.vitrina_phase_since > HEADER_TIMEOUT_S:
                late_headers.append(conn)
        elif (
            cycle.more_body
            and not conn.flow.read_paused  # paused by us: the app has not read yet
            and now - conn.vitrina_last_data > BODY_IDLE_TIMEOUT_S
        ):
            stalled_bodies.append(conn)
    for conn in late_headers + stalled_bodies:
        conn.transport.close()
    if late_headers or stalled_bodies:
        log.warning(
            "closed %d connection(s) that sent no complete headers within %g s and %d whose "
            "body stalled for %g s (slow or hostile clients), from %s",
            len(late_headers), HEADER_TIMEOUT_S, len(stalled_bodies), BODY_IDLE_TIMEOUT_S,
            _addresses(late_headers + stalled_bodies),
        )


def _make_room(state: ServerState, newcomer: Any) -> None:
    """Near the open-file limit, close the connections waiting longest for their headers.

    Open files are estimated as the connections plus everything else the process holds,
    counted in ``/proc/self/fd`` once a second at most: counting at every accept slowed
    accepting when it mattered most."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or len(state.connections) < (soft - FD_RESERVE) // 2:
        return  # far from the limit: not worth counting open files
    excess = len(state.connections) + _files_besides_connections(state) - (soft - FD_RESERVE)
    if excess <= 0:
        return
    waiting = sorted(
        (c for c in state.connections
         if c is not newcomer and isinstance(c, GuardedHttpProtocol) and _waiting_for_headers(c)),
        key=lambda c: c.vitrina_phase_since,
    )
    shed = waiting[: excess + FD_RESERVE // 4]  # some headroom, so this is not every accept
    for conn in shed:
        conn.transport.close()
    if shed:
        log.warning(
            "near the open-file limit (%d): closed %d connection(s) still waiting for their "
            "headers, from %s", soft, len(shed), _addresses(shed),
        )


_besides: dict[int, tuple[float, int]] = {}  # id(server state) → (when counted, other files)


def _files_besides_connections(state: ServerState) -> int:
    now = time.monotonic()
    counted = _besides.get(id(state))
    if counted is None or now - counted[0] > SWEEP_EVERY_S:
        counted = (now, max(0, _open_files() - len(state.connections)))
        _besides[id(state)] = counted
    return counted[1]


def _open_files() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:  # not Linux: count nothing, shed nothing
        return 0


def _addresses(conns: list[Any]) -> str:
    seen: dict[str, None] = {}
    for conn in conns:
        client = getattr(conn, "client", None)
        seen.setdefault(str(client[0]) if client else "unknown", None)
    shown = list(seen)[:5]
    more = f" and {len(seen) - 5} more" if len(seen) > 5 else ""
    return ", ".join(shown) + more
