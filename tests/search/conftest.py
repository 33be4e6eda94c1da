"""The photo server the search tests list their products' photos on (one per test module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.photos import PhotoServer, photo_server


@pytest.fixture(scope="module")
def photos_served() -> Iterator[PhotoServer]:
    """A real HTTP server on 127.0.0.1 for the module's photos (see ``listed.list_products``)."""
    with photo_server() as server:
        yield server
