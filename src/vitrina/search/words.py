"""How the words beside a photo change a search («такой же, но белый, до 20 000»).

- price words are filters (``search/asked.py``, read at the request), like the request's own ``filters`` (the tighter bound wins: words
  never widen what the shop's page asked for);
- a colour word ranks by the bouquets' colours instead of the photo's: the customer has said the
  photo's colour is not the one wanted; the same arrangement in that colour comes first and is
  the ``exact`` one (of the arrangement's own colour variants, the one with the most of that
  colour: :func:`variant_asked`). A bouquet's colour is the one the shop gives (:func:`product_colour`: its
  colour field, title or composition, «Букет из белых роз»), else its photo's stored colour name
  (the shop's words know white roses under warm light, the descriptor sees yellow);
- count and container words favour products whose title or composition says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from vitrina.catalog.models import Product, ProductImage
from vitrina.descriptors.colour import FLOWER_NAMES, NAMES, main_colours, similarities
from vitrina.descriptors.repository import colours, keypoints
from vitrina.descriptors.verify import shared_cells_each
from vitrina.search.ranking import ranking_score
from vitrina.search.thresholds import Thresholds
from vitrina.words import Understood
from vitrina.words.mentions import agreement, colours_said

if TYPE_CHECKING:
    from vitrina.search.ranking import Candidate

# Candidates (nearest the photo by cosine) weighed as the photographed arrangement's colour
# variant (a zoomed photo leaves the variant some 30 places down), and how alike to the colour
# asked one must be when not named by it: the square root of the share of its flowers' area in
# that colour, so at least a quarter, and clearly more than the photographed one has.
KIN_CHECKED = 50
SOME_OF_THE_COLOUR = 0.5
MORE_OF_THE_COLOUR = 0.1
# A colour variant shares more cells (``verify.shared_cells``) with the product photographed than
# other products do: at least KIN_FLOOR and KIN_MARGIN more than the candidates' usual kinship
# (the upper quartile of theirs: a shop that shoots every bouquet on one backdrop raises it);
# a candidate that did not verify against the photo too, only by its shop photos, must stand
# out further (its own floor, margin over the top decile). Real photographs (issue 25): a
# bouquet's variants share 0.25-0.94 of the cells, other bouquets among the 50 nearest at most
# 0.26 (99 % below 0.15); generated bouquets on one backdrop: variants 0.67-0.75, other
# bouquets up to 0.49 (top decile 0.27-0.36).
KIN_FLOOR, KIN_MARGIN, KIN_USUAL = 0.2, 0.2, 75
UNVERIFIED_FLOOR, UNVERIFIED_MARGIN, UNVERIFIED_USUAL = 0.3, 0.25, 90
# A product whose own words say the count or the container asked for gains this share of the
# colour gate for each: enough to lead among look-alikes, not to bury the bouquet photographed.
SAID_SHARE = 0.5

Described = tuple[str, dict[str, Any] | None]  # a product's title and the shop's payload


def wanted_colour(
    stored: NDArray[np.float32], colour: str
) -> tuple[NDArray[np.float32], list[bool]]:
    """For each stored descriptor: how alike its flowers are to ``colour`` alone (the ranking
    score's colour term, compared as photos are) and whether ``colour`` is its main colour."""
    asked = np.zeros(len(NAMES), dtype=np.float32)
    asked[NAMES.index(colour)] = 1.0
    return similarities(asked, stored), [name == colour for name in main_colours(stored)]


def product_text(name: str, payload: dict[str, Any] | None) -> str:
    """What a product says of itself: its title and, when the shop sends one, its composition."""
    composition = (payload or {}).get("composition")
    return f"{name} {composition}" if isinstance(composition, str) else name


def product_colour(name: str, payload: dict[str, Any] | None) -> str | None:
    """The colour the shop gives the product's flowers, or ``None`` (unsaid, or a mix).

    The shop's colour field (``colors``, ``false`` when unset) first, then the title, then the
    composition: the first that names any flower colour decides, and naming several is a mix. A
    title «Красные розы» with «гипсофила белая» in the composition is red; green, brown, grey
    and black are the leaves', the kraft's and the box's («с зелёным эвкалиптом»), not counted.
    """
    payload = payload or {}
    field = payload.get("colors")
    said = [field] if isinstance(field, str) else field if isinstance(field, list) else []
    composition = payload.get("composition")
    for text in (" ".join(s for s in said if isinstance(s, str)), name, composition):
        named = colours_said(text) & set(FLOWER_NAMES) if isinstance(text, str) else set()
        if named:
            return named.pop() if len(named) == 1 else None
    return None


def said_bonus(words: Understood | None, text: str, thresholds: Thresholds) -> float:
    """What the product's own words add to its score for the count and container asked."""
    if words is None or (words.count is None and words.container is None):
        return 0.0
    return SAID_SHARE * thresholds.colour_gate * agreement(words, text)


def follow_words(
    session: Session,
    candidates: list[Candidate],
    words: Understood,
    thresholds: Thresholds,
    *,
    min_share: float,
) -> None:
    """Re-rank ranked and verified ``candidates`` in place for the words asked.

    With a colour, each candidate's colour term is how alike its flowers are to that colour
    and the bouquets named by it get the colour gate; the arrangement photographed, in that
    colour, comes first (:func:`_colour_front`; ``min_share`` is the look-alike guard), so the
    photo's own colour never leads against the customer's words. Count and container words add
    :func:`said_bonus` from the product's title and composition.
    """
    if not candidates:
        return
    front = {id(c) for c in candidates if c.exact}
    said = words.count is not None or words.container is not None
    if words.colour is None and not said:
        described: dict[int, Described] = {}  # price words: filters only, nothing to read
    else:  # the products' own words, read once for the colour and the count or container
        described = _products(session, [c.hit.product_id for c in candidates])
    if words.colour is not None:
        front = _colour_front(session, candidates, described, words.colour, thresholds, min_share)
    if said:
        for candidate in candidates:
            found = described.get(candidate.hit.product_id)
            text = product_text(*found) if found else ""
            candidate.score += said_bonus(words, text, thresholds)
    candidates.sort(key=lambda c: (id(c) in front, c.score), reverse=True)


def _colour_front(
    session: Session,
    candidates: list[Candidate],
    products: dict[int, Described],
    colour: str,
    thresholds: Thresholds,
    min_share: float,
) -> set[int]:
    """Score every candidate by ``colour``; the variant of that colour to put first (by ``id``).

    The variant is the arrangement photographed, in ``colour``. When the shop sells that
    arrangement in several colours (:func:`_family`), it is the one of them with the most of
    ``colour`` (:func:`variant_asked`): compared among themselves, as they differ only in the
    flowers, the variants tell the colour apart where a photo's naming alone may not (white
    peonies on a white wall read yellow, a pink recolour of red ones red); ``exact`` when named
    by ``colour`` and verified. Otherwise, of the candidates of that colour
    that verified (``min_inliers``, and ``min_share`` of the strongest such one's inliers: a
    recoloured variant matches with fewer points, ORB sees the flowers' new shading, so they are
    compared among themselves), the one most like the arrangement photographed is first and
    ``exact`` (a look-alike of that colour may verify too; it is not the one). When none of that
    colour verified but the photo did, as a product of another colour, that arrangement's
    variant comes first (:func:`_nearest_variant`), not ``exact``: it did not verify as the photo.
    """
    stored = colours(session, [c.hit.image_id for c in candidates])
    described = [c for c in candidates if c.hit.image_id in stored]
    named: dict[int, bool] = {}
    if described:
        alike, main = wanted_colour(np.stack([stored[c.hit.image_id] for c in described]), colour)
        for candidate, similarity, is_named in zip(described, alike, main, strict=True):
            candidate.colour, candidate.same_colour = float(similarity), is_named
            named[id(candidate)] = is_named
    for candidate in candidates:
        found = products.get(candidate.hit.product_id)
        said = product_colour(*found) if found else None
        if said is not None:  # the shop's own word for the flowers' colour
            is_named = said == colour
            candidate.colour, candidate.same_colour = float(is_named), is_named
            named[id(candidate)] = is_named
        elif id(candidate) not in named:
            candidate.colour, candidate.same_colour = None, False
        candidate.score = ranking_score(
            candidate.similarity, candidate.colour, candidate.same_colour, thresholds
        )
        candidate.exact = False
    inliers = {
        id(c): c.verification.inliers
        for c in candidates
        if c.verification is not None and c.verification.inliers >= thresholds.min_inliers
    }
    if not inliers:
        return set()
    photographed = max((c for c in candidates if id(c) in inliers), key=lambda c: inliers[id(c)])
    # Kinship with the photographed product, read once for every rule below: of the nearest by
    # cosine (its variants, the colour's fallback) and of every verified candidate.
    nearest = sorted(candidates, key=lambda c: c.similarity, reverse=True)[:KIN_CHECKED]
    nearest += [c for c in candidates if id(c) in inliers and all(n is not c for n in nearest)]
    kin = _kinship(session, photographed, nearest)
    family = _family(photographed, nearest, kin, set(inliers))
    if len(family) > 1:  # the arrangement photographed, sold in several colours
        asked = variant_asked(
            [(named.get(id(c), False), c.colour or 0.0) for c in family],
            next(k for k, c in enumerate(family) if c is photographed),
        )
        if asked is not None:
            front = family[asked]
            front.exact = named.get(id(front), False) and id(front) in inliers
            return {id(front)}
    most = max((n for k, n in inliers.items() if named.get(k)), default=0)
    matched = [
        c for c in candidates if named.get(id(c)) and inliers.get(id(c), -1) >= min_share * most
    ]
    if matched:
        front = _nearest_variant(matched, kin)
        front.exact = True
        return {id(front)}
    base = photographed.colour or 0.0
    coloured = [
        c
        for c in nearest[:KIN_CHECKED]
        if (named.get(id(c)) or (c.colour or 0.0) >= SOME_OF_THE_COLOUR)
        and (c.colour or 0.0) >= base + MORE_OF_THE_COLOUR
    ]
    return {id(_nearest_variant(coloured, kin))} if coloured else set()


def variant_asked(colours: Sequence[tuple[bool, float]], photographed: int) -> int | None:
    """Of one arrangement's colour variants, each ``(named by the colour asked, how alike to
    it)``, the position of the one asked for: the most of that colour, named ones first, when it
    is named, has some of the colour or clearly more of it than the ``photographed`` one; else
    ``None`` (the arrangement is not sold in that colour). Of equals, the first."""
    best = max(range(len(colours)), key=colours.__getitem__)
    named, alike = colours[best]
    if (
        named
        or alike >= SOME_OF_THE_COLOUR
        or alike >= colours[photographed][1] + MORE_OF_THE_COLOUR
    ):
        return best
    return None


def _family(
    photographed: Candidate, nearest: list[Candidate], kin: dict[int, float], verified: set[int]
) -> list[Candidate]:
    """The photographed product and its colour variants among ``nearest`` (their kinship
    ``kin``, by ``id``: :func:`kin_needed`; ``verified`` ids verified against the photo), in
    their order."""
    others = [kin[id(c)] for c in nearest if c is not photographed]
    least = {True: kin_needed(others, verified=True), False: kin_needed(others, verified=False)}
    return [c for c in nearest if c is photographed or kin[id(c)] >= least[id(c) in verified]]


def kin_needed(kinship: Sequence[float], *, verified: bool) -> float:
    """The shared cells from which a candidate is a colour variant of the photographed product,
    given every candidate's, for one that ``verified`` against the photo too or not."""
    floor, margin, usual = (
        (KIN_FLOOR, KIN_MARGIN, KIN_USUAL)
        if verified
        else (UNVERIFIED_FLOOR, UNVERIFIED_MARGIN, UNVERIFIED_USUAL)
    )
    return max(floor, (float(np.percentile(kinship, usual)) if len(kinship) else 0.0) + margin)


def _nearest_variant(candidates: list[Candidate], kin: dict[int, float]) -> Candidate:
    """Of ``candidates``, the one whose shop photos share most cells with the photographed
    product's (``kin``, by ``id``: a colour variant keeps the arrangement where it was; every
    photo of each, as the two may be matched by different shots); the photographed one itself
    when it is among them."""
    return max(candidates, key=lambda c: kin[id(c)])


def _kinship(
    session: Session, photographed: Candidate, candidates: list[Candidate]
) -> dict[int, float]:
    """How much each of ``candidates`` (by ``id``) is a colour variant of the photographed
    product: the most cells any of its shop photos shares with any of the photographed one's
    (:func:`shared_cells`; -1 when either has no stored features; 1 for itself)."""
    photos = _product_photos(
        session, {photographed.hit.product_id, *(c.hit.product_id for c in candidates)}
    )
    grids = keypoints(session, [i for ids in photos.values() for i in ids])
    mine = [grids[i] for i in photos.get(photographed.hit.product_id, []) if i in grids]
    theirs = [(c, i) for c in candidates for i in photos.get(c.hit.product_id, []) if i in grids]
    kin = {id(c): -1.0 for c in candidates}
    if mine and theirs:
        stacked = np.stack([grids[i].grid for _, i in theirs])
        shared = np.max([shared_cells_each(a, stacked) for a in mine], axis=0)
        for (candidate, _), share in zip(theirs, shared, strict=True):
            kin[id(candidate)] = max(kin[id(candidate)], float(share))
    for candidate in candidates:
        if candidate.hit.product_id == photographed.hit.product_id:
            kin[id(candidate)] = 1.0
    return kin


def _product_photos(session: Session, product_ids: set[int]) -> dict[int, list[int]]:
    """The photo ids of each product (one query for a search's few)."""
    rows = session.execute(
        select(ProductImage.product_id, ProductImage.id).where(
            ProductImage.product_id.in_(product_ids)
        )
    )
    found: dict[int, list[int]] = {}
    for product_id, image_id in rows:
        found.setdefault(product_id, []).append(image_id)
    return found


def _products(session: Session, product_ids: Sequence[int]) -> dict[int, Described]:
    """Title and source payload of the candidates' products (one query for a search's few)."""
    rows = session.execute(
        select(Product.id, Product.name, Product.source_payload).where(
            Product.id.in_(set(product_ids))
        )
    )
    return {pid: (name, payload) for pid, name, payload in rows}
