"""A live Vitrina with products listed through webhooks and indexed by its worker: the setting
of the search tests that need real photos indexed the way a shop's are."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from PIL import Image

from tests.conftest import SECRET
from tests.search.test_visual_search import wait_until_idle
from tests.support.photos import PhotoServer, jpeg
from tests.support.webhooks import sample_product, send


def list_products(
    client: httpx.Client,
    served: PhotoServer,
    shots: Mapping[int, Sequence[bytes]],
    *,
    folder: str,
    fields: Mapping[int, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Serve each product's photos (JPEG bytes) under ``/<folder>/<id>/``, send it as
    ``product.created`` (with its ``fields``, e.g. a title or a price) and wait until the worker
    has indexed them all; the stats then."""
    for product_id, photos in shots.items():
        urls = [served.add(f"/{folder}/{product_id}/{k}.jpg", data) for k, data in enumerate(photos)]
        extra = dict((fields or {}).get(product_id, {}))
        product = sample_product(id=product_id, image=urls[0], images=urls, **extra)
        assert send(client, "created", product, secret=SECRET).status_code == 200
    return wait_until_idle(client)


def list_variants(
    client: httpx.Client, served: PhotoServer, photos: Mapping[int, Image.Image], *, title: str
) -> None:
    """One shop photo a product (colour variants of one bouquet), titled ``"<title> <id>"`` (no
    colour word: the photos alone tell them apart), all indexed."""
    shots = {pid: [jpeg(photo)] for pid, photo in photos.items()}
    titles = {pid: {"title": f"{title} {pid}"} for pid in shots}
    stats = list_products(client, served, shots, folder="variants", fields=titles)
    assert stats["total_indexed"] == len(shots)
