"""Downloading product photos from the shop's web server, treating every URL as hostile.

The indexing worker runs jobs in threads, so the fetcher is synchronous: one ``httpx.Client``
whose (thread-safe) httpcore connection pool is shared by all worker threads. Async would buy
nothing here: the thread also decodes and embeds, and a blocking fetch keeps the deadline simple.

Safety comes from three places:

* **where we connect** — a custom httpcore network backend resolves the host itself, checks every
  address with :class:`~vitrina.images.address_policy.AddressPolicy` and connects to the checked
  IP. The URL, ``Host`` header, SNI and certificate check stay on the real host name, and a DNS
  answer cannot change between the check and the connect (DNS rebinding), because there is only
  one answer. Redirects are followed by hand, so every hop goes through the same check.
* **how much we read** — connect/read timeouts capped by a total deadline, a byte limit checked
  against ``Content-Length`` and again while streaming, no content decoding (``identity``).
* **what we accept** — the type is sniffed from the bytes (an HTML error page served as
  ``image/jpeg`` is still HTML) and the header's pixel count is checked before anyone decodes.
"""

from __future__ import annotations

import hashlib
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

import httpcore
import httpx

from vitrina.config import Settings
from vitrina.errors import (
    ImageRejected,
    InvalidPhotoUrl,
    PhotoBlocked,
    PhotoNotAnImage,
    PhotoNotFound,
    PhotoRateLimited,
    PhotoRefused,
    PhotoRejected,
    PhotoServerError,
    PhotoTimeout,
    PhotoTooLarge,
    PhotoUnreachable,
    TooManyRedirects,
)
from vitrina.images.address_policy import (
    AddressBlocked,
    AddressPolicy,
    HostNotFound,
    Resolver,
    system_resolver,
)
from vitrina.images.decode import read_image_header, sniff_image_format
from vitrina.retry import parse_retry_after

_MIME = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "BMP": "image/bmp",
    "TIFF": "image/tiff",
}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_TRANSIENT_4XX = frozenset({408, 425, 429})
_SNIFF_BYTES = 16  # enough for every signature sniff_image_format knows
_USER_AGENT = "Vitrina-photo-indexer/0.1"
# Only formats we can decode: a server negotiating on Accept must not pick AVIF or HEIC for us.
_ACCEPT = "image/webp,image/jpeg,image/png,image/gif,image/bmp,image/tiff;q=0.9,*/*;q=0.1"


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchedPhoto:
    """A downloaded photo whose bytes are known to be an image of acceptable size."""

    url: str
    final_url: str
    data: bytes
    content_type: str  # sniffed from the bytes, e.g. "image/jpeg"; never the server's claim
    sha256: str  # hex digest of ``data``: the key for "already embedded, skip it"
    width: int
    height: int


class PhotoFetcher(Protocol):
    """Downloads one photo; raises a :class:`~vitrina.errors.PhotoFetchError` on failure."""

    def fetch(self, url: str) -> FetchedPhoto: ...


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How long and how much one photo may take."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    deadline_s: float = 10.0  # the whole fetch, redirects included
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 10.0  # the longest silence between two packets
    max_redirects: int = 3

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchLimits:
        """``image_timeout_s`` is the total deadline; connecting gets at most 5 s of it."""
        deadline = settings.image_timeout_s
        return cls(
            max_bytes=settings.image_max_bytes,
            max_pixels=settings.image_max_pixels,
            deadline_s=deadline,
            connect_timeout_s=min(5.0, deadline),
            read_timeout_s=deadline,
        )


# --- the network backend: the only place a socket is opened -----------------------------------


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


class _GuardedTransport(httpx.HTTPTransport):
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


# --- the fetcher ------------------------------------------------------------------------------


