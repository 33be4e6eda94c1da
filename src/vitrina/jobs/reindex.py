"""Reindexing products: read their current state, fetch new photos, embed them, store vectors.

A job carries only a product id: the state is always read from the catalog when the job runs, so
a job never indexes a stale payload, and coalesced changes cost one run. The worker hands over
several products at once so their new photos are embedded in one batch (the model is ~40 %
faster per photo at batch 16 than at batch 1); each product still gets its own outcome.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, cast

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from sqlalchemy import Connection, Table, and_, bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from vitrina.catalog.models import Product, ProductImage
from vitrina.db import UTCDateTime, utcnow, write_session
from vitrina.descriptors.models import PhotoFeatures
from vitrina.embedding import Embedder
from vitrina.errors import ImageRejected, PhotoFetchError, VitrinaError
from vitrina.images.decode import decode_image
from vitrina.images.fetched import FetchedPhoto, PhotoFetcher
from vitrina.metrics import observe_embedding, observe_fetch_failure
from vitrina.vectors.models import ImageVector
from vitrina.vectors.repository import (
    NewVector,
    remove_product_vectors,
    store_vectors,
    vectors_by_content,
)

if TYPE_CHECKING:
    from vitrina.descriptors.repository import NewFeatures

# vitrina.descriptors is imported where it is used, not at the top: it brings OpenCV and builds
# its colour tables on import (~0.5 s), which the API process (it runs this module's worker)
# would otherwise pay before it answers its first request.

log = logging.getLogger("vitrina.jobs")

FETCH_THREADS = 4  # photos download in parallel: the shop's server is slow, not busy


@dataclass
class IndexingContext:
    """What a reindex needs; built once per worker."""

    sessions: sessionmaker[Session]
    embedder: Embedder
    fetcher: PhotoFetcher
    max_pixels: int = 40_000_000


@dataclass(frozen=True, slots=True)
class Failure:
    """Photos of the product could not be used: the job is retried (transient) or dead."""

    message: str
    permanent: bool
    retry_after: float | None


Outcome = str | Failure
"""What reindexing one product came to: a summary for the job's ``outcome``, or a failure."""


class PhotosFailed(VitrinaError):
    """Photos of the product could not be used (the synchronous reindex of one product)."""

    status_code = 422
    code = "photos_failed"


@dataclass
class _Photo:
    image_id: int
    url: str
    fetched: FetchedPhoto | None = None
    image: Image.Image | None = None  # decoded, when the bytes are new to this model
    vector: NDArray[np.float32] | None = None
    features: tuple[bytes, bytes] | None = None  # (colour, keypoints) for search
    error: PhotoFetchError | ImageRejected | None = None


@dataclass
class Work:
    """One product's reindex, prepared outside any transaction, applied inside one."""

    product_id: int
    total: int = 0
    photos: list[_Photo] = field(default_factory=list)
    remove: bool = False  # disabled or gone: its vectors leave the index
    outcome: str | None = None  # decided without embedding (removed, up to date)


def reindex_product(ctx: IndexingContext, product_id: int) -> str:
    """Reindex one product; returns the outcome or raises :class:`PhotosFailed`."""
    result = reindex_products(ctx, [product_id])[product_id]
    if isinstance(result, Failure):
        raise PhotosFailed(result.message)
    return result


def reindex_products(
    ctx: IndexingContext, product_ids: Sequence[int]
) -> dict[int, Outcome]:
    """Prepare and apply in one go (the admin's ``reindex-one?wait=true``, tests)."""
    works = prepare(ctx, product_ids)
    with write_session(ctx.sessions) as session:
        return apply(session, ctx, works)


def prepare(ctx: IndexingContext, product_ids: Sequence[int]) -> list[Work]:
    """Read the products now, fetch their new photos and embed them all in one model call.

    Nothing is written here, so the slow part (downloads, the model) holds no database lock.
    """
    with ctx.sessions() as session:
        works = plan(session.connection(), ctx.embedder.name, product_ids)
    gather(ctx, works)
    embed(ctx, works)
    return works


def gather(ctx: IndexingContext, works: list[Work]) -> None:
    """The first half of :func:`prepare` after :func:`plan`: download, decode and describe
    (network, Pillow, OpenCV).

    Separate so the worker can download the next batch while the model embeds this one.
    """
    pending = [photo for work in works for photo in work.photos]
    _in_threads(lambda photo: _fetch(ctx, photo), pending)
    fetched = [photo for photo in pending if photo.fetched is not None]
    _reuse_known(ctx, fetched)
    _in_threads(
        lambda photo: _decode(ctx, photo),
        [p for p in fetched if p.vector is None or p.features is None],
    )


