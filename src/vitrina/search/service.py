"""Visual search: embed the query photo, rank stored photos, join with the *current* catalog.

The query is embedded whole and, when framed, as its product region too (``images/regions``);
candidates are ranked by cosine plus colour (``search/colour``), the leading ones verified with
local features (``search/verify``): only verified matches whose colours agree are "exact".
Results are joined with the product rows at answer time, so price, name and availability are
always current and a disabled product is never returned even if its vectors are still stored.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vitrina.catalog.links import ProductLinks
from vitrina.catalog.models import Product, ProductImage
from vitrina.config import Settings
from vitrina.embedding import Embedder
from vitrina.errors import InvalidPayload, NotFound, PhotoFetchError, ServiceUnavailable
from vitrina.images.decode import decode_image
from vitrina.images.fetch import FetchedPhoto, PhotoFetcher
from vitrina.search.colour import confident_colour, main_colours, similarities
from vitrina.search.features import PhotoDescription, describe_query_photo, product_crop
from vitrina.search.photo_url import for_customer
from vitrina.search.repository import colours, description, keypoints
from vitrina.search.schemas import MatchCheck, SearchResponse, SearchResult
from vitrina.search.thresholds import (
    Thresholds,
    default_thresholds,
    resolve,
    stored_thresholds,
)
from vitrina.search.verify import (
    QUERY_KEYPOINTS,
    LocalFeatures,
    Verification,
    local_features,
    mirrored,
    verify,
)
from vitrina.vectors.base import Hit, SearchFilters, VectorIndex
from vitrina.vectors.models import ImageVector

QUERY_DECODE_SIZE = 512  # a story screenshot keeps its product region large enough for ORB
# Photos per region asked of the index, whatever top_k: enough that the colour ranking finds
# the bouquets of the query's colour among them (60 left a small colour family short).
CANDIDATES = 100
VERIFIED = 8  # leading products checked geometrically (~1 ms each)
VARIANT_MARGIN = 0.04  # colour agreement by which a colour variant loses "exact" to another
NAME_MARGIN = 0.1  # colour-name similarity by which it loses too (white and pale pink peonies)
STRONG = 2  # times the inlier threshold: a match that ends verification early
INLIER_SHARE = 0.4  # a match needs this share of the strongest one's inliers (else a look-alike)
# Cosine at which a verified photo is the query photo itself (re-encoded, resized): a shop's own
# photo came back 0.985-1.0 on real photographs, another colour of the same bouquet 0.87-0.98.
NEAR_DUPLICATE = 0.985
# How long a search waits for an embedding slot before answering 503 (a burst queues this long).
SLOT_WAIT_S = 20.0


class Ranked(Protocol):
    """A candidate as ranked: its best cosine (a service :class:`Candidate`, a calibration
    replay's observation)."""

    @property
    def similarity(self) -> float: ...


T = TypeVar("T", bound=Ranked)


class SearchBusy(ServiceUnavailable):
    """Search is very busy right now; try again in a few seconds."""

    code = "search_busy"
    retry_after = 2.0


@dataclass
class QueryPhoto:
    """A query as search sees it: one vector per region, and the product region's description.

    ``vectors`` has one row for the whole photo and one for the product region when the photo
    has a frame (a story screenshot, a screen); ``description`` is ``None`` for a product whose
    photo has no stored features yet, and then nothing is verified.
    """

    vectors: NDArray[np.float32]
    description: PhotoDescription | None = None
    crop: Image.Image | None = None  # the product region (or the whole photo)
    image: Image.Image | None = None  # the whole photo, when the region is only part of it

    @classmethod
    def of(cls, query: QueryPhoto | NDArray[np.float32]) -> QueryPhoto:
        return query if isinstance(query, QueryPhoto) else cls(np.atleast_2d(query))

    def feature_sets(self) -> Iterator[LocalFeatures]:
        """Local features to verify with, cheapest and likeliest first; the caller stops as soon
        as one verifies. The region's, then the whole photo's (the region finder may have cut
        a part: a basket's rim), then the mirrored region's (selfie cameras mirror)."""
        if self.description is None:
            return
        yield self.description.features
        if self.image is not None:
            yield local_features(self.image, keypoints=QUERY_KEYPOINTS, query=True)
        if self.crop is not None:
            yield mirrored(self.crop)


@dataclass(slots=True)
class Candidate:
    """One product's best photo during ranking, with what was learnt about it."""

    hit: Hit
    colour: float | None = None
    same_colour: bool = False  # the same main colour as the query's (when that is clear)
    score: float = 0.0
    verification: Verification | None = None
    exact: bool = False

    @property
    def similarity(self) -> float:
        return self.hit.similarity


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
        started: float | None = None,
    ) -> SearchResponse:
        """Search by exactly one of: photo bytes, base64, a URL, or an indexed product's photo.

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
            query, top_k=top_k, threshold=threshold, filters=filters, started=started
        )

    @property
    def embedder_name(self) -> str:
        return self.embedder.name

    def warm(self, model: bool = False) -> None:
        """Load the index (and ``model``: the embedder's model) now rather than in the first
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
        crop = product_crop(image)
        whole: Image.Image | bytes = image if original is None else original
        crops = [whole] if crop is image else [whole, crop]
        vectors = np.asarray(self.embedder.embed_images(crops), dtype=np.float32)
        return QueryPhoto(
            vectors, describe_query_photo(crop), crop, None if crop is image else image
        )

    def embed_base64(self, text: str) -> QueryPhoto:
        """A base64 photo (data: URLs accepted)."""
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
        assert isinstance(photo, FetchedPhoto)
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
                if not product.enabled:  # photos of what is not on sale are not indexed
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
            candidates = self.candidates(session, photo, filters, top_k, thresholds)
            results = self._results(session, candidates, top_k, threshold, filters)
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
            embedder=self.embedder.name,
            exact_threshold=thresholds.verify_floor,
            similar_threshold=thresholds.similar,
            exact_min_inliers=thresholds.min_inliers,
            exact_colour_agree=thresholds.colour_agree,
        )

    def candidates(
        self,
        session: Session,
        photo: QueryPhoto,
        filters: SearchFilters,
        top_k: int,
        thresholds: Thresholds,
    ) -> list[Candidate]:
        """Ranked and verified candidates, one per product (calibration reads them directly)."""
        # Several photos may belong to one product: ask for more photos than products.
        limit = max(top_k * 4, CANDIDATES)
        best: dict[int, Hit] = {}
        for vector in photo.vectors:
            for hit in self.index.search(session, vector, filters, limit):
                known = best.get(hit.image_id)
                if known is None or hit.similarity > known.similarity:
                    best[hit.image_id] = hit
        candidates = self._rank(session, photo, list(best.values()), thresholds)
        self._verify(session, photo, candidates, thresholds)
        return candidates

    @staticmethod
    def _rank(
        session: Session, photo: QueryPhoto, hits: list[Hit], thresholds: Thresholds
    ) -> list[Candidate]:
        """Best photo per product by cosine plus colour agreement, best first; when the query's
        main colour is clear, bouquets of that colour get :attr:`Thresholds.colour_gate` more,
        so they come first unless another bouquet is much nearer in shape."""
        description = photo.description
        query_colour = description.colour if description is not None else None
        stored = colours(session, [h.image_id for h in hits]) if query_colour is not None else {}
        described = [h.image_id for h in hits if h.image_id in stored]
        agreement: dict[int, tuple[float, bool]] = {}
        if description is not None and query_colour is not None and described:
            matrix = np.stack([stored[image_id] for image_id in described])
            # Corrected for warm light, or as taken, whichever fits a stored photo better: the
            # correction cools a shop photo of orange roses taken under warm light, and must
            # never make it less like itself.
            versions = [query_colour]
            if description.as_taken is not None:
                versions.append(description.as_taken)
            fits = np.max([similarities(v, matrix) for v in versions], axis=0)
            clear = {confident_colour(v) for v in versions} - {None}
            agreement = {
                image_id: (float(similarity), name in clear)
                for image_id, similarity, name in zip(
                    described, fits, main_colours(matrix), strict=True
                )
            }
        per_product: dict[int, Candidate] = {}
        for hit in hits:
            candidate = Candidate(hit)
            if hit.image_id in agreement:
                candidate.colour, candidate.same_colour = agreement[hit.image_id]
            candidate.score = ranking_score(
                hit.similarity, candidate.colour, candidate.same_colour, thresholds
            )
            known = per_product.get(hit.product_id)
            if known is None or candidate.score > known.score:
                per_product[hit.product_id] = candidate
        return sorted(per_product.values(), key=lambda c: c.score, reverse=True)

    @staticmethod
    def _verify(
        session: Session, photo: QueryPhoto, candidates: list[Candidate], thresholds: Thresholds
    ) -> None:
        """Geometric check of the leading candidates; the product photographed moves to the
        front, exact or not (:func:`the_match`)."""
        if photo.description is None or not candidates:
            return
        leading = [
            c for c in nearest_in_shape(candidates) if c.hit.similarity >= thresholds.verify_floor
        ]
        stored = keypoints(session, [c.hit.image_id for c in leading])
        # A match with few inliers may be a look-alike that the next feature set shows a far
        # stronger match beside (the product itself, cut or tilted in the region): only a strong
        # one ends the search early.
        strong = STRONG * thresholds.min_inliers
        for features in photo.feature_sets():
            if any(c.exact and c.verification and c.verification.inliers >= strong for c in leading):
                break
            for candidate in leading:
                target = stored.get(candidate.hit.image_id)
                if target is None:
                    continue
                outcome = verify(features, target)
                if (
                    candidate.verification is None
                    or outcome.inliers > candidate.verification.inliers
                ):
                    candidate.verification = outcome
                check = candidate.verification
                candidate.exact = passes(check.inliers, check.colour_agreement, thresholds)
        checked = [c for c in leading if c.verification is not None]
        first, exact = the_match(
            [
                (c.verification.inliers, c.verification.colour_agreement, c.colour, c.similarity)
                for c in checked
                if c.verification is not None
            ],
            thresholds,
        )
        front = {checked[k].hit.product_id for k in first}  # one candidate per product
        for candidate in leading:
            candidate.exact = exact and candidate.hit.product_id in front
        candidates.sort(key=lambda c: (c.hit.product_id in front, c.score), reverse=True)

    def _results(
        self,
        session: Session,
        candidates: list[Candidate],
        top_k: int,
        threshold: float | None,
        filters: SearchFilters,
    ) -> list[SearchResult]:
        if not candidates:
            return []
        rows = session.execute(
            select(Product, ProductImage.id, ProductImage.url)
            .join(ProductImage, ProductImage.product_id == Product.id)
            .where(ProductImage.id.in_([c.hit.image_id for c in candidates]))
        ).all()
        current = {image_id: (product, url) for product, image_id, url in rows}
        results = []
        for candidate in candidates:
            hit = candidate.hit
            found = current.get(hit.image_id)
            if found is None:
                continue
            product, url = found
            if not _passes(product, filters) or (
                threshold is not None and hit.similarity < threshold
            ):
                continue
            check = candidate.verification
            results.append(
                SearchResult(
                    product_id=product.id,
                    name=product.name,
                    price=product.price,
                    image_url=product.image,
                    matched_image_url=url,
                    similarity=round(min(1.0, hit.similarity), 4),
                    page_url=self.links.page_url(product.id, product.page_url),
                    score=round(candidate.score, 4),
                    colour_similarity=(
                        None if candidate.colour is None else round(candidate.colour, 4)
                    ),
                    verification=(
                        None
                        if check is None
                        else MatchCheck(
                            exact=candidate.exact,
                            inliers=check.inliers,
                            matches=check.matches,
                            colour_agreement=round(check.colour_agreement, 3),
                        )
                    ),
                )
            )
            if len(results) == top_k:
                break
        return results


