"""The storefront's edges over real HTTP: the widget's script compressed and cacheable, the small
things (`HEAD /`, the favicon, `/redoc`), a refused site's search, and the customer's language in
photo-address errors and on the disabled dashboard."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN_TOKEN
from tests.support.photos import photo_server
from tests.web.test_pages import log_in

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_the_widget_script_is_gzipped_and_revalidated_by_etag(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        plain = client.get("/widget.js", headers={"Accept-Encoding": "identity"})
        packed = client.get("/widget.js", headers={"Accept-Encoding": "gzip, br"})
        assert "content-encoding" not in plain.headers
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.content == plain.content  # httpx decoded it: the same script
        assert int(packed.headers["content-length"]) < len(plain.content) / 2
        assert packed.headers["vary"] == "Accept-Encoding"
        etag = plain.headers["etag"]
        again = client.get("/widget.js", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert "max-age=3600" in plain.headers["cache-control"]
        version = etag.strip('"')
        pinned = client.get(f"/widget.js?v={version}")
        assert "immutable" in pinned.headers["cache-control"]
        assert f"/widget.js?v={version}" in client.get("/widget").text
        # An old version's address is not cached for a year.
        assert "immutable" not in client.get("/widget.js?v=0").headers["cache-control"]


def test_head_of_the_search_page_the_favicon_and_redoc(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        assert client.head("/").status_code == 200
        icon = client.get("/favicon.ico")
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
        assert 'rel="icon"' in client.get("/").text
        redoc = client.get("/redoc")
        assert redoc.status_code == 308 and redoc.headers["location"] == "/docs"


def test_a_search_from_a_site_not_allowed_is_refused_before_any_work(live_app, sqlite_url):
    with live_app(sqlite_url, cors_origins="https://shop.kz") as client:
        photo = {"file": ("photo.jpg", b"\xff\xd8 not really", "image/jpeg")}
        refused = client.post(
            "/api/v1/search/upload",
            files=photo,
            data={"channel": "widget"},
            headers={"Origin": "https://wrong.shop.kz"},
        )
        assert refused.status_code == 403
        assert refused.json()["status"] == "error"  # the one error shape of every route
        assert refused.json()["error"]["code"] == "origin_not_allowed"
        assert refused.json()["error"]["field"] == "Origin"
        assert "access-control-allow-origin" not in refused.headers
        # The same bad photo from the shop's site or Vitrina's own page is looked at (422).
        for origin in ("https://shop.kz", str(client.base_url)):
            looked_at = client.post(
                "/api/v1/search/upload", files=photo, headers={"Origin": origin}
            )
            assert looked_at.status_code == 422, origin
        dashboard = client.get("/api/v1/dashboard", headers=ADMIN).json()
        assert dashboard["searches"]["by_channel"].get("widget", 0) == 0
        log_in(client)
        page = client.get("/dashboard", headers={"Accept-Language": "ru"}).text
        assert "https://wrong.shop.kz" in page and "VITRINA_CORS_ORIGINS" in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "По этой ссылке фото больше нет"),
        ("kk", "Бұл сілтеме бойынша фото енді жоқ"),
        ("en", "There is no photo at this address any more"),
    ],
)
def test_a_photo_address_error_speaks_the_customers_language(
    live_app, sqlite_url, language, expected
):
    with photo_server() as photos, live_app(sqlite_url) as client:
        page = client.post(
            "/search",
            data={"image_url": photos.base_url + "/gone.jpg"},
            headers={"Accept": "text/html", "Accept-Language": language},
        )
    assert page.status_code == 422
    assert expected in page.text
    assert "image_url:" not in page.text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "Панель выключена"),
        ("kk", "Панель өшірулі"),
        ("en", "The dashboard is disabled"),
    ],
)
def test_the_disabled_dashboard_says_so_in_the_visitors_language(
    live_app, sqlite_url, language, expected
):
    with live_app(sqlite_url, admin_token=None) as client:
        page = client.get("/dashboard/login", headers={"Accept-Language": language})
    assert expected in page.text and "VITRINA_ADMIN_TOKEN" in page.text


def _add_reconcile(database_url: str, **counts: int) -> None:
    from vitrina.db import make_engine, make_sessionmaker, utcnow, write_session
    from vitrina.integrations.bitrix.models import SyncRun

    engine = make_engine(database_url)
    try:
        with write_session(make_sessionmaker(engine)) as session:
            session.add(
                SyncRun(kind="reconcile", shop_id=1, source_url="https://shop.kz/api/",
                        status="completed", finished_at=utcnow(), total=3, **counts)
            )
    finally:
        engine.dispose()


def test_the_dashboard_speaks_the_managers_terms(live_app, sqlite_url):
    from tests.conftest import SECRET
    from tests.support.webhooks import sample_product, send

    with live_app(sqlite_url) as client:
        product = sample_product(id=9001, title="Розы «Бордо»", price="19 900 ₸")
        assert send(client, "created", product, secret=SECRET).status_code == 200
        _add_reconcile(sqlite_url, unchanged=3)
        log_in(client)
        page = client.get("/dashboard", headers={"Accept-Language": "ru"}).text
        assert "Asia/Almaty (UTC+05:00)" in page
        assert "Каталог совпадает с магазином" in page
        events = page[page.index('id="latest-events"'):]
        assert "товар добавлен" in events and "Розы «Бордо»" in events
        assert "product.created" not in events.split("title=")[0]
        assert " ms</" not in page and "Застрявш" not in page
        _add_reconcile(sqlite_url, updated=2, deleted=1)
        page = client.get("/dashboard", headers={"Accept-Language": "ru"}).text
        assert "Расхождений с магазином: 3" in page


def test_the_dashboards_days_are_the_shops_days(database_url):
    """A click at 01:30 in Almaty (20:30 UTC the day before) counts on the Almaty day."""
    from datetime import UTC, date, datetime

    from vitrina.analytics.models import SearchClick
    from vitrina.analytics.searches import search_panel
    from vitrina.db import make_engine, make_sessionmaker, write_session

    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    try:
        with write_session(sessions) as session:
            session.add(
                SearchClick(created_at=datetime(2026, 12, 6, 20, 30, tzinfo=UTC), product_id=1)
            )
        now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
        with sessions() as session:
            almaty = search_panel(session, now=now, zone="Asia/Almaty")
            utc = search_panel(session, now=now, zone="UTC")
    finally:
        engine.dispose()
    assert {d.day: d.clicks for d in almaty.days if d.clicks} == {date(2026, 12, 7): 1}
    assert {d.day: d.clicks for d in utc.days if d.clicks} == {date(2026, 12, 6): 1}


def test_the_dashboard_groups_what_customers_did_not_find(live_app, sqlite_url):
    from tests.conftest import SECRET
    from tests.support.webhooks import sample_product, send
    from vitrina.analytics.models import SearchEvent
    from vitrina.db import make_engine, make_sessionmaker, utcnow, write_session

    def search(product_id: int, matched: bool, channel: str = "widget") -> SearchEvent:
        return SearchEvent(created_at=utcnow(), channel=channel, result_count=3,
                           best_similarity=0.9 if matched else 0.4, top_product_id=product_id,
                           matched=matched, any_exact=False, latency_ms=50.0)

    with live_app(sqlite_url) as client:
        for product_id, title in ((9101, "Гортензия синяя"), (9102, "Пионы белые")):
            product = sample_product(id=product_id, title=title, price="9 900 ₸")
            assert send(client, "created", product, secret=SECRET).status_code == 200
        engine = make_engine(sqlite_url)
        with write_session(make_sessionmaker(engine)) as session:
            session.add_all([search(9101, False), search(9101, False), search(9102, False),
                             search(9102, True), search(9102, False, channel="similar")])
        engine.dispose()
        log_in(client)
        page = client.get("/dashboard", headers={"Accept-Language": "ru"}).text
    panel = page[page.index('id="missed-looks"'):page.index('id="leads"')]
    rows = panel.split('class="missed"')[1:]
    assert len(rows) == 2
    assert "Гортензия синяя" in rows[0] and "<td>2</td>" in rows[0]  # the largest group first
    assert "Пионы белые" in rows[1] and "<td>1</td>" in rows[1]  # a match and «similar» not counted
