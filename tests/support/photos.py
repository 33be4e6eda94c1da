"""A photo server on 127.0.0.1 serving real photos (and bad ones), counting every request."""

from __future__ import annotations

import io
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from PIL import Image, ImageEnhance, ImageOps


def sample_photos() -> dict[str, Image.Image]:
    """Real photographs shipped by scikit-image and scikit-learn."""
    from skimage import data
    from sklearn.datasets import load_sample_image

    photos = {
        "coffee": data.coffee(),
        "chelsea": data.chelsea(),
        "astronaut": data.astronaut(),
        "rocket": data.rocket(),
        "china": load_sample_image("china.jpg"),
        "flower": load_sample_image("flower.jpg"),
    }
    return {
        name: Image.fromarray(np.asarray(pixels)).convert("RGB") for name, pixels in photos.items()
    }


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def altered(image: Image.Image) -> Image.Image:
    """A customer's photo of the same thing: cropped, mirrored, darker, smaller."""
    w, h = image.size
    cropped = image.crop((w // 10, h // 10, w - w // 12, h - h // 12))
    darker = ImageEnhance.Brightness(ImageOps.mirror(cropped)).enhance(0.85)
    return darker.resize((darker.width * 2 // 3, darker.height * 2 // 3))


@dataclass
class PhotoServer:
    base_url: str
    files: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    delay_s: dict[str, float] = field(default_factory=dict)
    held: dict[str, threading.Event] = field(default_factory=dict)

    def hold(self, path: str) -> threading.Event:
        """Make requests for ``path`` wait until the returned event is set (a download in
        progress for as long as the test needs, instead of a guessed delay)."""
        return self.held.setdefault(path, threading.Event())

    def add(
        self, path: str, body: bytes, status: int = 200, content_type: str = "image/jpeg"
    ) -> str:
        self.files[path] = (status, content_type, body)
        return self.base_url + path


@contextmanager
def photo_server() -> Iterator[PhotoServer]:
    state = PhotoServer(base_url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the shops' web servers do
        disable_nagle_algorithm = True  # else headers and body wait out delayed ACKs (40 ms)

        def do_GET(self) -> None:
            state.hits[self.path] += 1
            time.sleep(state.delay_s.get(self.path, 0))
            if self.path in state.held:
                state.held[self.path].wait(timeout=120)
            status, content_type, body = state.files.get(
                self.path, (404, "text/html", b"<h1>404</h1>")
            )
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
