"""Visual search: embed the query photo, rank stored photos, join with the *current* catalog.

The query is embedded whole and, when framed, as its product region too (``images/regions``);
candidates are ranked by cosine plus colour (``search/ranking``) and the leading ones verified
with local features (``search/verification``): only verified matches whose colours agree are
"exact".
Results are joined with the product rows at answer time, so price, name and availability are
always current and a disabled product is never returned even if its vectors are still stored.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vitrina.catalog.links import ProductLinks
from vitrina.catalog.models import Product, ProductImage
from vitrina.config import Settings
from vitrina.descriptors.features import describe_query_photo, product_crop
from vitrina.descriptors.repository import description
from vitrina.embedding import Embedder
from vitrina.errors import InvalidPayload, NotFound, PhotoFetchError, ServiceUnavailable
from vitrina.images.decode import decode_image
from vitrina.images.fetched import PhotoFetcher
from vitrina.search.photo_url import for_customer
from vitrina.search.ranking import INLIER_SHARE, Candidate, QueryPhoto, rank, rank_by_the_match
from vitrina.search.results import current_results
from vitrina.search.schemas import SearchResponse
from vitrina.search.thresholds import Thresholds, default_thresholds, resolve, stored_thresholds
from vitrina.search.verification import Need, verify_leading
from vitrina.search.words import follow_words
from vitrina.vectors.base import Hit, SearchFilters, VectorIndex
from vitrina.vectors.models import ImageVector
from vitrina.words import Understood

QUERY_DECODE_SIZE = 512  # a story screenshot keeps its product region large enough for ORB
# Photos per region asked of the index, whatever top_k: enough that the colour ranking finds
# the bouquets of the query's colour among them (60 left a small colour family short).
CANDIDATES = 100
# How long a search waits for an embedding slot before answering 503 (a burst queues this long).
SLOT_WAIT_S = 20.0


class SearchBusy(ServiceUnavailable):
    """Search is very busy right now; try again in a few seconds."""

    code = "search_busy"
    retry_after = 2.0


@dataclass
class SearchService:
    """Everything a search needs; built once per app.

    At most ``search_concurrency`` query photos are decoded and embedded at once: each holds a
    decoded image and the model's activations, and on two cores more at a time only add memory
    and latency. The rest of a burst waits for a slot (briefly), not for a 500.
    """

    settings: Settings
    sessions: sessionmaker[Session]
    embedder: Embedder
    index: VectorIndex
    fetcher: PhotoFetcher
    slot_wait_s: float = SLOT_WAIT_S
    _slots: threading.BoundedSemaphore = field(init=False, repr=False)
    _thresholds: Thresholds | None = field(default=None, repr=False)
    links: ProductLinks = field(init=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(max(1, self.settings.search_concurrency))
        self.links = ProductLinks.from_settings(self.settings)

    @property
    def thresholds(self) -> Thresholds:
        """Settings over this shop's stored calibration over the embedder's defaults; read once
        (``vitrina calibrate --store`` takes effect at the next start)."""
        if self._thresholds is None:
            default = default_thresholds(self.embedder.name, self.embedder.similar_threshold)
            with self.sessions() as session:
                stored = stored_thresholds(session, self.embedder.name, default)
            base = stored or default
            self._thresholds = resolve(self.settings, base)
        return self._thresholds

    def use_thresholds(self, thresholds: Thresholds) -> None:
        """Search with ``thresholds`` from now on (calibration tries candidates with it)."""
        self._thresholds = thresholds

    @property
    def exact_threshold(self) -> float:
        return self.thresholds.verify_floor

    @property
    def similar_threshold(self) -> float:
        return self.thresholds.similar

    # --- the one entry point for requests ---------------------------------------------------

    def find(
        self,
        *,
        photo: bytes | None = None,
        image_base64: str | None = None,
        image_url: str | None = None,
        product_id: int | None = None,
        top_k: int,
        threshold: float | None,
        filters: SearchFilters,
        words: Understood | None = None,
        started: float | None = None,
    ) -> SearchResponse:
        """Search by exactly one of: photo bytes, base64, a URL, or an indexed product's photo
        (with ``words`` beside it, already applied to ``filters``: ``search/words.py``).

        One call from the request to the answer, so a search can run in another process
        (``search/process.py``) with one round trip and no image crossing the boundary.
        """
        if photo is not None:
            query = self.embed_bytes(photo)
        elif image_base64 is not None:
            query = self.embed_base64(image_base64)
        elif image_url is not None:
            query = self.embed_url(image_url)
        elif product_id is not None:
            query = self.product_vector(product_id)
        else:
            raise InvalidPayload("give a photo, image_url, image_base64 or product_id")
        return self.search(
            query, top_k=top_k, threshold=threshold, filters=filters, words=words, started=started
        )

    @property
    def embedder_name(self) -> str:
        return self.embedder.name

    def warm(self, model: bool = False) -> None:
        """Load the index (and with ``model`` the embedder's model) now rather than in the first
        customer's search."""
        if model:
            self.embedder.load()
        with self.sessions() as session:
            self.index.count(session)

    def close(self) -> None:
        self.index.close()

    # --- query photos ----------------------------------------------------------------------

    def embed_bytes(self, data: bytes) -> QueryPhoto:
        """The query photo's vectors and description (decoding checks size, format and bombs).

        Decoded at twice the model's size: the product may fill only part of a screenshot. The
        slot is held while the decoded photo is worked on (regions, model, colour, ORB).
        """
        if not self._slots.acquire(timeout=self.slot_wait_s):
            raise SearchBusy()
        try:
            image = decode_image(
                data,
                max_pixels=self.settings.image_max_pixels,
                max_bytes=self.settings.image_max_bytes,
                draft_size=(QUERY_DECODE_SIZE, QUERY_DECODE_SIZE),
            )
            return self.embed_image(image, original=data)
        finally:
            self._slots.release()

    def embed_image(self, image: Image.Image, original: bytes | None = None) -> QueryPhoto:
        """A decoded query photo: the whole photo and its product region, in one model call.

        The whole photo is embedded from ``original`` (its file, decoded as the worker decodes
        catalog photos) when given: decoded at the query's larger size instead, a shop's own
        photo came back at cosine 0.985-0.999 to itself, not 1.0.
        """
        crop, region = product_crop(image)
        whole: Image.Image | bytes = image if original is None else original
        crops = [whole] if region is None else [whole, crop]
        vectors = np.asarray(self.embedder.embed_images(crops), dtype=np.float32)
        return QueryPhoto(
            vectors,
            describe_query_photo(crop),
            crop,
            None if region is None else image,
            None if region is None else region.share_of(*image.size),
        )

    def embed_base64(self, text: str) -> QueryPhoto:
        """A base64 photo (data: URLs accepted)."""
        if text.startswith("data:") and "," not in text:
            raise InvalidPayload("image_base64: a data: URL without its data", field="image_base64")
        payload = text.split(",", 1)[1] if text.startswith("data:") else text
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidPayload("image_base64: not valid base64", field="image_base64") from None
        return self.embed_bytes(data)

    def embed_url(self, url: str) -> QueryPhoto:
        """A photo by URL, fetched under the same rules as shop photos (no private addresses)."""
        try:
            photo = self.fetcher.fetch(url)
        except PhotoFetchError as error:
            raise for_customer(error) from error
        return self.embed_bytes(photo.data)

    def product_vector(self, product_id: int) -> QueryPhoto:
        """A product's primary photo (or its first embedded one) as a query: its stored vector
        and stored description, so "more like this" is verified and colour-aware too."""
        with self.sessions() as session:
            row = session.execute(
                select(ImageVector.embedding, ImageVector.image_id)
                .join(ProductImage, ProductImage.id == ImageVector.image_id)
                .where(
                    ImageVector.product_id == product_id, ImageVector.model == self.embedder.name
                )
                .order_by(ProductImage.is_primary.desc(), ProductImage.position)
                .limit(1)
            ).first()
            if row is None:
                product = session.get(Product, product_id)
                if product is None:
                    raise NotFound(f"product {product_id} not found")
                if not product.enabled:  # a deleted product's photos are not indexed
                    raise NotFound(f"product {product_id} is not on sale")
                raise NotFound(f"product {product_id} has no indexed photo yet")
            stored = description(session, row[1])
        return QueryPhoto(np.asarray(row[0], dtype=np.float32)[None, :], stored)

    # --- ranking ---------------------------------------------------------------------------

    def search(
        self,
        query: QueryPhoto | NDArray[np.float32],
        *,
        top_k: int,
        threshold: float | None,
        filters: SearchFilters,
        words: Understood | None = None,
        started: float | None = None,
    ) -> SearchResponse:
        """Top ``top_k`` products (one entry each: its best photo), the verified match first.

        Each region's vector asks the index; a photo keeps its best cosine over the regions. The
        ranking score adds colour agreement to the cosine; the leading candidates are checked
        geometrically: the one that verifies comes first, "exact" when its colours agree and no
        other colour of the same bouquet fits as well (:func:`the_match`).
        """
        started = time.perf_counter() if started is None else started
        photo = QueryPhoto.of(query)
        thresholds = self.thresholds
        with self.sessions() as session:
            candidates = self.candidates(session, photo, filters, top_k, thresholds, words)
            results = current_results(session, candidates, top_k, threshold, filters, self.links)
            total = self.index.count(session)
        exact = [r for r in results if r.verification is not None and r.verification.exact]
        similar = [
            r
            for r in results
            if not (r.verification is not None and r.verification.exact)
            and r.similarity >= thresholds.similar
        ]
        return SearchResponse(
            results=results,
            exact=exact,
            similar=similar,
            search_time_ms=round((time.perf_counter() - started) * 1000, 2),
            total_indexed=total,
            region=None if photo.region is None else list(photo.region),
            embedder=self.embedder.name,
            exact_threshold=thresholds.verify_floor,
            similar_threshold=thresholds.similar,
            exact_min_inliers=thresholds.min_inliers,
            exact_colour_agree=thresholds.colour_agree,
            exact_hue_agree=thresholds.hue_agree,
        )

    def candidates(
        self,
        session: Session,
        photo: QueryPhoto,
        filters: SearchFilters,
        top_k: int,
        thresholds: Thresholds,
        words: Understood | None = None,
        need: Need = Need.ANSWER,
    ) -> list[Candidate]:
        """Ranked and verified candidates, one per product (calibration reads them directly,
        with every check's numbers: ``need``), then re-ranked for the customer's ``words``."""
        # Several photos may belong to one product: ask for more photos than products.
        limit = max(top_k * 4, CANDIDATES)
        best: dict[int, Hit] = {}
        # One index call for the whole photo and its region: one refresh, one shortlist read.
        for hits in self.index.search_many(session, photo.vectors, filters, limit):
            for hit in hits:
                known = best.get(hit.image_id)
                if known is None or hit.similarity > known.similarity:
                    best[hit.image_id] = hit
        candidates = rank(session, photo, list(best.values()), thresholds)
        if need is Need.ANSWER and words is not None and words.colour is not None:
            need = Need.MATCHES  # the colour asked may be a weaker match's (words.py)
        front = verify_leading(session, photo, candidates, thresholds, need)
        rank_by_the_match(candidates, front, thresholds)
        if words is not None:
            follow_words(session, candidates, words, thresholds, min_share=INLIER_SHARE)
        return candidates