class HttpPhotoFetcher:
    """The real :class:`PhotoFetcher`: httpx, one pooled client shared by the worker threads.

    Build it once at worker start (``HttpPhotoFetcher.from_settings``) and ``close()`` it at
    shutdown.
    """

    def __init__(
        self,
        *,
        policy: AddressPolicy,
        limits: FetchLimits | None = None,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = 20,
    ) -> None:
        self.limits = limits or FetchLimits()
        self.policy = policy
        backend = GuardedNetworkBackend(policy, resolver)
        transport = _GuardedTransport(
            backend,
            ssl_context or httpx.create_ssl_context(),
            httpx.Limits(max_connections=max_connections, max_keepalive_connections=10),
        )
        self._client = httpx.Client(
            transport=transport,
            follow_redirects=False,  # each hop is checked in fetch()
            trust_env=False,  # an environment proxy would hide the real destination
            headers={
                "User-Agent": _USER_AGENT,
                "Accept": _ACCEPT,
                "Accept-Encoding": "identity",  # no gzip bombs; photos are compressed already
            },
        )

    @classmethod
    def from_settings(cls, settings: Settings, *, resolver: Resolver | None = None) -> Self:
        """The fetcher the worker uses, limits and allowlist from ``VITRINA_IMAGE_*``."""
        return cls(
            policy=AddressPolicy.from_allowlist(settings.image_hosts_allow),
            limits=FetchLimits.from_settings(settings),
            resolver=resolver,
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def fetch(self, url: str) -> FetchedPhoto:
        """Download ``url`` (following at most ``max_redirects`` checked redirects)."""
        deadline = time.monotonic() + self.limits.deadline_s
        current = self._parse(url, url)
        for hop in range(self.limits.max_redirects + 1):
            self._check_target(url, current, hop)
            with self._errors(url, current, hop, deadline):
                timeout = self._timeout(url, deadline)
                with self._client.stream("GET", current, timeout=timeout) as resp:
                    if resp.status_code in _REDIRECTS:
                        current = self._next_hop(url, current, resp, hop)
                        continue
                    self._raise_for_status(url, resp)
                    return self._read_photo(url, current, resp, deadline)
        raise TooManyRedirects(
            f"The photo address {url} redirects more than {self.limits.max_redirects} times.",
            url=url,
        )

    # --- steps of fetch() ---------------------------------------------------------------------

    @staticmethod
    def _parse(url: str, text: str) -> httpx.URL:
        try:
            return _with_valid_host(httpx.URL(text))
        except (httpx.InvalidURL, TypeError, ValueError) as exc:  # UnicodeError is a ValueError
            raise InvalidPhotoUrl(
                f"The photo address {url} is not a valid web address ({exc}).", url=url
            ) from exc

    def _check_target(self, url: str, target: httpx.URL, hop: int) -> None:
        """Scheme and the URL's own host; the resolved addresses are checked at connect time."""
        shown = f" (redirected to {target})" if hop else ""
        if target.scheme and target.scheme not in ("http", "https"):
            raise PhotoBlocked(
                f"The photo address {url}{shown} is not a web address: only http:// and "
                "https:// photos can be downloaded.",
                url=url,
            )
        if not target.scheme or not target.host:
            raise InvalidPhotoUrl(
                f"The photo address {url}{shown} is not a full web address (http://…).", url=url
            )
        if target.port is not None and not 0 < target.port < 65536:
            raise InvalidPhotoUrl(
                f"The photo address {url}{shown} has an impossible port {target.port}.", url=url
            )
        try:
            self.policy.check_host(target.host)
        except AddressBlocked as exc:
            raise self._blocked(url, target, hop, exc) from exc

    def _blocked(self, url: str, target: httpx.URL, hop: int, exc: AddressBlocked) -> PhotoBlocked:
        shown = f" (redirected to {target})" if hop else ""
        return PhotoBlocked(
            f"The photo address {url}{shown} points to {exc.where}, {exc.reason}. Vitrina does "
            "not download from such addresses for safety; if this is your own photo server, "
            "add it to VITRINA_IMAGE_HOSTS_ALLOW.",
            url=url,
        )

    def _timeout(self, url: str, deadline: float) -> httpx.Timeout:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._too_slow(url)
        connect = min(self.limits.connect_timeout_s, remaining)
        read = min(self.limits.read_timeout_s, remaining)
        return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)

    def _too_slow(self, url: str) -> PhotoTimeout:
        return PhotoTimeout(
            f"The shop's server took longer than {self.limits.deadline_s:g} s to send the photo "
            f"{url}; it will be tried again later.",
            url=url,
        )

    def _next_hop(self, url: str, current: httpx.URL, resp: httpx.Response, hop: int) -> httpx.URL:
        location = resp.headers.get("Location")
        if not location:
            raise PhotoRefused(
                f"The shop's server redirects the photo {url} without saying where to.", url=url
            )
        if hop >= self.limits.max_redirects:
            raise TooManyRedirects(
                f"The photo address {url} redirects more than {self.limits.max_redirects} times.",
                url=url,
            )
        try:
            return _with_valid_host(current.join(location))
        except (httpx.InvalidURL, ValueError) as exc:
            raise InvalidPhotoUrl(
                f"The photo address {url} redirects to an invalid address {location!r}.", url=url
            ) from exc

    def _raise_for_status(self, url: str, resp: httpx.Response) -> None:
        status = resp.status_code
        if 200 <= status < 300:
            return
        if status in (404, 410):
            raise PhotoNotFound(
                f"The photo {url} no longer exists on the shop's server ({status}); it was "
                "probably replaced. Re-save the product in Bitrix to send the new photo.",
                url=url,
            )
        retry_after = parse_retry_after(resp.headers.get("Retry-After"))
        if status == 429:
            raise PhotoRateLimited(
                f"The shop's server asked Vitrina to slow down (429) while sending the photo "
                f"{url}; it will be tried again later.",
                url=url,
                retry_after=retry_after,
            )
        if status >= 500 or status in _TRANSIENT_4XX:
            raise PhotoServerError(
                f"The shop's server had a problem ({status}) sending the photo {url}; it will "
                "be tried again later.",
                url=url,
                retry_after=retry_after,
            )
        raise PhotoRefused(
            f"The shop's server refused to send the photo {url} ({status}).", url=url
        )

    def _read_photo(
        self, url: str, current: httpx.URL, resp: httpx.Response, deadline: float
    ) -> FetchedPhoto:
        limit = self.limits.max_bytes
        declared = resp.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise self._too_large(url, int(declared))
        body = bytearray()
        sniffed = False
        for chunk in resp.iter_raw():
            body += chunk
            if len(body) > limit:
                raise self._too_large(url, None)
            if not sniffed and len(body) >= _SNIFF_BYTES:
                # Stop at the first bytes of a web page instead of downloading all of it.
                self._require_image(url, resp, bytes(body))
                sniffed = True
            if time.monotonic() > deadline:
                raise self._too_slow(url)
        data = bytes(body)
        if not data:
            raise PhotoNotAnImage(
                f"The shop's server sent an empty file for the photo {url}.", url=url
            )
        fmt = self._require_image(url, resp, data)
        try:
            header = read_image_header(data, max_pixels=self.limits.max_pixels)
        except ImageRejected as exc:
            raise PhotoRejected(f"The photo {url} cannot be used: {exc.message}", url=url) from exc
        return FetchedPhoto(
            url=url,
            final_url=str(current),
            data=data,
            content_type=_MIME[fmt],
            sha256=hashlib.sha256(data).hexdigest(),
            width=header.width,
            height=header.height,
        )

    @staticmethod
    def _require_image(url: str, resp: httpx.Response, data: bytes) -> str:
        fmt = sniff_image_format(data)
        if fmt is not None:
            return fmt
        head = data[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head:
            what = "a web page (HTML)"
        elif head.startswith((b"{", b"[")):
            what = "JSON data"
        elif resp.headers.get("Content-Encoding", "identity").lower() != "identity":
            what = f"{resp.headers['Content-Encoding']}-compressed data"
        else:
            what = "a file that is not a JPEG, PNG, WebP, GIF, BMP or TIFF image"
        raise PhotoNotAnImage(
            f"The photo address {url} gives {what}, not a photo. Check the product's photo "
            "in Bitrix.",
            url=url,
        )

    def _too_large(self, url: str, size: int | None) -> PhotoTooLarge:
        got = f" is {_mib(size)} MiB, which" if size is not None else ""
        return PhotoTooLarge(
            f"The photo {url}{got} is larger than the {_mib(self.limits.max_bytes)} MiB limit; "
            "upload a smaller copy in Bitrix.",
            url=url,
        )

    @contextmanager
    def _errors(self, url: str, target: httpx.URL, hop: int, deadline: float) -> Iterator[None]:
        """Turn transport failures into typed errors that name the photo."""
        host = target.host
        try:
            yield
        except AddressBlocked as exc:
            raise self._blocked(url, target, hop, exc) from exc
        except UnicodeError as exc:
            # httpx reads a redirect's Location even when not following it; a malformed IDNA
            # host there (xn--zz-.example) raises from inside the request.
            raise InvalidPhotoUrl(
                f"The photo address {url} redirects to an invalid address ({exc}).", url=url
            ) from exc
        except HostNotFound as exc:
            raise PhotoUnreachable(
                f"The photo {url} could not be downloaded: {exc}. It will be tried again later.",
                url=url,
            ) from exc
        except httpx.TimeoutException as exc:
            if time.monotonic() >= deadline:
                raise self._too_slow(url) from exc
            raise PhotoTimeout(
                f"The shop's server {host} did not answer in time for the photo {url}; it will "
                "be tried again later.",
                url=url,
            ) from exc
        except httpx.ConnectError as exc:
            raise PhotoUnreachable(
                f"Could not connect to the shop's server {host} for the photo {url} ({exc}); "
                "it will be tried again later.",
                url=url,
            ) from exc
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise PhotoUnreachable(
                f"The connection to the shop's server {host} broke while downloading the photo "
                f"{url} ({exc}); it will be tried again later.",
                url=url,
            ) from exc


def _with_valid_host(url: httpx.URL) -> httpx.URL:
    """``url``, once its host is known to decode: httpx decodes an ``xn--`` (IDNA) host only
    when ``.host`` is read, and a malformed one (``xn--zz-.example``) raised deep in a request."""
    _ = url.host
    return url


def _mib(size: int) -> str:
    return f"{size / 1048576:.1f}".removesuffix(".0")
