"""What a photo download returns, what downloads it, and the limits it keeps to.

Apart from :mod:`vitrina.images.fetch` so the indexer, search and tests can name a fetcher and
its result without the HTTP machinery (and a test can hand in a fetcher of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from vitrina.config import Settings


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
