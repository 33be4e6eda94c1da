"""«Заказать похожий»: the customer's phone, shared with Telegram's contact button, becomes a lead
(``leads/``: stored, on the dashboard, forwarded to the shop like the widget's).

Between the button and the contact the bot remembers, per chat, which product and search the
order is about (in memory: a restart forgets an unanswered button, and the customer presses it
again). Nothing else about the customer is kept.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from vitrina.config import Settings
from vitrina.db import database_errors, write_session
from vitrina.leads import service
from vitrina.leads.schemas import LeadRequest

MAX_PENDING = 10_000


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What a lead from the bot carries."""

    phone: str
    name: str | None
    username: str | None
    language: Literal["ru", "kk", "en"]
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


def create_lead(sessions: sessionmaker[Session], settings: Settings, order: OrderRequest) -> int:
    """Store the request as the widget's «Закажите похожий» does (the shop gets the same
    ``lead.created`` webhook); blocking (run in a thread). The new lead's id."""
    comment = "Заявка из Telegram-бота" + (f" (@{order.username})" if order.username else "")
    request = LeadRequest(
        name=order.name or "Telegram",
        phone=order.phone,
        comment=comment,
        language=order.language,
        product_id=order.product_id,
        search_id=order.search_id,
    )
    forwarded = bool(settings.lead_webhook_url and settings.lead_webhook_secret)
    with database_errors(), write_session(sessions) as session:
        return service.create_lead(session, request, None, forwarded=forwarded).id
