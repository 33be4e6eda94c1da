"""From photo to purchase on a phone (Chromium through Playwright, touch, ru-RU).

The pages and the widget fit 360 and 390 px before and after a search; the widget sits politely
on a shop's page (inline beside its search box, or floating clear of its chat bubble); an
earlier photo's results go the moment a new one is chosen; Back brings the results back; a
busy server's Retry-After is waited out; a site missing from the CORS list is refused before
any work and told so in the console; a customer with no match leaves a request that reaches
the shop signed and shows on the dashboard.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.conftest import SECRET
from tests.search.test_visual_search import wait_until_idle
from tests.support.eventually import eventually
from tests.support.photos import PhotoServer, photo_server, sample_photos
from tests.support.receiver import Receiver, receiver
from tests.support.webhooks import sample_product, send
from tests.web.test_browser import SCREENSHOTS, wait_for
from tests.web.test_widget_browser import (
    NAMES,
    PRICES,
    PRODUCT_PAGE,
    SLUGS,
    STOREFRONT,
    choose_photo,
    log_in,
)
from vitrina.ingest.signatures import new_secret, verify
from vitrina.standin.photos import Bouquet, random_bouquet, render, render_jpeg

pytestmark = pytest.mark.slow

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


@pytest.fixture
def store(live_app: Any, sqlite_url: str, model_dir: Path) -> Iterator[Store]:
    """The widget test's shop (three indexed bouquets whose pages are on the shop's site), and
    the shop's receiver of leads."""
    rng = random.Random(20251130)
    bouquets = [random_bouquet(rng) for _ in NAMES]
    with photo_server() as shop, receiver() as leads, live_app(
        sqlite_url,
        run_worker=True,
        model_dir=model_dir,
        image_hosts_allow=["127.0.0.1"],
        cors_origins=[shop.base_url],
        shop_base_url=shop.base_url,
        lead_webhook_url=leads.url,
        lead_webhook_secret=LEAD_SECRET,
    ) as client:
        html = STOREFRONT.format(vitrina=client.base_url).encode()
        shop.add("/", html, content_type="text/html; charset=utf-8")
        for n, (bouquet, name, price, slug) in enumerate(
            zip(bouquets, NAMES, PRICES, SLUGS, strict=True)
        ):
            url = shop.add(f"/upload/{slug}.jpg", render_jpeg(bouquet, 0))
            page = PRODUCT_PAGE.format(name=name).encode()
            shop.add(f"/catalog/{slug}/", page, content_type="text/html; charset=utf-8")
            product = sample_product(
                id=8001 + n, title=name, price=price, image=url, images=[url],
                DETAIL_PAGE_URL=f"/catalog/{slug}/",
            )
            assert send(client, "created", product, secret=SECRET).status_code == 200
        wait_for(client, lambda s: s["total_indexed"] == len(NAMES))
        yield client, shop, bouquets, leads


def phone(browser: Any, size: dict[str, int]) -> Any:
    return browser.new_page(locale="ru-RU", viewport=size, is_mobile=True, has_touch=True)


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


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
    html = SEARCH_BOX.format(vitrina=client.base_url, attributes='data-target="#search" data-mode="icon"')
    shop.add("/inline/", html.encode(), content_type="text/html; charset=utf-8")
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[0], 2))
    page = phone(browser, {"width": 390, "height": 844})
    page.goto(shop.base_url + "/inline/")
    button = page.get_by_role("button", name="Найти по фото")
    button.wait_for()
    assert page.evaluate(OVERFLOW) <= 0
    box, field = button.bounding_box(), page.locator("#search input[placeholder]").bounding_box()
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
                headers={"Retry-After": "1", "Access-Control-Allow-Origin": shop.base_url,
                         "Access-Control-Expose-Headers": "Retry-After"},
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
        id=8002, title=NAMES[1], price=PRICES[1], image=url, images=[url],
        DETAIL_PAGE_URL=f"/catalog/{SLUGS[1]}/", isAvailable=False,
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
