"""The demo's pretend chat in a real browser: a customer sends a photo, sees the album and the
buttons, orders a similar bouquet. Saves docs/screenshots/telegram-chat.png on request
(``VITRINA_SCREENSHOTS=1``)."""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path

import pytest

from tests.web.conftest import browser  # noqa: F401  (the Chromium fixture)
from vitrina.standin.photos import random_bouquet, render_jpeg

pytestmark = pytest.mark.slow

SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("VITRINA_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "vitrina-screenshots"
)
NAMES = ["Пионы «Утро»", "Розы «Бордо»", "Тюльпаны «Весна»", "Гортензия в коробке"]
PRICES = ["4 950 ₸", "19 900 ₸", "12 500 ₸", "32 000 ₸"]


def test_the_pretend_chat_shows_the_album_and_takes_an_order(bot_shop, browser, tmp_path):  # noqa: F811
    rng = random.Random(20251024)  # the bouquets of tests/web/test_browser.py
    bouquets = [random_bouquet(rng) for _ in NAMES]
    catalog = [(n, p, render_jpeg(b, 0)) for n, p, b in zip(NAMES, PRICES, bouquets, strict=True)]
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[1], 3))  # another shot of «Бордо»
    with bot_shop("polling", catalog=catalog) as shop:
        page = browser.new_page(viewport={"width": 420, "height": 900})
        page.goto(f"{shop.telegram.base_url}/")
        page.set_input_files("input[name=photo]", str(query))
        page.fill("input[name=caption]", "до 20 000")
        page.click("text=Отправить")
        page.wait_for_selector("a.b", timeout=120_000)
        first = page.locator("a.b").first
        assert first.inner_text().startswith("1. Розы «Бордо»")
        assert "Розы «Бордо» — 19 900 ₸" in page.locator(".album, .bot").first.inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "telegram-chat.png"), full_page=True)
        page.click("button:has-text('Заказать похожий')")
        page.wait_for_selector("button:has-text('Отправить телефон')", timeout=120_000)
        page.click("button:has-text('Отправить телефон')")
        page.wait_for_selector("text=Спасибо! Менеджер скоро позвонит.", timeout=120_000)
        page.close()