def passes(inliers: int, agreement: float, thresholds: Thresholds) -> bool:
    """A geometric match whose colours agree where the photos overlap."""
    return inliers >= thresholds.min_inliers and agreement >= thresholds.colour_agree


def the_match(
    checks: Sequence[tuple[int, float, float | None, float]], thresholds: Thresholds
) -> tuple[list[int], bool]:
    """Which of the verified candidates, given each one's ``(inliers, colour agreement,
    colour-name similarity, cosine)`` nearest first, show the product photographed (they go
    first), and whether they are exact.

    Every candidate with ``min_inliers`` is the same arrangement, unless it has far fewer
    inliers than the strongest (a look-alike). A near-duplicate of one catalog photo (cosine
    ≥ :data:`NEAR_DUPLICATE`, nearer than every other match) is that photo, exact when its
    colours pass, whatever other colours of the bouquet fit. Otherwise, as shops sell one
    arrangement in several colours and each verifies, the match is the one whose colour cells
    agree best, and it is exact only when its colours pass on their own *and* it agrees clearly
    better than every other variant, by the cells or by the names of the whole photos' colours
    (white and pale pink peonies can pass the cells alike): when two colours fit the photo
    equally, neither is called exact. Products that share one photo verify identically; they
    are the match together, not rivals.
    """
    matched = [k for k, check in enumerate(checks) if check[0] >= thresholds.min_inliers]
    if not matched:
        return [], False
    most = max(checks[k][0] for k in matched)
    matched = [k for k in matched if checks[k][0] >= INLIER_SHARE * most]
    nearest = max(matched, key=lambda k: checks[k][3])
    if checks[nearest][3] >= NEAR_DUPLICATE:
        copies = [k for k in matched if checks[k][:2] == checks[nearest][:2]]
        if all(checks[k][3] < checks[nearest][3] for k in matched if k not in copies):
            return copies, passes(checks[nearest][0], checks[nearest][1], thresholds)
    best = max(matched, key=lambda k: checks[k][1])  # of equals, the nearest
    inliers, agreement, names, _ = checks[best]
    twins = [k for k in matched if checks[k][:2] == (inliers, agreement)]
    clearly_better = all(
        agreement >= other_agreement + VARIANT_MARGIN
        or (names is not None and other_names is not None and names >= other_names + NAME_MARGIN)
        for k in matched
        if k not in twins
        for _, other_agreement, other_names, _ in [checks[k]]
    )
    return twins, clearly_better and passes(inliers, agreement, thresholds)


def nearest_in_shape(candidates: list[T]) -> list[T]:
    """The :data:`VERIFIED` candidates nearest by cosine: the ones worth checking for the same
    product. By cosine, not by the colour-fused score: a customer photo whose colour reads
    wrong must not push its own product out of the check."""
    return sorted(candidates, key=lambda c: c.similarity, reverse=True)[:VERIFIED]


def ranking_score(
    similarity: float, colour: float | None, same_colour: bool, thresholds: Thresholds
) -> float:
    """Cosine, minus what colour disagreement costs, plus the same-main-colour bonus; unknown
    colour counts as half agreement: neither promoted nor buried."""
    agreement = 0.5 if colour is None else colour
    return (
        similarity
        + thresholds.colour_weight * (agreement - 1.0)
        + thresholds.colour_gate * same_colour
    )


def _passes(product: Product, filters: SearchFilters) -> bool:
    """The final check against the current row: what the index knew may be a moment old."""
    return (
        product.enabled
        and (filters.shop_id is None or product.shop_id == filters.shop_id)
        and (filters.price_min is None or product.price >= filters.price_min)
        and (filters.price_max is None or product.price <= filters.price_max)
        and (filters.type is None or product.type == filters.type)
        and product.id != filters.exclude_product_id
    )
