"""A few words beside the photo in the storefront widget, in a real browser (Chromium)."""

from __future__ import annotations

import pytest

from tests.web.test_widget_browser import choose_photo, store  # noqa: F401  (the fixture)
from vitrina.standin.photos import render_jpeg

pytestmark = pytest.mark.slow


def test_words_narrow_the_search_and_the_widget_says_what_it_understood(browser, store, tmp_path):  # noqa: F811
    _, shop, bouquets = store
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[1], 3))  # «Розы «Бордо»», 19 900 ₸
    page = browser.new_page(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page.goto(shop.base_url + "/")
    choose_photo(page, query)
    first = page.locator("[data-vitrina] li a").first
    first.wait_for()
    assert first.locator(".name").inner_text() == "Розы «Бордо»"
    heard = page.locator("[data-vitrina] .understood")
    assert not heard.is_visible()

    words = page.get_by_placeholder("Уточните словами: такой же, но белый, до 20 000")
    words.fill("до 15 000")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/search/upload")) as answer:
        words.press("Enter")  # the words go with the photo; the answer says what they meant
    assert answer.value.json()["understood"] == {"price_max": 1_500_000}
    heard.wait_for()
    assert heard.inner_text() == "Понял: до 15 000 ₸"
    page.wait_for_function(
        "![...document.querySelector('[data-vitrina]').shadowRoot.querySelectorAll('li .name')]"
        ".some(n => n.textContent === 'Розы «Бордо»')"
    )
    prices = page.locator("[data-vitrina] li .price").all_inner_texts()
    assert prices and set(prices) <= {"4 950 ₸", "12 500 ₸"}
    page.close()
