"""«Заказать похожий»: the customer's phone, shared with Telegram's contact button, becomes a lead.

Between the button and the contact the bot remembers, per chat, which product and search the
order is about (in memory: a restart forgets an unanswered button, and the customer presses it
again). Nothing else about the customer is kept.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("vitrina.telegram")
MAX_PENDING = 10_000


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What a lead from the bot carries."""

    phone: str
    name: str | None
    language: str
    product_id: int | None
    search_id: int | None


class PendingOrders:
    """The product and search each chat's «Заказать похожий» was about, until its phone comes."""

    def __init__(self, limit: int = MAX_PENDING) -> None:
        self._limit = limit
        self._by_chat: OrderedDict[int, tuple[int | None, int | None]] = OrderedDict()

    def remember(self, chat_id: int, product_id: int | None, search_id: int | None) -> None:
        self._by_chat[chat_id] = (product_id, search_id)
        self._by_chat.move_to_end(chat_id)
        while len(self._by_chat) > self._limit:
            self._by_chat.popitem(last=False)

    def take(self, chat_id: int) -> tuple[int | None, int | None]:
        """The remembered order (``(None, None)`` when the contact came without the button)."""
        return self._by_chat.pop(chat_id, (None, None))


def create_lead(sessions: sessionmaker[Session], order: OrderRequest) -> None:
    """Store the request as the widget's «Закажите похожий» does; blocking (run in a thread).

    The one place the bot creates a lead: once leads (``leads/service.py``'s ``create_lead``)
    are in, it is called here in a ``write_session``, with the sender woken. Until then the
    request is logged without the phone number.
    """
    log.warning(
        "telegram: an order for a similar bouquet (product %s, search %s) is not stored: "
        "leads are not in this build",
        order.product_id,
        order.search_id,
    )
