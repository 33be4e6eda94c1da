"""The widget on a multi-site shop (one Bitrix info block on two sites, two Vitrina shops), in
Chromium: with ``data-shop-id`` a site's customer sees only that site's bouquets — in the photo
search and in «Похожие букеты» — and a tap leads to the product's page on the same site."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.conftest import SECRET
from tests.support.photos import photo_server
from tests.support.webhooks import sample_product, send
from tests.web.test_browser import wait_for
from tests.web.test_widget_browser import PRODUCT_PAGE, STOREFRONT, choose_photo
from vitrina.standin.photos import random_bouquet, render_jpeg

pytestmark = pytest.mark.slow

HTML = "text/html; charset=utf-8"


def site_page(vitrina: str, shop_id: int) -> bytes:
    """The storefront with the widget told which Vitrina shop this site is."""
    tag = f'<script src="{vitrina}/widget.js" defer></script>'
    return STOREFRONT.format(vitrina=vitrina).replace(
        tag, tag.replace(" defer", f' data-shop-id="{shop_id}" defer')
    ).encode()


def test_each_site_of_a_multi_site_shop_shows_and_links_its_own_bouquets(
    browser, live_app, sqlite_url, model_dir: Path, tmp_path
):
    rng = random.Random(20261207)
    bouquets = [random_bouquet(rng) for _ in range(3)]
    with photo_server() as site_a, photo_server() as site_b, live_app(
        sqlite_url,
        run_worker=True,
        model_dir=model_dir,
        image_hosts_allow=["127.0.0.1"],
        cors_origins=[site_a.base_url, site_b.base_url],
        bitrix_site_shops="s1=1,s2=2",
        shop_base_url=site_a.base_url,
        shop_site_urls=[site_b.base_url],
    ) as client:
        vitrina = str(client.base_url)
        site_a.add("/", site_page(vitrina, 1), content_type=HTML)
        site_b.add("/", site_page(vitrina, 2), content_type=HTML)
        # Product 1 is on both sites, 2 only on s2, 3 only on s1; every page is absolute.
        shops = {1: ["s1", "s2"], 2: ["s2"], 3: ["s1"]}
        for n, bouquet in enumerate(bouquets, start=1):
            photo = site_a.add(f"/upload/{n}.jpg", render_jpeg(bouquet, 0))
            sites = []
            for site in shops[n]:
                server = site_a if site == "s1" else site_b
                page = PRODUCT_PAGE.format(name=f"{site} букет {n}").encode()
                sites.append({"siteId": site, "url": server.add(f"/catalog/{n}/", page, content_type=HTML)})
            product = sample_product(
                id=n, title=f"Букет {n}", siteId=shops[n][0], sites=sites, image=photo, images=[photo]
            )
            assert send(client, "created", product, secret=SECRET).status_code == 200
        wait_for(client, lambda s: s["total_indexed"] == 3)

        # «Похожие букеты» for product 1 on site s1: product 3, never s2's product 2.
        site_a.add(
            "/catalog/1/similar/",
            (PRODUCT_PAGE.format(name="Букет 1") + f'<script src="{vitrina}/widget.js" '
             'data-similar-to="1" data-shop-id="1" defer></script>').encode(),
            content_type=HTML,
        )
        page = browser.new_page(locale="ru-RU")
        page.goto(site_a.base_url + "/catalog/1/similar/")
        row = page.locator("[data-vitrina=similar] li a")
        row.first.wait_for()
        assert [row.nth(i).get_attribute("data-product-id") for i in range(row.count())] == ["3"]
        page.close()

        # A photo of product 1 searched on site s2: the s2 bouquets only, and the tap stays on s2.
        query = tmp_path / "photo.jpg"
        query.write_bytes(render_jpeg(bouquets[0], 3))
        page = browser.new_page(locale="ru-RU", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
        page.goto(site_b.base_url + "/")
        choose_photo(page, query)
        cards = page.locator("[data-vitrina] li a")
        cards.first.wait_for()
        found = {cards.nth(i).get_attribute("data-product-id") for i in range(cards.count())}
        assert found <= {"1", "2"} and cards.first.get_attribute("data-product-id") == "1"
        assert "shop_id=2" in cards.first.get_attribute("href")
        cards.first.tap()
        page.wait_for_url(site_b.base_url + "/catalog/1/")
        assert page.locator("#product").inner_text() == "s2 букет 1"
        page.close()