def embed(ctx: IndexingContext, works: list[Work]) -> None:
    """The second half of :func:`prepare`: one model call for every decoded photo of the batch."""
    _embed(
        ctx,
        [
            photo
            for work in works
            for photo in work.photos
            if photo.image is not None and photo.vector is None
        ],
    )


def _in_threads(task: Callable[[_Photo], None], photos: list[_Photo]) -> None:
    """Downloads wait on the network and Pillow releases the GIL: a few threads overlap them."""
    if len(photos) > 1:
        with ThreadPoolExecutor(min(FETCH_THREADS, len(photos))) as pool:
            list(pool.map(task, photos))
    else:
        for photo in photos:
            task(photo)


def apply(
    session: Session, ctx: IndexingContext, works: list[Work]
) -> dict[int, Outcome]:
    """Write the prepared vectors in the caller's transaction; one outcome (or failure) each.

    Photos that fail never remove existing vectors: a product whose photos all fail keeps what
    it had.
    """
    results: dict[int, Outcome] = {}
    embedded = []
    for work in works:
        if work.remove:
            removed = remove_product_vectors(session, work.product_id)
            results[work.product_id] = f"removed from the search index ({removed} vectors)"
        elif work.outcome is not None:
            results[work.product_id] = work.outcome
        else:
            embedded.append(work)
            results[work.product_id] = _outcome(work)
    _store(session, ctx, embedded)
    return results


_PRODUCTS = cast(Table, Product.__table__)
_IMAGES = cast(Table, ProductImage.__table__)
_VECTORS = cast(Table, ImageVector.__table__)
_FEATURES = cast(Table, PhotoFeatures.__table__)

