"""From photo to purchase on a phone (Chromium through Playwright, touch, ru-RU).

An earlier photo's results go the moment a new one is chosen; Back brings the results back; a
busy server's Retry-After is waited out; a site missing from the CORS list is refused before
any work and told so in the console; a customer with no match leaves a request that reaches the
shop signed and shows on the dashboard; sold-out bouquets and the first frame are right.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import SECRET
from tests.search.test_visual_search import wait_until_idle
from tests.support.eventually import eventually
from tests.support.photos import sample_photos
from tests.support.webhooks import sample_product, send
from tests.web.phone_store import LEAD_SECRET, OVERFLOW, Store, open_store, phone
from tests.web.test_browser import SCREENSHOTS
from tests.web.test_widget_browser import (
    NAMES,
    PRICES,
    SLUGS,
    choose_photo,
    log_in,
)
from vitrina.ingest.signatures import verify
from vitrina.standin.photos import render, render_jpeg

pytestmark = pytest.mark.slow


@pytest.fixture
def store(live_app: Any, sqlite_url: str, model_dir: Path) -> Iterator[Store]:
    with open_store(live_app, sqlite_url, model_dir) as opened:
        yield opened


def test_a_new_photo_clears_the_old_results_at_once(browser, store, tmp_path):
    _, shop, bouquets, _ = store
    first, second = tmp_path / "first.jpg", tmp_path / "second.jpg"
    first.write_bytes(render_jpeg(bouquets[1], 3))
    second.write_bytes(render_jpeg(bouquets[2], 3))
    page = phone(browser, {"width": 390, "height": 844})
    held: list[Any] = []

    def slow_network(route: Any) -> None:
        if held or len(searches) == 0:
            searches.append(route)
            route.continue_()
        else:  # the second search waits until the test lets it go
            searches.append(route)
            held.append(route)

    searches: list[Any] = []
    page.route("**/api/v1/search/upload", slow_network)
    page.goto(shop.base_url + "/")
    choose_photo(page, first)
    page.locator("[data-vitrina] li a").first.wait_for()
    assert page.locator("[data-vitrina] .tag.exact").count() >= 1
    with page.expect_file_chooser() as chooser:
        page.locator("[data-vitrina] button.again").click()
    chooser.value.set_files(str(second))
    for _ in range(1200):  # Playwright runs the route handler while the page waits, not in a sleep
        if held:
            break
        page.wait_for_timeout(50)
    assert held
    assert page.locator("[data-vitrina] li").count() == 0  # nothing of the first photo is left
    assert page.locator("[data-vitrina] .status").inner_text() == "Ищем…"
    held[0].continue_()
    page.locator("[data-vitrina] li a .name", has_text="Тюльпаны «Весна»").first.wait_for()
    page.close()


def test_back_from_a_product_page_shows_the_results_again(browser, store, tmp_path):
    client, shop, bouquets, _ = store
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[1], 3))
    context = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(shop.base_url + "/")
    choose_photo(page, query)
    page.locator("[data-vitrina] li a").first.click()
    page.wait_for_url(shop.base_url + "/catalog/roses-bordeaux/")
    page.go_back()
    page.locator("[data-vitrina] li a .name", has_text="Розы «Бордо»").first.wait_for()
    # The search page too.
    page.goto(str(client.base_url) + "/")
    page.set_input_files("#file", str(query))
    page.locator("#results .card").first.wait_for()
    page.locator("#results .card a.product").first.click()
    page.wait_for_url(shop.base_url + "/catalog/**")
    page.go_back()
    page.locator("#results .card .name", has_text="Розы «Бордо»").first.wait_for()
    context.close()


def test_the_widget_waits_as_long_as_a_busy_server_asks(browser, store, tmp_path):
    _, shop, bouquets, _ = store
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[0], 1))
    page = phone(browser, {"width": 390, "height": 844})
    answered: list[str] = []

    def busy_once(route: Any) -> None:
        if not answered:
            answered.append("429")
            route.fulfill(
                status=429,
                headers={
                    "Retry-After": "1",
                    "Access-Control-Allow-Origin": shop.base_url,
                    "Access-Control-Expose-Headers": "Retry-After",
                },
                body='{"error": {"code": "rate_limited"}}',
            )
        else:
            answered.append("search")
            route.continue_()

    page.route("**/api/v1/search/upload", busy_once)
    page.goto(shop.base_url + "/")
    choose_photo(page, query)
    page.locator("[data-vitrina] .status", has_text="повторим через 1 с").wait_for()
    page.locator("[data-vitrina] li a").first.wait_for()  # tried again on its own
    assert answered == ["429", "search"]
    page.close()


def test_a_site_not_in_the_cors_list_is_refused_before_any_work_and_told_why(
    browser, store, tmp_path
):
    client, shop, bouquets, _ = store
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[2], 1))
    before = client.get("/api/v1/stats").json()
    other = shop.base_url.replace("127.0.0.1", "localhost")
    page = phone(browser, {"width": 390, "height": 844})
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(other + "/")
    choose_photo(page, query)
    page.locator("[data-vitrina] .status.err").wait_for()
    eventually(lambda: [m for m in console if "VITRINA_CORS_ORIGINS" in m and other in m])
    page.close()
    after = client.get("/api/v1/stats").json()
    assert after.get("searches") == before.get("searches")
    dashboard = browser.new_page(locale="ru-RU", viewport={"width": 1366, "height": 900})
    log_in(dashboard, str(client.base_url))
    assert other in dashboard.locator("#refused-origins").inner_text()
    assert "кнопка на сайте" not in dashboard.locator("#search-panel").inner_text()  # not counted
    # Every table fits a 1366 px screen without its own sideways scroll.
    assert dashboard.evaluate(
        "[...document.querySelectorAll('.scroll')].every(s => s.scrollWidth <= s.clientWidth + 1)"
    )
    dashboard.close()


def test_with_no_match_the_customer_leaves_a_request_that_reaches_the_shop(
    browser, store, tmp_path
):
    client, shop, _, leads = store
    nothing_alike = tmp_path / "rocket.jpg"
    sample_photos()["rocket"].save(nothing_alike, "JPEG")
    page = phone(browser, {"width": 390, "height": 844})
    page.goto(shop.base_url + "/")
    choose_photo(page, nothing_alike)
    page.get_by_role("button", name="Закажите похожий").click()
    page.get_by_label("Имя").fill("Айгерим")
    page.get_by_label("Телефон").fill("+7 701 234 56 78")
    page.get_by_label("Комментарий").fill("Такой же, но розовый")
    page.get_by_label("Приложить моё фото к заявке").check()
    page.screenshot(path=str(SCREENSHOTS / "widget-lead-phone.png"))
    page.get_by_role("button", name="Отправить").click()
    page.locator("[data-vitrina] form .reply", has_text="Спасибо").wait_for()
    page.close()
    eventually(lambda: leads.received)
    message = leads.received[0]
    assert verify(message.headers, message.body, [LEAD_SECRET]).startswith("lead_")
    data = json.loads(message.body)["data"]
    assert data["phone"] == "+7 701 234 56 78" and data["photo"].startswith("data:image/jpeg")
    dashboard = browser.new_page(locale="ru-RU", viewport={"width": 1366, "height": 900})
    log_in(dashboard, str(client.base_url))
    row = dashboard.locator("#leads tr.lead").first
    assert "Айгерим" in row.inner_text() and "+7 701 234 56 78" in row.inner_text()
    assert "с фото" in row.inner_text()
    dashboard.close()


def test_the_search_page_offers_a_request_when_nothing_is_close(browser, store, tmp_path):
    client, _, _, leads = store
    nothing_alike = tmp_path / "rocket.jpg"
    sample_photos()["rocket"].save(nothing_alike, "JPEG")
    page = phone(browser, {"width": 360, "height": 740})
    page.goto(str(client.base_url) + "/")
    page.set_input_files("#file", str(nothing_alike))
    page.locator("#results .no-match", has_text="Такого букета в каталоге нет").wait_for()
    assert "Найдено" not in page.locator("#results").inner_text()
    page.locator("#lead-offer summary").click()
    page.get_by_label("Имя").fill("Данияр")
    page.get_by_label("Телефон").fill("8 701 000 00 00")
    page.get_by_role("button", name="Отправить").click()
    page.locator("#results .message.ok", has_text="Спасибо").wait_for()
    assert page.evaluate(OVERFLOW) <= 0
    page.close()
    eventually(lambda: leads.received)
    data = json.loads(leads.received[0].body)["data"]
    assert data["name"] == "Данияр" and data["photo"] is None  # not ticked: no photo
    assert data["search_id"] is not None


def test_a_product_page_shows_a_row_of_similar_bouquets(browser, store):
    client, shop, _, _ = store
    html = (
        "<!DOCTYPE html><html lang='ru'><head><meta name='viewport' "
        "content='width=device-width, initial-scale=1'></head><body><h1>Розы «Бордо»</h1>"
        f"<script src='{client.base_url}/widget.js' data-similar-to='8002' defer></script>"
        "</body></html>"
    )
    shop.add("/catalog/roses-bordeaux/row/", html.encode(), content_type="text/html; charset=utf-8")
    page = phone(browser, {"width": 360, "height": 740})
    page.goto(shop.base_url + "/catalog/roses-bordeaux/row/")
    row = page.locator("[data-vitrina=similar] li")
    row.first.wait_for()
    names = page.locator("[data-vitrina=similar] li .name").all_inner_texts()
    assert sorted(names) == ["Пионы «Утро»", "Тюльпаны «Весна»"]  # the bouquet itself left out
    assert page.locator("[data-vitrina=similar] h3").inner_text() == "Похожие букеты"
    assert page.get_by_role("button", name="Найти по фото").count() == 0
    assert page.evaluate(OVERFLOW) <= 0
    page.close()


def test_a_sold_out_bouquet_is_named_with_what_is_on_sale_below(browser, store, tmp_path):
    client, shop, bouquets, _ = store
    url = shop.base_url + f"/upload/{SLUGS[1]}.jpg"
    product = sample_product(
        id=8002,
        title=NAMES[1],
        price=PRICES[1],
        image=url,
        images=[url],
        DETAIL_PAGE_URL=f"/catalog/{SLUGS[1]}/",
        isAvailable=False,
    )
    assert send(client, "updated", product, secret=SECRET).status_code == 200
    wait_until_idle(client)
    photo = tmp_path / "sold-out.jpg"
    photo.write_bytes(render_jpeg(bouquets[1], 3))
    on_sale = {NAMES[0], NAMES[2]}

    page = phone(browser, {"width": 360, "height": 740})
    page.goto(shop.base_url + "/")
    choose_photo(page, photo)
    first = page.locator("[data-vitrina] ul.found li").first
    first.wait_for()
    assert first.locator(".tag").inner_text() == "Нет в наличии"
    assert first.locator(".name").inner_text() == NAMES[1]
    assert page.locator("[data-vitrina] .tag.exact").count() == 0  # one verdict per card
    others = page.locator("[data-vitrina] li .name").all_inner_texts()[1:]
    assert others and set(others) <= on_sale  # what is on sale, below it
    assert page.get_by_role("button", name="Закажите похожий").is_visible()
    assert page.evaluate(OVERFLOW) <= 0
    page.close()

    page = phone(browser, {"width": 360, "height": 740})
    page.goto(str(client.base_url) + "/")
    page.set_input_files("#file", str(photo))
    card = page.locator("#results .group.exact .card").first
    card.wait_for()
    assert card.locator(".verdict").inner_text() == "Нет в наличии"
    below = page.locator("#results .group:not(.exact) .card .name").all_inner_texts()
    assert below and set(below) <= on_sale
    assert page.locator("#lead-offer").count() == 1
    assert page.evaluate(OVERFLOW) <= 0
    page.close()


def test_the_first_frame_is_where_vitrina_found_the_bouquet(browser, store, tmp_path):
    _, shop, bouquets, _ = store
    story = Image.new("RGB", (540, 960), (250, 120, 170))  # a story: the photo inside a frame
    story.paste(render(bouquets[0], 0, size=400), (70, 300))
    photo = tmp_path / "story.jpg"
    story.save(photo, "JPEG", quality=85)
    page = phone(browser, {"width": 390, "height": 844})
    page.goto(shop.base_url + "/")
    choose_photo(page, photo)
    page.locator("[data-vitrina] li .name", has_text=NAMES[0]).first.wait_for()
    frame = page.locator("[data-vitrina] .crop").evaluate(
        "c => [c.style.left, c.style.top, c.style.width, c.style.height].map(parseFloat)"
    )
    expected = [70 / 540 * 100, 300 / 960 * 100, 400 / 540 * 100, 400 / 960 * 100]
    assert all(abs(got - want) < 3 for got, want in zip(frame, expected, strict=True)), frame
    page.close()
