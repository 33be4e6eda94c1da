"""The bot's search: the customer's photo (and caption) through the same search as the widget,
recorded in the analytics as channel ``telegram``."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session, sessionmaker

from vitrina.analytics.searches import record_search
from vitrina.search.asked import filters_with, read_words, with_understood
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
    shop_id: int | None = None,
) -> SearchResponse:
    """Search by the photo in the bot's shop (every shop's products when ``None``), refined by
    the caption's words as on the page («до 20 000» is a price filter, a colour word re-ranks);
    blocking (run it in a thread)."""
    started = time.perf_counter()
    words = read_words(caption)
    response = searcher.find(
        photo=photo,
        top_k=TOP_K,
        threshold=None,
        filters=filters_with(SearchFilters(shop_id=shop_id), words),
        words=words,
        started=started,
    )
    return with_understood(record_search(sessions, CHANNEL, response), words, language)


def search_more(
    searcher: Searcher,
    sessions: sessionmaker[Session],
    product_id: int,
    count: int,
    shop_id: int | None = None,
) -> SearchResponse:
    """More like ``product_id`` (the first album's best match) in the bot's shop, itself left
    out; blocking."""
    started = time.perf_counter()
    response = searcher.find(
        product_id=product_id,
        top_k=count,
        threshold=None,
        filters=SearchFilters(shop_id=shop_id, exclude_product_id=product_id),
        started=started,
    )
    return record_search(sessions, CHANNEL, response)
