"""The pages in a real browser (Debian's headless Chromium driven by Playwright).

A running Vitrina with its worker indexes a few generated bouquet photos served from 127.0.0.1;
a visitor uploads another shot of one bouquet and sees it first; a manager logs in, sees the
product whose photo was missing as a dead job, fixes the photo and presses retry.
"""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, SECRET
from tests.support.eventually import eventually
from tests.support.photos import PhotoServer, photo_server
from tests.support.webhooks import sample_product, send
from vitrina.standin.photos import Bouquet, random_bouquet, render_jpeg

pytestmark = pytest.mark.slow

# The README's screenshots are refreshed only on request (VITRINA_SCREENSHOTS=1), so an
# ordinary test run leaves the tree clean; otherwise they go to a temporary folder.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("VITRINA_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "vitrina-screenshots"
)
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
NAMES = ["Пионы «Утро»", "Розы «Бордо»", "Тюльпаны «Весна»", "Гортензия в коробке"]
PRICES = ["4 950 ₸", "19 900 ₸", "12 500 ₸", "32 000 ₸"]
BROKEN_ID = 7005


def wait_for(client: httpx.Client, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    def reached() -> dict[str, Any]:
        stats = client.get("/api/v1/stats").json()
        assert check(stats), f"Vitrina did not get there: {stats}"
        return stats

    return eventually(reached, timeout=180)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def shop(
    live_app: Any, sqlite_url: str, model_dir: Path
) -> Iterator[tuple[httpx.Client, PhotoServer, list[Bouquet]]]:
    """Vitrina with its worker; four bouquets indexed and one product whose photo is missing."""
    rng = random.Random(20251024)
    bouquets = [random_bouquet(rng) for _ in NAMES]
    with (
        photo_server() as photos,
        live_app(
            sqlite_url,
            run_worker=True,
            model_dir=model_dir,
            image_hosts_allow=["127.0.0.1"],
            job_max_attempts=1,
        ) as client,
    ):
        for n, (bouquet, name, price) in enumerate(zip(bouquets, NAMES, PRICES, strict=True)):
            url = photos.add(f"/upload/bouquet-{n}.jpg", render_jpeg(bouquet, 0))
            product = sample_product(id=7001 + n, title=name, price=price, image=url, images=[url])
            assert send(client, "created", product, secret=SECRET).status_code == 200
        missing = photos.base_url + "/upload/missing.jpg"
        broken = sample_product(
            id=BROKEN_ID, title="Букет без фото", price="9 990 ₸", image=missing, images=[missing]
        )
        assert send(client, "created", broken, secret=SECRET).status_code == 200
        wait_for(client, lambda s: s["total_indexed"] == len(NAMES) and s["queue"]["dead"] == 1)
        yield client, photos, bouquets


def csp_violations(page: Any) -> list[str]:
    """Console messages of Content-Security-Policy violations on ``page`` (filled as it runs)."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def test_upload_a_photo_and_see_the_bouquet_first(browser, shop, tmp_path):
    client, _, bouquets = shop
    base_url = str(client.base_url)
    query = tmp_path / "my-photo.jpg"
    query.write_bytes(render_jpeg(bouquets[1], 3))  # another shot of «Бордо»
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    violations = csp_violations(page)
    page.goto(base_url + "/")
    page.set_input_files("#file", str(query))  # choosing a file searches at once
    first = page.locator("#results .card").first
    first.wait_for()
    assert first.locator(".name").inner_text() == "Розы «Бордо»"
    assert first.locator(".price").inner_text() == "19 900 ₸"
    assert page.locator("#results .group.exact .name").first.inner_text() == "Розы «Бордо»"
    assert page.locator("#preview").is_visible()
    page.wait_for_function(  # the product photos come straight from the shop's server
        "[...document.querySelectorAll('#results img')].every(i => i.complete && i.naturalWidth)"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=True)

    # "More like this" stays on the page and leaves the bouquet itself out.
    first.locator("a.more").click()
    page.locator("#results .results-heading", has_text="Похожие на «Розы «Бордо»»").wait_for()
    names = page.locator("#results .card .name").all_inner_texts()
    assert "Розы «Бордо»" not in names and len(names) == len(NAMES) - 1

    # A file that is not a photo gets a clear message, not a broken page.
    text = tmp_path / "notes.jpg"
    text.write_bytes(b"these are not pixels")
    page.set_input_files("#file", str(text))
    page.locator("#results .message.error", has_text="не фотография").wait_for()
    assert violations == []  # the page's own scripts, styles and photos are all allowed
    page.close()


def test_search_page_fits_a_phone(browser, shop):
    base_url = str(shop[0].base_url)
    page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
    page.goto(base_url + "/")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert page.locator("#camera").get_attribute("capture") == "environment"
    page.close()


def test_dashboard_login_dead_job_and_retry(browser, shop):
    client, photos, bouquets = shop
    base_url = str(client.base_url)
    # Bitrix delivers one event twice and sends one product with a price nobody can read.
    url = photos.base_url + "/upload/bouquet-0.jpg"
    again = sample_product(id=7001, title=NAMES[0], price="4 990 ₸", image=url, images=[url])
    assert send(client, "updated", again, secret=SECRET, msg_id="twice").status_code == 200
    assert send(client, "updated", again, secret=SECRET, msg_id="twice").status_code == 200
    unreadable = sample_product(id=7009, title="Букет", price="договорная")
    assert send(client, "created", unreadable, secret=SECRET).status_code == 422
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="ru-RU")
    violations = csp_violations(page)
    page.goto(base_url + "/dashboard")
    assert page.url.endswith("/dashboard/login")
    page.fill("#token", "not-the-token")
    page.click("button[type=submit]")
    page.locator(".message.error", has_text="Это не токен администратора").wait_for()
    page.fill("#token", ADMIN_TOKEN)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/dashboard")

    dead = page.locator("#dead-jobs tr.dead-job")
    assert dead.count() == 1
    assert str(BROKEN_ID) in dead.inner_text()
    assert "404" in dead.locator(".reason").inner_text()
    assert page.locator("#index-size").inner_text() == str(len(NAMES))
    assert page.locator("#latest-events .outcome-created").count() == len(NAMES) + 1
    assert page.locator("#latest-events .outcome-duplicate").count() == 1
    assert page.locator("#latest-events .outcome-rejected").count() == 1
    assert page.locator("#error-rate").inner_text() == "12.5 %"  # 1 of 8 webhooks
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

    # The shop fixes the photo; the manager presses retry and the job leaves the dead list.
    photos.add("/upload/missing.jpg", render_jpeg(bouquets[0], 5))
    dead.locator("button", has_text="Повторить").click()
    page.locator("#dead-jobs .message.ok", has_text="Все товары обработаны.").wait_for(timeout=60_000)
    # The page keeps refreshing itself: the index grows without a reload.
    page.locator("#index-size", has_text=str(len(NAMES) + 1)).wait_for(timeout=60_000)

    # Logging out ends the session: back to the login form, and the dashboard asks again.
    page.click("text=Выйти")
    page.wait_for_url(base_url + "/dashboard/login")
    page.goto(base_url + "/dashboard")
    assert page.url.endswith("/dashboard/login")
    assert violations == []
    page.close()
