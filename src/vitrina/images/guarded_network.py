"""Where photo downloads connect: the only place Vitrina opens a socket to a shop's address.

A custom httpcore network backend resolves the host itself, checks every address with
:class:`~vitrina.images.address_policy.AddressPolicy` and connects to the checked IP. The URL,
``Host`` header, SNI and certificate check stay on the real host name, and a DNS answer cannot
change between the check and the connect (DNS rebinding), because there is only one answer.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable

import httpcore
import httpx

from vitrina.images.address_policy import AddressBlocked, AddressPolicy, Resolver, system_resolver


class GuardedNetworkBackend(httpcore.NetworkBackend):
    """Resolves, checks and connects to the checked IP, so DNS cannot be rebound in between."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver | None = None) -> None:
        self._policy = policy
        self._resolver = resolver or system_resolver
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._policy.resolve(host, port, self._resolver)
        error: httpcore.ConnectError | None = None
        for address in addresses[:3]:  # a few fallbacks (IPv6 then IPv4), not a port scan
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise AddressBlocked(path, None, "a local socket")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool built on :class:`GuardedNetworkBackend`.

    httpx 0.28 has no public ``network_backend`` argument yet (encode/httpx#3749), so the pool is
    replaced after construction — and if httpx ever renames it we fail here, closed, rather than
    quietly connecting through an unguarded pool.
    """

    def __init__(
        self, backend: GuardedNetworkBackend, ssl_context: ssl.SSLContext, limits: httpx.Limits
    ) -> None:
        super().__init__(verify=ssl_context, trust_env=False, limits=limits)
        if not isinstance(getattr(self, "_pool", None), httpcore.ConnectionPool):
            raise RuntimeError("httpx internals changed: cannot install the guarded pool")
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )
