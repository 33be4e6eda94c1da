"""The pages and the widget on a phone (Chromium through Playwright, touch, ru-RU).

The pages and the widget fit 360 and 390 px before and after a search; the widget sits politely
on a shop's page: inline beside its search box, or floating clear of its chat bubble.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.eventually import eventually
from tests.web.phone_store import OVERFLOW, PHONES, SEARCH_BOX, Store, open_store, overlaps, phone
from tests.web.test_browser import SCREENSHOTS
from tests.web.test_widget_browser import (
    choose_photo,
    log_in,
)
from vitrina.standin.photos import render_jpeg

pytestmark = pytest.mark.slow


@pytest.fixture
def store(live_app: Any, sqlite_url: str, model_dir: Path) -> Iterator[Store]:
    with open_store(live_app, sqlite_url, model_dir) as opened:
        yield opened


@pytest.mark.parametrize("size", PHONES, ids=["360", "390"])
def test_the_pages_fit_a_phone_before_and_after_a_search(browser, store, tmp_path, size):
    client, _, bouquets, _ = store
    base = str(client.base_url)
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[1], 3))
    page = phone(browser, size)
    page.goto(base + "/")
    assert page.evaluate(OVERFLOW) <= 0
    # The photo picker speaks Russian: the browser's own "Choose File" is not shown.
    assert page.locator("#drop .pick").inner_text() == "Выбрать фото"
    assert page.locator("#file").bounding_box()["width"] <= 1
    page.set_input_files("#file", str(query))
    page.locator("#results .card").first.wait_for()
    assert page.evaluate(OVERFLOW) <= 0
    # The view went to the results: the first card comes onto the screen (scrolling smoothly).
    card = page.locator("#results .card").first
    eventually(lambda: 0 <= card.bounding_box()["y"] < size["height"] - 100)
    if size["width"] == 360:
        page.screenshot(path=str(SCREENSHOTS / "search-phone.png"))
    page.goto(base + "/widget")
    assert page.evaluate(OVERFLOW) <= 0
    log_in(page, base)
    assert page.evaluate(OVERFLOW) <= 0
    page.close()


def test_the_widget_sits_beside_a_search_box_without_widening_a_phone_page(
    browser, store, tmp_path
):
    client, shop, bouquets, _ = store
    html = SEARCH_BOX.format(
        vitrina=client.base_url, attributes='data-target="#search" data-mode="icon"'
    )
    shop.add("/inline/", html.encode(), content_type="text/html; charset=utf-8")
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[0], 2))
    page = phone(browser, {"width": 390, "height": 844})
    page.goto(shop.base_url + "/inline/")
    button = page.get_by_role("button", name="Найти по фото")
    button.wait_for()
    assert page.evaluate(OVERFLOW) <= 0
    box, field = button.bounding_box(), page.get_by_placeholder("Поиск по сайту").bounding_box()
    assert box["height"] >= 44 and box["width"] <= 60  # an icon, not a wrapped label
    assert abs((box["y"] + box["height"] / 2) - (field["y"] + field["height"] / 2)) < 12  # one row
    assert box["x"] + box["width"] <= 390
    page.screenshot(path=str(SCREENSHOTS / "widget-inline-phone.png"))
    choose_photo(page, query)
    page.locator("[data-vitrina] li a").first.wait_for()
    assert page.evaluate(OVERFLOW) <= 0
    page.close()


def test_the_floating_button_moves_clear_of_the_shops_chat_bubble(browser, store):
    client, shop, _, _ = store
    html = SEARCH_BOX.format(vitrina=client.base_url, attributes='data-offset="16 92"')
    shop.add("/offset/", html.encode(), content_type="text/html; charset=utf-8")
    html = SEARCH_BOX.format(vitrina=client.base_url, attributes='data-position="left"')
    shop.add("/left/", html.encode(), content_type="text/html; charset=utf-8")
    page = phone(browser, {"width": 360, "height": 740})
    for path in ("/offset/", "/left/"):
        page.goto(shop.base_url + path)
        button = page.get_by_role("button", name="Найти по фото")
        button.wait_for()
        chat = page.locator(".chat").bounding_box()
        for name in ("Найти по фото", "Сфотографировать"):
            assert not overlaps(page.get_by_role("button", name=name).bounding_box(), chat), path
        assert page.evaluate(OVERFLOW) <= 0
    assert button.bounding_box()["x"] <= 16  # data-position="left"
    page.close()
