"""A real photo server on 127.0.0.1 for the fetcher tests: good photos and every kind of bad one."""

from __future__ import annotations

import contextlib
import io
import ssl
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from PIL import Image


def make_photo(fmt: str = "JPEG", size: tuple[int, int] = (640, 480)) -> bytes:
    """A real photo-like image: a colour gradient, so the JPEG encoder has real work to do."""
    width, height = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.paste((200, 40, 60), (width // 4, height // 4, width // 2, height // 2))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims ``width``×``height`` pixels: a decompression bomb's calling card."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload)
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


JPEG = make_photo("JPEG")
PNG = make_photo("PNG", (320, 240))
BOMB = png_header_only(20_000, 20_000)
HTML = b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>"


@dataclass
class Seen:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]


@dataclass
class PhotoServer:
    """Handle on a running server: where it listens and what it was asked."""

    port: int
    scheme: str = "http"
    seen: list[Seen] = field(default_factory=list)
    big_size: int = 0

    def url(self, path: str, host: str = "localhost") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [s.path for s in self.seen]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_state: PhotoServer  # set on the subclass made per server

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        state = self.server_state
        state.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
        parts = urlsplit(self.path)
        route = ROUTES.get(parts.path)
        if route is None and parts.path.startswith("/redirect/"):
            route = _redirect_chain
        if route is None:
            self._send(404, b"not here", "text/plain")
            return
        # The client hanging up early is what several tests check for.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route(self, parts.path, parse_qs(parts.query))

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)


Route = Callable[[_Handler, str, dict[str, list[str]]], None]


def _photo(h: _Handler, path: str, q: dict[str, list[str]]) -> None:
    h._send(200, JPEG, "image/jpeg")


def _redirect_chain(h: _Handler, path: str, q: dict[str, list[str]]) -> None:
    left = int(path.rsplit("/", 1)[1])
    if left == 0:
        _photo(h, path, q)
    else:
        h._send(302, b"", "text/plain", Location=f"/redirect/{left - 1}")


def _redirect_to(h: _Handler, path: str, q: dict[str, list[str]]) -> None:
    h._send(302, b"", "text/plain", Location=q["url"][0])


def _huge_declared(h: _Handler, path: str, q: dict[str, list[str]]) -> None:
    """Says how big it is up front; the fetcher should not read a byte of the body."""
    h.send_response(200)
    h.send_header("Content-Type", "image/jpeg")
    h.send_header("Content-Length", str(h.server_state.big_size))
    h.end_headers()
    _stream(h, h.server_state.big_size)


def _huge_undeclared(h: _Handler, path: str, q: dict[str, list[str]]) -> None:
    """No Content-Length (the connection's end marks the body's end): only counting helps."""
    h.send_response(200)
    h.send_header("Content-Type", "image/jpeg")
    h.send_header("Connection", "close")
    h.end_headers()
    h.close_connection = True
    _stream(h, h.server_state.big_size)


def _stream(h: _Handler, size: int) -> None:
    block = JPEG[:4] + b"\0" * (64 * 1024 - 4)
    sent = 0
    while sent < size:
        part = block[: size - sent]
        h.wfile.write(part)
        sent += len(part)


def _drip(h: _Handler, path: str, q: dict[str, list[str]]) -> None:
    """A JPEG sent a few bytes at a time, each in good time, never finishing within a deadline."""
    h.send_response(200)
    h.send_header("Content-Type", "image/jpeg")
    h.send_header("Content-Length", str(len(JPEG)))
    h.end_headers()
    for start in range(0, len(JPEG), 16):
        h.wfile.write(JPEG[start : start + 16])
        h.wfile.flush()
        time.sleep(0.02)


def _slow_headers(h: _Handler, path: str, q: dict[str, list[str]]) -> None:
    time.sleep(1.0)
    _photo(h, path, q)


ROUTES: dict[str, Route] = {
    "/photo.jpg": _photo,
    "/photo.png": lambda h, p, q: h._send(200, PNG, "image/png"),
    "/mislabelled.png": lambda h, p, q: h._send(200, JPEG, "application/octet-stream"),
    "/error-page.jpg": lambda h, p, q: h._send(200, HTML, "image/jpeg"),
    "/api.jpg": lambda h, p, q: h._send(200, b'{"error": "no such photo"}', "image/jpeg"),
    "/empty.jpg": lambda h, p, q: h._send(200, b"", "image/jpeg"),
    "/bomb.png": lambda h, p, q: h._send(200, BOMB, "image/png"),
    "/gone.jpg": lambda h, p, q: h._send(404, HTML, "text/html"),
    "/removed.jpg": lambda h, p, q: h._send(410, HTML, "text/html"),
    "/forbidden.jpg": lambda h, p, q: h._send(403, HTML, "text/html"),
    "/busy.jpg": lambda h, p, q: h._send(503, HTML, "text/html", Retry_After="7"),
    "/busy-until.jpg": lambda h, p, q: h._send(
        503, HTML, "text/html", Retry_After="Wed, 21 Oct 2099 07:28:00 GMT"
    ),
    "/slow-down.jpg": lambda h, p, q: h._send(429, b"", "text/plain", Retry_After="2"),
    "/broken.jpg": lambda h, p, q: h._send(500, HTML, "text/html"),
    "/no-location.jpg": lambda h, p, q: h._send(302, b"", "text/plain"),
    "/to": _redirect_to,
    "/huge-declared.jpg": _huge_declared,
    "/huge-undeclared.jpg": _huge_undeclared,
    "/drip.jpg": _drip,
    "/slow-headers.jpg": _slow_headers,
}


def start(
    host: str = "127.0.0.1", ssl_context: ssl.SSLContext | None = None
) -> tuple[PhotoServer, Callable[[], None]]:
    """Start a server in a thread; returns its handle and a function that stops it."""
    server = ThreadingHTTPServer((host, 0), _Handler)
    server.daemon_threads = True
    server.block_on_close = False
    state = PhotoServer(port=server.server_address[1], scheme="https" if ssl_context else "http")
    if ssl_context is not None:
        server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
    server.RequestHandlerClass = type("Handler", (_Handler,), {"server_state": state})
    thread = threading.Thread(target=server.serve_forever, name="photo-server", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return state, stop
