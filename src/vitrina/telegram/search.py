"""The bot's search: the customer's photo (and caption) through the same search as the widget,
recorded in the analytics as channel ``telegram``."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session, sessionmaker

from vitrina.analytics.searches import record_search
from vitrina.search.schemas import SearchResponse
from vitrina.search.searcher import Searcher
from vitrina.vectors.base import SearchFilters

CHANNEL = "telegram"
TOP_K = 20  # as the widget asks: enough for «Ещё похожие» to have more than the first album


def search_photo(
    searcher: Searcher,
    sessions: sessionmaker[Session],
    photo: bytes,
    caption: str | None,
    language: str,
) -> SearchResponse:
    """Search by the photo, refined by the caption's words; blocking (run it in a thread).

    The caption is the one place words reach the search from the bot: once the words parser
    (issue 25) is in, ``read_words(caption)`` and ``filters_with`` go here, as in
    ``search/routes.py``; until then the caption is not used.
    """
    started = time.perf_counter()
    response = searcher.find(
        photo=photo, top_k=TOP_K, threshold=None, filters=SearchFilters(), started=started
    )
    return record_search(sessions, CHANNEL, response)


def search_more(
    searcher: Searcher, sessions: sessionmaker[Session], product_id: int, count: int
) -> SearchResponse:
    """More like ``product_id`` (the first album's best match), itself left out; blocking."""
    started = time.perf_counter()
    response = searcher.find(
        product_id=product_id,
        top_k=count,
        threshold=None,
        filters=SearchFilters(exclude_product_id=product_id),
        started=started,
    )
    return record_search(sessions, CHANNEL, response)
