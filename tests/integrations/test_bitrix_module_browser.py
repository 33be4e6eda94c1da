"""The shop's developer installs and sets up the module in a real browser (headless Chromium),
on the stand-in's admin pages, against a live Vitrina; then removes it.

The install guide's screenshots (integrations/bitrix/docs/screenshots/) are refreshed only on
request, ``VITRINA_SCREENSHOTS=1``, so an ordinary run never touches the repository.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integrations.bitrix_mariadb import standin_mariadb  # noqa: F401 (the fixture)
from tests.integrations.bitrix_module_support import BITRIX, Vitrina, cron, serve_site, shop
from tests.tooling import require_executable
from tests.web.conftest import CHROMIUM_ARGS
from vitrina.ingest.signatures import new_secret

# The stand-in runs on MariaDB, as a real shop's Bitrix does on MySQL.
pytestmark = [pytest.mark.mariadb, pytest.mark.usefixtures("standin_mariadb")]

SHOTS = (
    BITRIX / "docs" / "screenshots"
    if os.environ.get("VITRINA_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "vitrina-bitrix-screenshots"
)


@pytest.fixture
def browser_page() -> Iterator[Any]:
    chromium = require_executable("chromium", "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 860})
        finally:
            browser.close()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


@pytest.mark.slow
def test_install_configure_send_and_remove_the_module_in_a_browser(
    browser_page: Any, tmp_path: Path
) -> None:
    php = require_executable("php", "php-cli")
    page = browser_page
    secret = new_secret()
    vitrina = Vitrina(tmp_path, secret)
    site = tmp_path / "site"
    site.mkdir()
    catalog = json.loads(shop(php, site, "site", "12"))["catalog"]
    vitrina.start()
    try:
        with serve_site(php, site) as url:
            admin = f"{url}/bitrix/admin"
            # 1. Marketplace → Installed solutions → Install.
            page.goto(f"{admin}/partner_modules.php?id=vitrinalab.vitrina&install=Y&lang=ru")
            assert "Модуль установлен" in page.inner_text("body")
            _shot(page, "01-install.png")
            page.click("text=Перейти к настройкам модуля")

            # 2. The Vitrina tab: address and secret, "check the connection".
            page.fill("#vitrina_url", vitrina.url)
            page.fill("#secret", secret)
            page.click(".adm-detail-tab >> text=Каталог")
            page.select_option("#iblock_ids", [str(catalog)])
            page.select_option("#price_type_id", "2")
            page.fill("#product_url_base", "https://flowers.kz")
            page.click(".adm-detail-tab:text-is('Витрина')")
            page.click("input[name=check]")
            body = page.inner_text("body")
            assert "Настройки сохранены" in body
            assert f"Витрина по адресу {vitrina.url} отвечает" in body
            assert "Секрет верный" in body
            _shot(page, "02-connection.png")
            page.click(".adm-detail-tab >> text=Каталог")
            assert page.is_visible("#iblock_ids")
            _shot(page, "03-catalog.png")

            # 3. Sending: "send everything again"; the agent (cron) delivers it.
            page.click(".adm-detail-tab >> text=Отправка")
            page.click("input[name=send_all]")
            assert "Полная выгрузка начата" in page.inner_text("body")
            cron(php, site)
            page.goto(f"{admin}/settings.php?mid=vitrinalab.vitrina&lang=ru")
            page.click(".adm-detail-tab >> text=Отправка")
            sending = page.inner_text("#vitrina_sending")
            assert "проверено 12 из 12, в очередь 12" in sending
            _shot(page, "04-sending.png")
            listed = httpx.get(f"{vitrina.url}/api/v1/products", params={"enabled_only": True})
            assert listed.json()["total"] == 12  # sold-out ones too: searchable, «Нет в наличии»
            assert sum(p["available"] for p in listed.json()["items"]) == 10  # two are sold out

            # 4. Storefront: the search widget on every public page.
            page.click(".adm-detail-tab >> text=Витрина сайта")
            page.check("#widget_enabled")
            page.fill("#widget_url", f"{vitrina.url}/widget.js")
            page.click("input[name=save]")
            page.click(".adm-detail-tab >> text=Витрина сайта")
            _shot(page, "05-widget.png")
            snippet = f'<script src="{vitrina.url}/widget.js" defer></script>'  # as /widget shows
            assert page.inner_text(".vitrina-snippet") == snippet
            assert page.inner_text(".vitrina-origin") == f"VITRINA_CORS_ORIGINS={url}"
            assert "VITRINA_CORS_ORIGINS" in page.inner_text(".vitrina-origin + .vitrina-hint")
            public = httpx.get(f"{url}/catalog/", timeout=10).text
            assert snippet in public

            # 4b. Requests: the address and the secret (masked) for Vitrina's lead webhook.
            page.click(".adm-detail-tab >> text=Заявки")
            lead_url = "https://flowers.kz/bitrix/tools/vitrinalab.vitrina/lead.php"
            assert page.inner_text(".vitrina-lead-url") == f"VITRINA_LEAD_WEBHOOK_URL={lead_url}"
            assert page.inner_text(".vitrina-lead-secret").startswith("whsec_")
            assert page.inner_text(".vitrina-lead-secret").endswith("…")
            _shot(page, "07-requests.png")

            with serve_site(php, site, lang="en") as url_en:
                page.goto(f"{url_en}/bitrix/admin/settings.php?mid=vitrinalab.vitrina&lang=en")
                assert "Connection to Vitrina" in page.inner_text("body")
                _shot(page, "02-connection-en.png")

            # 5. Vitrina down: the Sending tab shows the last error and the row waiting longest;
            # the Access tab is Bitrix's own rights table.
            vitrina.stop()
            shop(php, site, "edit", "1")
            cron(php, site)
            page.goto(f"{admin}/settings.php?mid=vitrinalab.vitrina&lang=ru")
            page.click(".adm-detail-tab >> text=Отправка")
            sending = page.inner_text("#vitrina_sending")
            assert "Последняя ошибка" in sending
            assert "will be retried" in sending
            assert "Дольше всех ждёт" in sending
            assert page.get_attribute("#secret", "value") == "", "the secret is never echoed"
            page.click(".adm-detail-tab >> text=Доступ")
            assert "Администраторы" in page.inner_text("#vitrina_rights")
            assert page.is_visible("select[name='RIGHTS[2]']")
            vitrina.start()

            # 6. Remove: asked whether to keep the tables, then gone.
            page.goto(f"{admin}/partner_modules.php?id=vitrinalab.vitrina&uninstall=Y&lang=ru")
            assert page.is_checked("#savedata")
            _shot(page, "06-uninstall.png")
            page.click("input[name=inst]")
            assert "Модуль удалён" in page.inner_text("body")
            public = httpx.get(f"{url}/catalog/", timeout=10).text
            assert "widget.js" not in public
    finally:
        vitrina.stop()
