"""The shop the phone tests walk through: three indexed bouquets, their pages, a lead receiver."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import SECRET
from tests.support.photos import PhotoServer, photo_server
from tests.support.receiver import Receiver, receiver
from tests.support.webhooks import sample_product, send
from tests.web.test_browser import wait_for
from tests.web.test_widget_browser import (
    NAMES,
    PRICES,
    PRODUCT_PAGE,
    SLUGS,
    STOREFRONT,
)
from vitrina.ingest.signatures import new_secret
from vitrina.standin.photos import Bouquet, random_bouquet, render_jpeg

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
PHONES = [{"width": 360, "height": 740}, {"width": 390, "height": 844}]
SEARCH_BOX = """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body {{ margin: 0; font-family: Georgia, serif; }}
  header {{ display: flex; gap: 8px; align-items: center; padding: 8px; background: #f3e9e4; }}
  #search {{ display: flex; flex: 1; gap: 6px; align-items: center; min-width: 0; }}
  #search input {{ flex: 1; min-width: 0; font-size: 16px; padding: 10px; }}
  .chat {{ position: fixed; right: 16px; bottom: 16px; width: 60px; height: 60px;
           border-radius: 50%; background: #25d366; }}
</style></head>
<body>
<header><b>Цветы</b><form id="search"><input placeholder="Поиск по сайту"><button>Найти</button></form></header>
<main style="padding:16px"><p>Букеты с доставкой по Алматы.</p></main>
<a class="chat" href="#whatsapp" aria-label="WhatsApp"></a>
<script src="{vitrina}/widget.js" {attributes} defer></script>
</body></html>
"""


LEAD_SECRET = new_secret()
Store = tuple[httpx.Client, PhotoServer, list[Bouquet], Receiver]


@contextmanager
def open_store(live_app: Any, sqlite_url: str, model_dir: Path) -> Iterator[Store]:
    """The widget test's shop (three indexed bouquets whose pages are on the shop's site), and
    the shop's receiver of leads."""
    rng = random.Random(20251130)
    bouquets = [random_bouquet(rng) for _ in NAMES]
    with (
        photo_server() as shop,
        receiver() as leads,
        live_app(
            sqlite_url,
            run_worker=True,
            model_dir=model_dir,
            image_hosts_allow=["127.0.0.1"],
            cors_origins=[shop.base_url],
            shop_base_url=shop.base_url,
            lead_webhook_url=leads.url,
            lead_webhook_secret=LEAD_SECRET,
        ) as client,
    ):
        html = STOREFRONT.format(vitrina=client.base_url).encode()
        shop.add("/", html, content_type="text/html; charset=utf-8")
        for n, (bouquet, name, price, slug) in enumerate(
            zip(bouquets, NAMES, PRICES, SLUGS, strict=True)
        ):
            url = shop.add(f"/upload/{slug}.jpg", render_jpeg(bouquet, 0))
            page = PRODUCT_PAGE.format(name=name).encode()
            shop.add(f"/catalog/{slug}/", page, content_type="text/html; charset=utf-8")
            product = sample_product(
                id=8001 + n,
                title=name,
                price=price,
                image=url,
                images=[url],
                DETAIL_PAGE_URL=f"/catalog/{slug}/",
            )
            assert send(client, "created", product, secret=SECRET).status_code == 200
        wait_for(client, lambda s: s["total_indexed"] == len(NAMES))
        yield client, shop, bouquets, leads


def phone(browser: Any, size: dict[str, int]) -> Any:
    """A new page as a phone of ``size`` shows it: touch, Russian."""
    return browser.new_page(locale="ru-RU", viewport=size, is_mobile=True, has_touch=True)


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two bounding boxes share any pixel."""
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )
