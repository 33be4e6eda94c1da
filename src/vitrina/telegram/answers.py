"""How a search's answer looks in the chat: an album, then one message with the links and buttons.

Pure functions of the search's answer, so the layout is tested without a bot: which results are
shown (exact matches first, then those above the similar threshold, at most ``ALBUM_SIZE``), the
album's captions (name, price in ₸, the «Точно такой» / «Нет в наличии» marks), and the buttons
(one link per product through ``/go/{id}?s=…`` so the click is counted, then «Ещё похожие» and
«Заказать похожий» as callback buttons).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto

from vitrina.search.schemas import SearchResponse, SearchResult
from vitrina.telegram.i18n import price, text

ALBUM_SIZE = 5  # a phone shows five photos of an album without scrolling
CAPTION_MAX = 1024  # Telegram's limit for a photo's caption
BUTTON_TEXT_MAX = 60  # longer button labels are cut by the apps anyway
MORE = "more"
ORDER = "order"


def shown_results(response: SearchResponse, limit: int = ALBUM_SIZE) -> list[SearchResult]:
    """The results worth showing: exact and similar ones, in the search's order."""
    good = {r.product_id for r in response.exact} | {r.product_id for r in response.similar}
    return [r for r in response.results if r.product_id in good][:limit]


def is_sold_out(result: SearchResult) -> bool:
    """Sold out: search lists such a product only as the exact match of the photo."""
    return not result.available


def marks(result: SearchResult, response: SearchResponse, language: str) -> list[str]:
    """«Точно такой» for a verified match, «Нет в наличии» for a sold-out one."""
    found = []
    if any(r.product_id == result.product_id for r in response.exact):
        found.append(text(language, "exact"))
    if is_sold_out(result):
        found.append(text(language, "sold_out"))
    return found


def caption(result: SearchResult, response: SearchResponse, language: str) -> str:
    """``Name — 4 950 ₸`` and the marks on a line of their own."""
    line = f"{result.name} — {price(result.price)}"
    tags = marks(result, response, language)
    return (line + ("\n" + " · ".join(tags) if tags else ""))[:CAPTION_MAX]


def album(
    results: list[SearchResult], response: SearchResponse, language: str
) -> list[InputMediaPhoto]:
    """The album's photos: each product's own photo by address (Telegram fetches it)."""
    return [
        InputMediaPhoto(media=r.image_url, caption=caption(r, response, language))
        for r in results
        if r.image_url
    ]


@dataclass(frozen=True, slots=True)
class Links:
    """Where a product button leads: Vitrina's click redirect when ``VITRINA_PUBLIC_URL`` is
    known (the click is counted), else the product's page itself."""

    public_url: str | None

    def product(self, result: SearchResult, search_id: int | None) -> str | None:
        if self.public_url is not None:
            query = f"?s={search_id}" if search_id is not None else ""
            return f"{self.public_url}/go/{result.product_id}{query}"
        page = result.page_url
        return page if page is not None and page.startswith(("http://", "https://")) else None


def summary(results: list[SearchResult], response: SearchResponse, language: str) -> str:
    """The message under the album: one numbered line per product, as the buttons are."""
    lines = [response.understood_text] if response.understood_text else []
    lines.append(text(language, "found"))
    for n, result in enumerate(results, 1):
        tags = marks(result, response, language)
        lines.append(
            f"{n}. {caption(result, response, language).splitlines()[0]}"
            + (f" · {' · '.join(tags)}" if tags else "")
        )
    return "\n".join(lines)


def order_button(
    language: str, product_id: int | None, search_id: int | None
) -> InlineKeyboardButton:
    """«Заказать похожий»: ``order:<product>:<search>`` (0 for none), well under 64 bytes."""
    return InlineKeyboardButton(
        text(language, "order"), callback_data=f"{ORDER}:{product_id or 0}:{search_id or 0}"
    )


def buttons(
    results: list[SearchResult],
    response: SearchResponse,
    language: str,
    links: Links,
    *,
    more_page: int,
) -> InlineKeyboardMarkup:
    """A link per product, then «Ещё похожие» (the next page like the best match) and
    «Заказать похожий»."""
    rows: list[list[InlineKeyboardButton]] = []
    for n, result in enumerate(results, 1):
        url = links.product(result, response.search_id)
        if url is not None:
            label = f"{n}. {result.name}"[:BUTTON_TEXT_MAX]
            rows.append([InlineKeyboardButton(label, url=url)])
    best = results[0].product_id if results else None
    last = [order_button(language, best, response.search_id)]
    if best is not None:
        last.insert(
            0,
            InlineKeyboardButton(
                text(language, "more"), callback_data=f"{MORE}:{best}:{more_page}"
            ),
        )
    rows.append(last)
    return InlineKeyboardMarkup(rows)


def parse_callback(data: str | None) -> tuple[str, int, int] | None:
    """``(kind, a, b)`` from ``more:<product>:<page>`` or ``order:<product>:<search>``; ``None``
    for anything else (callback data comes back from the customer's app: untrusted)."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] not in (MORE, ORDER):
        return None
    if not all(p.isdigit() and len(p) <= 18 for p in parts[1:]):
        return None
    return parts[0], int(parts[1]), int(parts[2])
