"""The storefront widget in a real browser (Debian's Chromium driven by Playwright).

A stand-in shop page, served from another origin than Vitrina, includes the one-line snippet; a
customer uploads a photo through «Найти по фото», sees the bouquet, refines the crop, taps the
result and lands on the product's page on the shop; the manager sees the search and the click on
the dashboard. The same on a 360 px phone, and the refusal for a site not in the CORS list.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, SECRET
from tests.support.photos import PhotoServer, photo_server
from tests.support.webhooks import sample_product, send
from tests.web.test_browser import SCREENSHOTS, wait_for
from vitrina.standin.photos import Bouquet, random_bouquet, render_jpeg

pytestmark = pytest.mark.slow

NAMES = ["Пионы «Утро»", "Розы «Бордо»", "Тюльпаны «Весна»"]
PRICES = ["4 950 ₸", "19 900 ₸", "12 500 ₸"]
SLUGS = ["peonies-morning", "roses-bordeaux", "tulips-spring"]

# A shop page with the loud CSS shops have: the widget must look the same inside it.
STOREFRONT = """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Цветы — магазин</title>
<style>
  body {{ font-family: Georgia, serif; margin: 0; }}
  button {{ background: lime !important; font-size: 30px; border: 5px dotted red; }}
  li {{ color: red; font-size: 40px; }}  img {{ border: 8px solid orange; }}
  header, footer {{ padding: 16px; background: #f3e9e4; }}
</style></head>
<body>
<header><h1>Цветочный магазин</h1></header>
<main style="padding:16px"><p>Букеты с доставкой по Алматы.</p></main>
<footer>© Цветы
<script src="{vitrina}/widget.js" defer></script>
</footer>
</body></html>
"""
PRODUCT_PAGE = "<!DOCTYPE html><html><body><h1 id='product'>{name}</h1></body></html>"


@pytest.fixture
def store(
    live_app: Any, sqlite_url: str, model_dir: Path
) -> Iterator[tuple[httpx.Client, PhotoServer, list[Bouquet]]]:
    """Vitrina with its worker and three indexed bouquets whose pages are on the shop's site."""
    rng = random.Random(20251130)
    bouquets = [random_bouquet(rng) for _ in NAMES]
    with photo_server() as shop, live_app(
        sqlite_url,
        run_worker=True,
        model_dir=model_dir,
        image_hosts_allow=["127.0.0.1"],
        cors_origins=[shop.base_url],
        shop_base_url=shop.base_url,
    ) as client:
        shop.add("/", STOREFRONT.format(vitrina=client.base_url).encode(), content_type="text/html; charset=utf-8")
        for n, (bouquet, name, price, slug) in enumerate(zip(bouquets, NAMES, PRICES, SLUGS, strict=True)):
            url = shop.add(f"/upload/{slug}.jpg", render_jpeg(bouquet, 0))
            shop.add(f"/catalog/{slug}/", PRODUCT_PAGE.format(name=name).encode(), content_type="text/html; charset=utf-8")
            product = sample_product(
                id=8001 + n, title=name, price=price, image=url, images=[url],
                DETAIL_PAGE_URL=f"/catalog/{slug}/",  # relative, as Bitrix sends it
            )
            assert send(client, "created", product, secret=SECRET).status_code == 200
        wait_for(client, lambda s: s["total_indexed"] == len(NAMES))
        yield client, shop, bouquets


def choose_photo(page: Any, path: Path) -> None:
    """One tap on «Найти по фото» opens the file chooser (the camera, on a phone)."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Найти по фото").click()
    chooser.value.set_files(str(path))


def log_in(page: Any, base_url: str) -> None:
    page.goto(base_url + "/dashboard")
    page.fill("#token", ADMIN_TOKEN)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/dashboard")


def test_a_customer_finds_a_bouquet_on_the_shops_site_and_the_click_is_counted(browser, store, tmp_path):
    client, shop, bouquets = store
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[1], 3))  # another shot of «Бордо»
    page = browser.new_page(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page.goto(shop.base_url + "/")
    assert not page.get_by_role("button", name="Сфотографировать").is_visible()  # a mouse: no camera
    host = page.locator("[data-vitrina]")
    assert host.evaluate("h => h.shadowRoot !== null && h.shadowRoot.mode === 'open'")
    assert page.locator("iframe").count() == 0
    choose_photo(page, query)  # searching starts at once
    first = page.locator("[data-vitrina] li a").first
    first.wait_for()
    assert first.locator(".name").inner_text() == "Розы «Бордо»"
    assert first.locator(".price").inner_text() == "19 900 ₸"
    href = first.get_attribute("href")
    assert href.startswith(f"{client.base_url}/go/8002?s=")  # the product id, via the counter
    assert first.get_attribute("target") is None  # the same tab
    # The shop's loud CSS does not reach inside: the button keeps the widget's own look.
    colour = page.locator("[data-vitrina] button.find").evaluate("b => getComputedStyle(b).backgroundColor")
    assert colour != "rgb(0, 255, 0)"
    page.wait_for_function(
        "[...document.querySelector('[data-vitrina]').shadowRoot.querySelectorAll('li img')]"
        ".every(i => i.complete && i.naturalWidth)"
    )
    page.screenshot(path=str(SCREENSHOTS / "widget-desktop.png"))

    # Tightening the frame around the bouquet searches again.
    handle = page.locator("[data-vitrina] .crop i").bounding_box()
    with page.expect_response(lambda r: r.url.endswith("/api/v1/search/upload")) as again:
        page.mouse.move(handle["x"] + 10, handle["y"] + 10)
        page.mouse.down()
        page.mouse.move(handle["x"] - 40, handle["y"] - 30, steps=5)
        page.mouse.up()
    assert again.value.ok
    page.locator("[data-vitrina] li a").first.wait_for()
    # «Найти» searches again too.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/search/upload")):
        page.get_by_role("button", name="Найти", exact=True).click()

    page.locator("[data-vitrina] li a", has_text="Розы «Бордо»").first.click()
    page.wait_for_url(shop.base_url + "/catalog/roses-bordeaux/")
    assert page.locator("#product").inner_text() == "Розы «Бордо»"
    page.close()

    dashboard = browser.new_page(locale="ru-RU", viewport={"width": 1280, "height": 1100})
    log_in(dashboard, str(client.base_url))
    assert dashboard.locator("#search-count").inner_text() == "3"
    assert dashboard.locator("#click-count").inner_text() == "1"
    assert dashboard.locator("#click-through").inner_text() == "33.3 %"
    assert "Розы «Бордо»" in dashboard.locator("#most-clicked").inner_text()
    assert "кнопка на сайте: 3" in dashboard.locator("#search-panel").inner_text()
    dashboard.locator("#search-panel").screenshot(path=str(SCREENSHOTS / "dashboard-search.png"))
    dashboard.close()


def test_the_widget_fits_a_phone(browser, store, tmp_path):
    _, shop, bouquets = store
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[0], 2))
    page = browser.new_page(locale="ru-RU", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page.goto(shop.base_url + "/")
    overflow = "document.documentElement.scrollWidth - window.innerWidth"
    assert page.evaluate(overflow) <= 0
    button = page.get_by_role("button", name="Найти по фото").bounding_box()
    assert button["height"] >= 44 and button["x"] + button["width"] <= 360
    # The camera is one tap away: the button beside it opens the camera, not the gallery.
    camera = page.get_by_role("button", name="Сфотографировать")
    box = camera.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44 and box["x"] + box["width"] <= 360
    with page.expect_file_chooser() as chooser:
        camera.tap()
    assert chooser.value.element.get_attribute("capture") == "environment"
    chooser.value.set_files([])
    page.screenshot(path=str(SCREENSHOTS / "widget-phone-button.png"))
    choose_photo(page, query)
    first = page.locator("[data-vitrina] li a").first
    first.wait_for()
    assert first.locator(".name").inner_text() == "Пионы «Утро»"
    assert page.evaluate(overflow) <= 0
    for name in ("Найти", "Другое фото", "Камера", "Закрыть"):
        box = page.get_by_role("button", name=name, exact=True).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, name
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, name
    assert page.locator("[data-vitrina] input[capture=environment]").count() == 1
    page.wait_for_function(
        "[...document.querySelector('[data-vitrina]').shadowRoot.querySelectorAll('li img')]"
        ".every(i => i.complete && i.naturalWidth)"
    )
    page.screenshot(path=str(SCREENSHOTS / "widget-phone.png"))
    first.tap()
    page.wait_for_url(shop.base_url + "/catalog/peonies-morning/")
    page.close()


def test_search_page_fits_a_360_px_phone_with_big_tap_targets(browser, store):
    client, _, _ = store
    page = browser.new_page(locale="ru-RU", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page.goto(str(client.base_url) + "/")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert page.locator("h1").inner_text() == "Найдите букет по фото"
    for selector in ("label.camera", "button.primary", "#price_min"):
        box = page.locator(selector).bounding_box()
        assert box["height"] >= 44, selector
    page.close()


def test_a_site_not_in_the_cors_list_cannot_use_the_search(browser, store, tmp_path):
    client, shop, bouquets = store
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[2], 1))
    other_origin = shop.base_url.replace("127.0.0.1", "localhost")  # another origin, same page
    page = browser.new_page(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page.goto(other_origin + "/")
    choose_photo(page, query)
    page.locator("[data-vitrina] .status.err").wait_for()
    assert page.locator("[data-vitrina] li").count() == 0
    refused = page.evaluate(
        """async url => { try { await fetch(url, {method: 'POST', body: new FormData()});
             return 'answered'; } catch (e) { return 'refused'; } }""",
        f"{client.base_url}/api/v1/search/upload",
    )
    assert refused == "refused"
    page.keyboard.press("Escape")  # the customer gives up: the overlay goes, the page is as it was
    page.locator("[data-vitrina] .overlay").wait_for(state="hidden")
    assert page.evaluate("document.body.style.overflow") == ""
    page.close()


def test_the_widget_page_shows_the_line_to_copy_and_a_working_preview(browser, store, tmp_path):
    client, _, bouquets = store
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[2], 4))
    page = browser.new_page(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page.goto(f"{client.base_url}/widget")
    snippet = page.locator("#snippet").inner_text()
    assert snippet == f'<script src="{client.base_url}/widget.js" defer></script>'
    page.locator("#preview-target [data-vitrina]").wait_for(state="attached")
    choose_photo(page, query)
    first = page.locator("[data-vitrina] li a").first
    first.wait_for()
    assert first.locator(".name").inner_text() == "Тюльпаны «Весна»"
    page.close()


def test_the_widget_works_under_a_strict_content_security_policy(browser, store, tmp_path):
    """A shop that forbids inline styles still gets a styled, working button."""
    client, shop, bouquets = store
    policy = (
        f"default-src 'self'; script-src {client.base_url}; connect-src {client.base_url}; "
        f"img-src {shop.base_url} blob:; style-src 'self'"
    )
    page_html = re.sub(  # the shop's own page has no inline styles either
        r'<style>.*?</style>| style="[^"]*"', "", STOREFRONT.format(vitrina=client.base_url), flags=re.S
    ).encode()
    shop.add("/strict/", page_html, content_type="text/html; charset=utf-8",
             headers={"Content-Security-Policy": policy})
    query = tmp_path / "photo.jpg"
    query.write_bytes(render_jpeg(bouquets[1], 1))
    page = browser.new_page(locale="ru-RU", viewport={"width": 1280, "height": 900})
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(shop.base_url + "/strict/")
    main = page.get_by_role("button", name="Найти по фото")
    main.wait_for()
    assert main.evaluate("b => getComputedStyle(b.parentNode).position") == "fixed"  # styled
    choose_photo(page, query)
    page.locator("[data-vitrina] li a").first.wait_for()
    assert refused == []  # nothing of the widget's was refused
    assert page.evaluate("document.styleSheets.length") == 0  # the policy holds on the page
    page.close()


def test_the_widget_speaks_kazakh_on_a_kazakh_page(browser, live_app, sqlite_url):
    with photo_server() as shop, live_app(sqlite_url, cors_origins=[]) as client:
        page_html = STOREFRONT.format(vitrina=client.base_url).replace('lang="ru"', 'lang="kk"')
        shop.add("/", page_html.encode(), content_type="text/html; charset=utf-8")
        page = browser.new_page(locale="kk-KZ")
        page.goto(shop.base_url + "/")
        page.get_by_role("button", name="Фото арқылы табу").wait_for()
        assert page.get_by_role("button", name="Найти по фото").count() == 0