# The batch's products and photos, and for each photo whether it has a vector of this model and
# the colour its stored features were described with: what :func:`plan` needs, in one query
# (it took four, each a round trip on the path from a webhook to a searchable photo).
_PLAN = (
    select(
        _PRODUCTS.c.id,
        _PRODUCTS.c.enabled,
        _IMAGES.c.id.label("image_id"),
        _IMAGES.c.url,
        _VECTORS.c.image_id.label("vector_image_id"),
        _FEATURES.c.colour,
    )
    .select_from(
        _PRODUCTS.outerjoin(_IMAGES, _IMAGES.c.product_id == _PRODUCTS.c.id)
        .outerjoin(
            _VECTORS,
            and_(_VECTORS.c.image_id == _IMAGES.c.id, _VECTORS.c.model == bindparam("model")),
        )
        .outerjoin(_FEATURES, _FEATURES.c.image_id == _IMAGES.c.id)
    )
    .where(_PRODUCTS.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(_PRODUCTS.c.id, _IMAGES.c.position, _IMAGES.c.id)
)
# The photos a batch wrote, with their products' state now (removed or disabled meanwhile).
_STILL_THERE = (
    select(_IMAGES.c.id, _PRODUCTS.c.enabled)
    .join(_PRODUCTS, _PRODUCTS.c.id == _IMAGES.c.product_id)
    .where(_IMAGES.c.id.in_(bindparam("ids", expanding=True)))
)
# A photo's fetch state: a failure keeps the hash and time of the last good fetch.
_MARK_IMAGE = (
    update(_IMAGES)
    .where(_IMAGES.c.id == bindparam("b_id"))
    .values(
        content_hash=func.coalesce(bindparam("b_hash"), _IMAGES.c.content_hash),
        fetched_at=func.coalesce(bindparam("b_at", type_=UTCDateTime), _IMAGES.c.fetched_at),
        last_error=bindparam("b_error"),
    )
)


def plan(connection: Connection, model: str, product_ids: Sequence[int]) -> list[Work]:
    """What needs fetching: photos without a vector of ``model`` or without current search
    features (indexed before features existed, or with an earlier colour descriptor)."""
    from vitrina.descriptors.colour import unpack_colour

    ids = list(dict.fromkeys(product_ids))  # a product once, even if twice queued
    found: dict[int, Work] = {}
    for row in connection.execute(_PLAN, {"ids": ids, "model": model}):
        work = found.get(row.id)
        if work is None:
            work = found[row.id] = Work(row.id, remove=not row.enabled)
        if row.image_id is None or work.remove:
            continue
        work.total += 1
        described = row.colour is not None and unpack_colour(row.colour) is not None
        if row.vector_image_id is None or not described:
            work.photos.append(_Photo(row.image_id, row.url))
    works = [found.get(pid) or Work(pid, remove=True) for pid in ids]
    for work in works:
        if not work.remove and not work.photos:
            work.outcome = f"up to date: {work.total} photos already embedded by {model}"
    return works


def _fetch(ctx: IndexingContext, photo: _Photo) -> None:
    """Download one photo (size, type and pixel count checked by the fetcher); record failures."""
    try:
        photo.fetched = ctx.fetcher.fetch(photo.url)
    except PhotoFetchError as exc:
        photo.error = exc
        observe_fetch_failure(exc.code)
    except Exception as exc:  # a hostile URL finding a new way to fail: this photo's job only
        log.exception("photo %s failed unexpectedly", photo.url)
        photo.error = PhotoFetchError(
            f"The photo {photo.url} could not be downloaded ({type(exc).__name__}).", url=photo.url
        )
        observe_fetch_failure(photo.error.code)


def _reuse_known(ctx: IndexingContext, photos: list[_Photo]) -> None:
    """Identical bytes already embedded by this model (the same photo under another URL)."""
    from vitrina.descriptors.repository import features_by_content

    known = vectors_by_content(
        ctx.sessions, [photo.fetched.sha256 for photo in photos if photo.fetched], ctx.embedder.name
    )
    described = features_by_content(
        ctx.sessions, [photo.fetched.sha256 for photo in photos if photo.fetched]
    )
    for photo in photos:
        if photo.fetched is not None:
            photo.vector = known.get(photo.fetched.sha256)
            photo.features = described.get(photo.fetched.sha256)


def _decode(ctx: IndexingContext, photo: _Photo) -> None:
    """Decode for the model and describe for search (colour, ORB) while the pixels are here."""
    assert photo.fetched is not None
    try:
        image = decode_image(
            photo.fetched.data,
            max_pixels=ctx.max_pixels,
            draft_size=(ctx.embedder.decode_size, ctx.embedder.decode_size),
        )
    except ImageRejected as exc:
        photo.error = exc
        photo.fetched = None
        observe_fetch_failure(exc.code)
        return
    if photo.features is None:
        from vitrina.descriptors.features import describe_catalog_photo

        photo.features = describe_catalog_photo(image).pack()
    if photo.vector is None:
        photo.image = image


def _embed(ctx: IndexingContext, photos: list[_Photo]) -> None:
    """One model call for every new photo of every product in the batch."""
    if not photos:
        return
    started = time.perf_counter()
    vectors = ctx.embedder.embed_images([photo.image for photo in photos if photo.image])
    for photo, vector in zip(photos, vectors, strict=True):
        photo.vector = vector
        photo.image = None  # free the decoded pixels early
    elapsed = time.perf_counter() - started
    observe_embedding(elapsed, len(photos))
    log.info("embedded %d photos in %.0f ms", len(photos), elapsed * 1000)


def _store(session: Session, ctx: IndexingContext, works: list[Work]) -> None:
    """Write vectors and photo state of the batch, skipping products disabled meanwhile and
    photos removed meanwhile."""
    from vitrina.descriptors.repository import NewFeatures, store_features

    connection = session.connection()
    photo_ids = [photo.image_id for work in works for photo in work.photos]
    if not photo_ids:
        return
    rows = connection.execute(_STILL_THERE, {"ids": photo_ids})
    enabled = {image_id: product_enabled for image_id, product_enabled in rows}
    now = utcnow()
    vectors: list[NewVector] = []
    features: list[NewFeatures] = []
    marks: list[tuple[int, str | None, datetime | None, str | None]] = []
    for work in works:
        for photo in work.photos:
            if not enabled.get(photo.image_id):  # gone, or its product disabled meanwhile
                continue
            if photo.error is not None:
                marks.append((photo.image_id, None, None, photo.error.message))
                continue
            assert photo.fetched is not None and photo.vector is not None
            if photo.features is not None:
                features.append(NewFeatures(photo.image_id, photo.fetched.sha256, *photo.features))
            vectors.append(
                NewVector(
                    photo.image_id,
                    work.product_id,
                    ctx.embedder.name,
                    photo.fetched.sha256,
                    photo.vector,
                )
            )
            marks.append((photo.image_id, photo.fetched.sha256, now, None))
    if marks:
        names = ("b_id", "b_hash", "b_at", "b_error")
        connection.execute(_MARK_IMAGE, [dict(zip(names, mark, strict=True)) for mark in marks])
    store_vectors(session, vectors)
    store_features(session, features)


def _outcome(work: Work) -> Outcome:
    failed = [photo for photo in work.photos if photo.error is not None]
    indexed = len(work.photos) - len(failed)
    if not failed:
        return f"indexed {indexed} new photos ({work.total} in all)"
    reasons = "; ".join(f"{photo.url}: {photo.error.message}" for photo in failed if photo.error)
    transient = [photo.error for photo in failed if photo.error and not photo.error.permanent]
    if transient or not indexed:
        retry_after = max((error.retry_after or 0 for error in transient), default=0)
        return Failure(
            f"{len(failed)} of {len(work.photos)} photos failed: {reasons}",
            permanent=not transient,
            retry_after=retry_after or None,
        )
    return f"indexed {indexed} photos; {len(failed)} skipped: {reasons}"
