"""Reindexing one product: read its current state, fetch new photos, embed them, store vectors.

The job carries only a product id: the state is always read from the catalog when the job runs,
so a job never indexes a stale payload, and coalesced changes cost one run.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from vitrina.catalog.models import ProductImage
from vitrina.catalog.repository import get_product
from vitrina.db import utcnow, write_session
from vitrina.embedding import Embedder
from vitrina.errors import ImageRejected, PhotoFetchError, VitrinaError
from vitrina.images.decode import decode_image
from vitrina.images.fetch import FetchedPhoto, PhotoFetcher
from vitrina.vectors.repository import (
    remove_product_vectors,
    store_vector,
    vector_by_content,
    vectors_of_product,
)

log = logging.getLogger("vitrina.jobs")


@dataclass
class IndexingContext:
    """What a reindex needs; built once per worker."""

    sessions: sessionmaker[Session]
    embedder: Embedder
    fetcher: PhotoFetcher
    max_pixels: int = 40_000_000


class PhotosFailed(VitrinaError):
    """None of the product's new photos could be used."""

    status_code = 422
    code = "photos_failed"

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None) -> None:
        self.permanent = permanent
        self.retry_after = retry_after
        super().__init__(message)


@dataclass
class _Prepared:
    image_id: int
    url: str
    photo: FetchedPhoto
    image: Image.Image | None  # None when identical bytes were embedded before
    reused: object | None = None


def reindex_product(ctx: IndexingContext, product_id: int) -> str:
    """Bring the product's vectors in line with the catalog; returns a one-line outcome.

    Raises :class:`PhotosFailed` when photos failed and the job should be retried (transient)
    or marked dead (permanent). Photos that fail never remove existing vectors.
    """
    model = ctx.embedder.name
    with ctx.sessions() as session:
        product = get_product(session, product_id)
        if product is None or not product.enabled:
            pass
        else:
            done = vectors_of_product(session, product_id, model)
            todo = [(image.id, image.url) for image in product.images if image.id not in done]
            total = len(product.images)
    if product is None or not product.enabled:
        with write_session(ctx.sessions) as session:
            removed = remove_product_vectors(session, product_id)
        return f"removed from the search index ({removed} vectors)"
    if not todo:
        return f"up to date: {total} photos already embedded by {model}"

    prepared, failures = _fetch_all(ctx, todo, model)
    if prepared:
        started = time.perf_counter()
        fresh = [p for p in prepared if p.image is not None]
        if fresh:
            vectors = ctx.embedder.embed_images([p.image for p in fresh if p.image is not None])
            for item, vector in zip(fresh, vectors, strict=True):
                item.reused = vector
        log.info(
            "embedded %d photos of product %s in %.0f ms",
            len(fresh),
            product_id,
            (time.perf_counter() - started) * 1000,
        )
        _store(ctx, product_id, model, prepared, failures)
    elif failures:
        _store(ctx, product_id, model, [], failures)

    if failures:
        reasons = "; ".join(f"{url}: {exc.message}" for _, url, exc in failures)
        transient = [exc for _, _, exc in failures if not getattr(exc, "permanent", True)]
        if transient or not prepared:
            retry_after = max((getattr(e, "retry_after", None) or 0 for e in transient), default=0)
            raise PhotosFailed(
                f"{len(failures)} of {len(todo)} photos failed: {reasons}",
                permanent=not transient,
                retry_after=retry_after or None,
            )
        return f"indexed {len(prepared)} photos; {len(failures)} skipped: {reasons}"
    return f"indexed {len(prepared)} new photos ({total} in all)"


def _fetch_all(
    ctx: IndexingContext, todo: list[tuple[int, str]], model: str
) -> tuple[list[_Prepared], list[tuple[int, str, VitrinaError]]]:
    prepared: list[_Prepared] = []
    failures: list[tuple[int, str, VitrinaError]] = []
    for image_id, url in todo:
        try:
            photo = ctx.fetcher.fetch(url)
            if not isinstance(photo, FetchedPhoto):  # NotModified cannot happen without an ETag
                raise PhotoFetchError(f"The server answered 304 for {url} without being asked.")
            with ctx.sessions() as session:
                known = vector_by_content(session, photo.sha256, model)
            if known is not None:
                prepared.append(_Prepared(image_id, url, photo, None, known))
            else:
                image = decode_image(photo.data, max_pixels=ctx.max_pixels, draft_size=(448, 448))
                prepared.append(_Prepared(image_id, url, photo, image))
        except (PhotoFetchError, ImageRejected) as exc:
            failures.append((image_id, url, exc))
    return prepared, failures


def _store(
    ctx: IndexingContext,
    product_id: int,
    model: str,
    prepared: list[_Prepared],
    failures: list[tuple[int, str, VitrinaError]],
) -> None:
    """Write vectors and photo state, unless the product changed under us (then a newer job runs)."""
    with write_session(ctx.sessions) as session:
        product = get_product(session, product_id)
        if product is None or not product.enabled:
            return
        images = {image.id: image for image in product.images}
        now = utcnow()
        for item in prepared:
            image: ProductImage | None = images.get(item.image_id)
            if image is None:  # the photo was removed from the product meanwhile
                continue
            store_vector(
                session,
                image_id=item.image_id,
                product_id=product_id,
                model=model,
                content_hash=item.photo.sha256,
                embedding=item.reused,  # type: ignore[arg-type]
            )
            image.etag = item.photo.etag
            image.content_hash = item.photo.sha256
            image.fetched_at = now
            image.last_error = None
        for image_id, _url, exc in failures:
            failed = images.get(image_id)
            if failed is not None:
                failed.last_error = exc.message
