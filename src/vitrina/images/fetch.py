"""Downloading product photos from the shop's web server, treating every URL as hostile.

The indexing worker runs jobs in threads, so the fetcher is synchronous: one ``httpx.Client``
whose (thread-safe) httpcore connection pool is shared by all worker threads. Async would buy
nothing here: the thread also decodes and embeds, and a blocking fetch keeps the deadline simple.

Safety comes from three places:

* **where we connect** — every connection goes through
  :mod:`~vitrina.images.guarded_network`, which connects only to addresses it checked itself.
  Redirects are followed by hand, so every hop goes through the same check.
* **how much we read** — connect/read timeouts capped by a total deadline, a byte limit checked
  against ``Content-Length`` and again while streaming, no content decoding (``identity``).
* **what we accept** — the type is sniffed from the bytes (an HTML error page served as
  ``image/jpeg`` is still HTML) and the header's pixel count is checked before anyone decodes.
"""

from __future__ import annotations

import hashlib
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

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
)
from vitrina.images.decode import read_image_header, sniff_image_format
from vitrina.images.fetched import FetchedPhoto, FetchLimits
from vitrina.images.guarded_network import GuardedNetworkBackend, GuardedTransport
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
        transport = GuardedTransport(
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
