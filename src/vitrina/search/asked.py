"""What a request's words ask before any search runs: the price filters, and the answer's
``understood``.

Apart from ``search/words.py`` (which re-ranks with the photos' stored colours) so that the API
process reads words without loading OpenCV and the descriptors (start-up, issue 20).
"""

from __future__ import annotations

from dataclasses import replace

from vitrina.search.schemas import SearchResponse, UnderstoodWords
from vitrina.vectors.base import SearchFilters
from vitrina.words import Understood, parse
from vitrina.words.describe import describe


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
