"""How the words beside a photo change a search («такой же, но белый, до 20 000»).

- price words are filters, like the request's own ``filters`` (the tighter bound wins: words
  never widen what the shop's page asked for);
- a colour word ranks by the bouquets' stored colour names instead of the photo's colours: the
  customer has said the photo's colour is not the one wanted; the same arrangement in that
  colour comes first and is the ``exact`` one;
- count and container words favour products whose title or composition says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from vitrina.catalog.models import Product
from vitrina.descriptors.colour import NAMES, main_colours, similarities
from vitrina.descriptors.repository import colours
from vitrina.search.ranking import ranking_score
from vitrina.search.schemas import SearchResponse, UnderstoodWords
from vitrina.search.thresholds import Thresholds
from vitrina.vectors.base import SearchFilters
from vitrina.words import Understood, parse
from vitrina.words.describe import describe
from vitrina.words.mentions import agreement

if TYPE_CHECKING:
    from vitrina.search.ranking import Candidate

# A product whose own words say the count or the container asked for gains this share of the
# colour gate for each: enough to lead among look-alikes, not to bury the bouquet photographed.
SAID_SHARE = 0.5


def filters_with(filters: SearchFilters, words: Understood | None) -> SearchFilters:
    """``filters`` narrowed by the price words (the tighter of each bound)."""
    if words is None:
        return filters
    low = [p for p in (filters.price_min, words.price_min) if p is not None]
    high = [p for p in (filters.price_max, words.price_max) if p is not None]
    return replace(
        filters,
        price_min=max(low) if low else None,
        price_max=min(high) if high else None,
    )


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


def said_bonus(words: Understood | None, text: str, thresholds: Thresholds) -> float:
    """What the product's own words add to its score for the count and container asked."""
    if words is None or (words.count is None and words.container is None):
        return 0.0
    return SAID_SHARE * thresholds.colour_gate * agreement(words, text)


def read_words(text: str | None) -> Understood | None:
    """The request's words, or ``None`` when it has none (blank counts as none)."""
    return parse(text) if text is not None and text.strip() else None


def with_understood(
    response: SearchResponse, words: Understood | None, language: str | None = None
) -> SearchResponse:
    """The answer telling what the words were taken to mean (``{}`` when nothing), and the
    line the customer reads, in ``language`` (Russian by default)."""
    if words is None:
        return response
    told = describe(words, language or "ru")
    understood = UnderstoodWords(**words.as_dict())
    return response.model_copy(update={"understood": understood, "understood_text": told})


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
    and the bouquets named by it get the colour gate; of the candidates that verified as the
    arrangement photographed in that colour (``min_inliers``, and ``min_share`` of the strongest
    such one's inliers) come first and are the ``exact`` ones — none when the shop has no such
    variant, so the photo's own colour never leads against the customer's words. Count and
    container words add :func:`said_bonus` from the product's title and composition.
    """
    if not candidates:
        return
    front = {id(c) for c in candidates if c.exact}
    if words.colour is not None:
        front = _colour_front(session, candidates, words.colour, thresholds, min_share)
    if words.count is not None or words.container is not None:
        texts = _product_texts(session, [c.hit.product_id for c in candidates])
        for candidate in candidates:
            text = texts.get(candidate.hit.product_id, "")
            candidate.score += said_bonus(words, text, thresholds)
    candidates.sort(key=lambda c: (id(c) in front, c.score), reverse=True)


def _colour_front(
    session: Session,
    candidates: list[Candidate],
    colour: str,
    thresholds: Thresholds,
    min_share: float,
) -> set[int]:
    """Score every candidate by ``colour``; the verified ones of that colour (by ``id``)."""
    stored = colours(session, [c.hit.image_id for c in candidates])
    described = [c for c in candidates if c.hit.image_id in stored]
    named: dict[int, bool] = {}
    if described:
        alike, main = wanted_colour(np.stack([stored[c.hit.image_id] for c in described]), colour)
        for candidate, similarity, is_named in zip(described, alike, main, strict=True):
            candidate.colour, candidate.same_colour = float(similarity), is_named
            named[id(candidate)] = is_named
    for candidate in candidates:
        if id(candidate) not in named:
            candidate.colour, candidate.same_colour = None, False
        candidate.score = ranking_score(
            candidate.similarity, candidate.colour, candidate.same_colour, thresholds
        )
    # The strongest match is often the photographed bouquet in the colour not wanted; a
    # recoloured variant matches with fewer points (ORB sees the flowers' new shading), so the
    # look-alike guard compares the variants of the wanted colour among themselves.
    matched = {
        id(c): c.verification.inliers
        for c in candidates
        if c.verification is not None
        and c.verification.inliers >= thresholds.min_inliers
        and named.get(id(c))
    }
    most = max(matched.values(), default=0)
    front = {k for k, n in matched.items() if n >= min_share * most}
    for candidate in candidates:
        candidate.exact = id(candidate) in front
    return front


def _product_texts(session: Session, product_ids: Sequence[int]) -> dict[int, str]:
    """Title and composition of the candidates' products (one query for a search's few)."""
    rows = session.execute(
        select(Product.id, Product.name, Product.source_payload).where(
            Product.id.in_(set(product_ids))
        )
    )
    return {pid: product_text(name, payload) for pid, name, payload in rows}
