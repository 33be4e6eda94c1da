"""A shop with three indexed bouquets, its Vitrina server running the bot, and the Bot API
stand-in on 127.0.0.1 with customers writing to the bot."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from PIL import Image

from tests.conftest import SECRET
from tests.search.test_visual_search import wait_until_idle
from tests.support.eventually import eventually
from tests.support.photos import jpeg, photo_server, sample_photos
from tests.support.webhooks import sample_product, send
from vitrina.standin.telegram import SentMessage, TelegramStandIn

SHOP = "https://shop.kz"
PUBLIC = "https://vitrina.shop.kz"
WEBHOOK_SECRET = "tg-secret_123"
NAMES = ["coffee", "chelsea", "astronaut"]
PRICES = {"coffee": "4 950 ₸", "chelsea": "18 500 ₸", "astronaut": "32 000 ₸"}


@dataclass
class BotShop:
    client: httpx.Client
    telegram: TelegramStandIn
    photos: dict[str, Image.Image]
    photo_urls: list[str]

    def answers(self, chat_id: int, count: int) -> list[SentMessage]:
        """Wait for the bot's ``count``-th message to ``chat_id``; all of them so far."""

        def arrived() -> list[SentMessage]:
            sent = self.telegram.messages(chat_id)
            assert len(sent) >= count, [m.text for m in sent]
            return sent

        return eventually(arrived, timeout=120, what=f"{count} answers to chat {chat_id}")


@pytest.fixture
def bot_shop(live_app, sqlite_url) -> Callable[..., Iterator[BotShop]]:
    """``bot_shop(mode, **settings)``: the shop with its bot fed by ``webhook`` or ``polling``."""

    @contextmanager
    def start(
        mode: str = "webhook",
        catalog: list[tuple[str, str, bytes]] | None = None,
        database: str | None = None,
        **overrides: object,
    ) -> Iterator[BotShop]:
        """``catalog``: (name, price, photo) per product, the sample photographs by default;
        ``database``: a URL (a fresh SQLite file by default)."""
        photos_by_name = sample_photos()
        if catalog is None:
            catalog = [(f"Букет {n}", PRICES[n], jpeg(photos_by_name[n])) for n in NAMES]
        with photo_server() as photos, TelegramStandIn() as telegram:
            settings: dict[str, object] = {
                "shop_base_url": SHOP,
                "public_url": PUBLIC,
                "telegram_bot_token": telegram.token,
                "telegram_api_url": telegram.base_url,
                "telegram_webhook_secret": WEBHOOK_SECRET if mode == "webhook" else None,
                **overrides,
            }
            with live_app(database or sqlite_url, run_worker=True, **settings) as client:
                urls = []
                for n, (title, price, photo) in enumerate(catalog):
                    slug = NAMES[n] if n < len(NAMES) else f"bouquet-{n}"
                    url = photos.add(f"/upload/{slug}.jpg", photo)
                    urls.append(url)
                    product = sample_product(
                        id=500 + n,
                        title=title,
                        price=price,
                        image=url,
                        images=[url],
                        DETAIL_PAGE_URL=f"/catalog/{slug}/",
                    )
                    assert send(client, "created", product, secret=SECRET).status_code == 200
                assert wait_until_idle(client)["total_indexed"] == len(catalog)
                if mode == "webhook":
                    telegram.webhook_url = f"{client.base_url}/api/v1/telegram/webhook"
                    telegram.webhook_secret = WEBHOOK_SECRET
                    # The bot connects in the background: the route answers 503 until then.
                    eventually(
                        lambda: (
                            client.post(
                                "/api/v1/telegram/webhook",
                                json={"update_id": 1},
                                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
                            ).status_code
                            == 200
                        ),
                        timeout=120,
                        what="the bot's start",
                    )
                else:
                    eventually(lambda: "getUpdates" in telegram.calls, timeout=120, what="polling")
                yield BotShop(client, telegram, photos_by_name, urls)

    return start
