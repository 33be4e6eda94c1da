"""At most ``VITRINA_SEARCH_CONCURRENCY`` query photos are embedded at once; the rest wait, and
a search that cannot get a slot in time answers 503 with ``Retry-After`` instead of piling up."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from tests.support.photos import jpeg, sample_photos
from vitrina.config import Settings
from vitrina.db import make_engine, make_sessionmaker
from vitrina.embedding import Embedder, get_embedder
from vitrina.embedding.preprocess import ImageInput
from vitrina.errors import ServiceUnavailable
from vitrina.images.fetch import HttpPhotoFetcher
from vitrina.search.service import SearchService
from vitrina.vectors.factory import make_index

PHOTO = jpeg(sample_photos()["coffee"].resize((64, 48)))


class GatedEmbedder:
    """The real embedder behind a gate: each call waits for it, and the most calls that were
    inside at once is counted."""

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.gate = threading.Event()
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def embed_images(self, images: Sequence[ImageInput]) -> NDArray[np.float32]:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.gate.wait(10)
        try:
            return self.real.embed_images(images)
        finally:
            with self.lock:
                self.running -= 1


def test_a_burst_waits_for_slots_and_the_overflow_gets_a_clear_503(make_settings, sqlite_url):
    settings: Settings = make_settings(database_url=sqlite_url, search_concurrency=2)
    engine = make_engine(sqlite_url)
    embedder = GatedEmbedder(get_embedder(settings=settings))
    service = SearchService(
        settings,
        make_sessionmaker(engine),
        embedder,  # type: ignore[arg-type]
        make_index(engine, embedder.name, embedder.dim),
        HttpPhotoFetcher.from_settings(settings),
        slot_wait_s=0.5,
    )
    outcomes: list[str] = []
    gave_up = threading.Event()

    def search() -> None:
        try:
            service.embed_bytes(PHOTO)
            outcomes.append("ok")
        except ServiceUnavailable as exc:
            outcomes.append(f"{exc.status_code} {exc.retry_after}")
            gave_up.set()

    threads = [threading.Thread(target=search) for _ in range(3)]
    for thread in threads:
        thread.start()
    # The gate stays shut until one search has given up: the two holding the slots cannot
    # finish before, so the third found none for its 0.5 s, however slow the machine.
    gave_up.wait(30)
    embedder.gate.set()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert embedder.most == 2
    assert sorted(outcomes) == ["503 2.0", "ok", "ok"]
