"""The storefront over real HTTP: product page addresses, search analytics, the click redirect,
CORS for the shop's site only, the languages of the pages and the offline API docs."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ADMIN_TOKEN, SECRET
from tests.search.test_visual_search import upload, wait_until_idle
from tests.support.photos import altered, jpeg, photo_server, sample_photos
from tests.support.webhooks import sample_product, send
from vitrina.config import LANGUAGES
from vitrina.errors import InvalidPayload
from vitrina.ingest.bitrix_format import parse_page_url
from vitrina.web.i18n import negotiate

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
SHOP = "https://shop.kz"


def page_url(client: httpx.Client, product_id: int) -> str | None:
    response = client.get(f"/api/v1/products/{product_id}")
    assert response.status_code == 200, response.text
    url: str | None = response.json()["page_url"]
    return url


# --- product page addresses -------------------------------------------------------------------


def test_page_address_from_the_shops_data_in_every_accepted_field(live_app, database_url):
    with live_app(database_url, product_url_template=SHOP + "/catalog/{id}/") as client:
        sent = {
            1: {"url": "https://www.shop.kz/p/roses-1"},
            2: {"DETAIL_PAGE_URL": "/catalog/roses/2/"},
            3: {"link": "/catalog/tulips/3/?from=feed"},
            4: {},
        }
        for pid, fields in sent.items():
            assert send(client, "created", sample_product(id=pid, **fields), secret=SECRET).status_code == 200
        assert page_url(client, 1) == "https://www.shop.kz/p/roses-1"  # on the shop's site: as sent
        assert page_url(client, 2) == SHOP + "/catalog/roses/2/"  # relative: the template's origin
        assert page_url(client, 3) == SHOP + "/catalog/tulips/3/?from=feed"
        assert page_url(client, 4) == SHOP + "/catalog/4/"  # nothing sent: the template
        listed = client.get("/api/v1/products").json()["items"]
        assert [p["page_url"] for p in listed] == [page_url(client, pid) for pid in sent]


def test_relative_address_uses_the_shop_base_url_or_stays_relative(live_app, sqlite_url):
    product = sample_product(id=10, DETAIL_PAGE_URL="/catalog/peonies/10/")
    with live_app(sqlite_url) as client:
        assert send(client, "created", product, secret=SECRET).status_code == 200
        assert send(client, "created", sample_product(id=11), secret=SECRET).status_code == 200
        assert page_url(client, 10) == "/catalog/peonies/10/"  # nothing to resolve it against
        assert page_url(client, 11) is None
    with live_app(sqlite_url, shop_base_url="https://www.shop.kz/ru/") as client:
        assert page_url(client, 10) == "https://www.shop.kz/catalog/peonies/10/"
        # A later event without an address (the REST listing has none) keeps the one it had.
        renamed = sample_product(id=10, title="Пионы")
        assert send(client, "updated", renamed, secret=SECRET).status_code == 200
        assert page_url(client, 10) == "https://www.shop.kz/catalog/peonies/10/"
        moved = sample_product(id=10, title="Пионы", url="/catalog/peonies-new/10/")
        assert send(client, "updated", moved, secret=SECRET).status_code == 200
        assert page_url(client, 10) == "https://www.shop.kz/catalog/peonies-new/10/"


@pytest.mark.parametrize(
    "address",
    ["https://evil.example/p/1", "//evil.example/p/1", "http://shop.kz@evil.example/p/1",
     "https://shop.kz.evil.example/p/1", "https://user:pw@shop.kz/p/1"],
)
def test_a_page_address_off_the_shops_site_is_never_followed(live_app, sqlite_url, address):
    """From /go, the API and so the widget: the template's address instead, or none."""
    product = sample_product(id=20, url=address)
    with live_app(sqlite_url, product_url_template=SHOP + "/catalog/{id}/") as client:
        assert send(client, "created", product, secret=SECRET).status_code == 200
        assert page_url(client, 20) == SHOP + "/catalog/20/"
        went = client.get("/go/20", follow_redirects=False)
        assert went.headers["location"] == SHOP + "/catalog/20/"
    with live_app(sqlite_url, shop_base_url=SHOP) as client:
        assert page_url(client, 20) is None
        assert client.get("/go/20", follow_redirects=False).status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [("url", "javascript:alert(1)"), ("DETAIL_PAGE_URL", "data:text/html,hi"), ("link", 42),
     ("url", "/catalog/with space/"), ("url", "https://"), ("url", "/" + "x" * 2100)],
)
def test_unusable_page_address_is_refused_naming_the_field(live_app, sqlite_url, field, value):
    with live_app(sqlite_url) as client:
        response = send(client, "created", sample_product(id=20, **{field: value}), secret=SECRET)
        assert response.status_code == 422
        assert f"product_data.{field}" in response.text
        assert client.get("/api/v1/products/20").status_code == 404  # nothing changed


@given(st.text(max_size=60))
def test_page_address_parser_never_lets_a_script_scheme_through(text):
    try:
        parsed = parse_page_url(text, "url")
    except InvalidPayload:
        return
    assert parsed is None or not parsed.lower().lstrip().startswith(("javascript:", "data:"))


# --- search analytics and clicks --------------------------------------------------------------


@pytest.fixture
def storefront(live_app, sqlite_url):
    """Three indexed products with page addresses (and one without), the worker running."""
    photos_by_name = sample_photos()
    names = ["coffee", "chelsea", "astronaut"]
    with (
        photo_server() as photos,
        live_app(sqlite_url, run_worker=True, shop_base_url=SHOP) as client,
    ):
        for n, name in enumerate(names):
            url = photos.add(f"/upload/{name}.jpg", jpeg(photos_by_name[name]))
            fields = {"DETAIL_PAGE_URL": f"/catalog/{name}/"} if name != "astronaut" else {}
            product = sample_product(
                id=500 + n, title=f"Букет {name}", price="4 950 ₸", image=url, images=[url], **fields
            )
            assert send(client, "created", product, secret=SECRET).status_code == 200
        assert wait_until_idle(client)["total_indexed"] == len(names)
        yield client, photos_by_name


def search_panel(client: httpx.Client) -> dict:
    response = client.get("/api/v1/dashboard", headers=ADMIN)
    assert response.status_code == 200, response.text
    panel: dict = response.json()["searches"]
    return panel


def test_searches_are_counted_by_channel_and_results_carry_page_addresses(storefront):
    client, photos = storefront
    query = jpeg(altered(photos["chelsea"]), quality=50)
    widget = upload(client, query, top_k=3, channel="widget").json()
    assert widget["results"][0]["product_id"] == 501
    assert widget["results"][0]["page_url"] == SHOP + "/catalog/chelsea/"
    assert widget["results"][0]["price"] == 495000
    assert isinstance(widget["search_id"], int)
    api = client.post("/api/v1/search", json={"product_id": 500, "top_k": 3}).json()
    assert api["search_id"] == widget["search_id"] + 1
    by_url = {r["product_id"]: r["page_url"] for r in api["results"]}
    assert by_url == {500: SHOP + "/catalog/coffee/", 501: SHOP + "/catalog/chelsea/", 502: None}
    page = client.post(
        "/search", files={"file": ("q.jpg", query, "image/jpeg")}, headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    assert f'href="/go/501?s={api["search_id"] + 1}"' in page.text  # the card goes via the counter
    nothing = upload(client, query, price_max=100).json()  # a filter nothing passes
    assert nothing["results"] == []
    more = client.get("/", params={"similar_to": 501}, headers={"Accept": "text/html"})
    assert more.status_code == 200
    assert f'href="/go/500?s={api["search_id"] + 3}"' in more.text  # "More like this" counts

    panel = search_panel(client)
    assert panel["searches"] == 5
    assert panel["by_channel"] == {"widget": 1, "api": 2, "page": 1, "similar": 1}
    assert panel["no_match_share"] == pytest.approx(0.4)  # the filtered one; nothing like 501
    assert panel["clicks"] == 0 and panel["click_through_rate"] == 0
    assert panel["most_found"][0] == {"product_id": 501, "name": "Букет chelsea", "count": 2}
    assert sum(day["searches"] for day in panel["days"]) == 5
    metrics = client.get("/metrics").text
    assert 'vitrina_searches_total{channel="widget"} ' in metrics
    assert 'vitrina_searches_no_match_total{channel="api"} ' in metrics

    click = client.get(f"/go/501?s={widget['search_id']}", follow_redirects=False)
    assert click.status_code == 302
    assert click.headers["location"] == SHOP + "/catalog/chelsea/"
    panel = search_panel(client)
    assert panel["clicks"] == 1
    assert panel["click_through_rate"] == pytest.approx(0.2)
    assert panel["most_clicked"] == [{"product_id": 501, "name": "Букет chelsea", "count": 1}]
    assert 'vitrina_result_clicks_total{channel="widget"} ' in client.get("/metrics").text


def test_the_click_redirect_goes_only_to_an_address_the_catalog_holds(storefront):
    client, _ = storefront
    # Whatever the request says, the target is the product's own page.
    for query in ("?next=https://evil.example/", "?url=//evil.example", "?s=999999"):
        response = client.get(f"/go/500{query}", follow_redirects=False)
        assert response.status_code == 302
        assert response.headers["location"] == SHOP + "/catalog/coffee/"
    assert client.get("/go/502", follow_redirects=False).status_code == 404  # no page address
    assert client.get("/go/404404", follow_redirects=False).status_code == 404
    odd = client.get("/go/https:%2F%2Fevil.example", follow_redirects=False)
    assert odd.status_code in (404, 422) and "location" not in odd.headers
    assert client.get("/go/500?s=abc", follow_redirects=False).status_code == 422
    assert search_panel(client)["clicks"] == 3  # the three good ones; an unknown search is kept


# --- CORS -------------------------------------------------------------------------------------


def test_cors_answers_only_the_shops_origins_and_only_on_the_search_api(live_app, sqlite_url):
    with live_app(sqlite_url, cors_origins="https://shop.kz, https://www.shop.kz") as client:
        def preflight(path: str, origin: str) -> httpx.Response:
            return client.options(path, headers={
                "Origin": origin, "Access-Control-Request-Method": "POST",
            })
        allowed = preflight("/api/v1/search/upload", "https://www.shop.kz")
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://www.shop.kz"
        refused = preflight("/api/v1/search/upload", "https://evil.example")
        assert "access-control-allow-origin" not in refused.headers
        answer = client.get("/api/v1/products/1", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in answer.headers
        answer = client.get("/api/v1/products/1", headers={"Origin": "https://shop.kz"})
        assert answer.headers["access-control-allow-origin"] == "https://shop.kz"
        admin = client.get("/api/v1/jobs", headers={"Origin": "https://shop.kz", **ADMIN})
        assert "access-control-allow-origin" not in admin.headers
        script = client.get("/widget.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        assert script.headers["cross-origin-resource-policy"] == "cross-origin"


def test_bad_cors_origin_setting_is_refused(make_settings):
    from vitrina.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="VITRINA_CORS_ORIGINS"):
        make_settings(cors_origins="shop.kz")
    with pytest.raises(ConfigurationError, match="VITRINA_PRODUCT_URL_TEMPLATE"):
        make_settings(product_url_template="https://shop.kz/catalog/")


# --- languages --------------------------------------------------------------------------------


def test_pages_are_russian_unless_the_visitor_or_the_setting_asks_otherwise(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        response = client.get("/")
        assert "accept-language" in response.headers["vary"].lower()
        russian = response.text
        assert '<html lang="ru">' in russian and "Найдите букет по фото" in russian
        english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).text
        assert '<html lang="en">' in english and "Find a bouquet by photo" in english
        kazakh = client.get("/", headers={"Accept-Language": "kk-KZ"}).text
        assert '<html lang="kk">' in kazakh and "Гүл шоғын фото арқылы табыңыз" in kazakh
        # the shop's staff pages are not translated into Kazakh: Russian, not English
        staff = client.get(
            "/dashboard", headers={"Accept-Language": "kk-KZ"}, follow_redirects=True
        ).text
        assert "Войти" in staff and "Log in" not in staff
        widget = client.get("/widget").text
        assert f'<script src="{client.base_url}/widget.js" defer></script>' in widget.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"')
        # Customers' errors in Russian, without the developer's details.
        html = {"Accept": "text/html"}
        not_a_photo = client.post(
            "/search", files={"file": ("a.jpg", b"text", "image/jpeg")}, headers=html
        )
        assert not_a_photo.status_code == 422
        assert "Этот файл не фотография" in not_a_photo.text
        price = client.post(
            "/search", data={"image_url": "https://x.kz/a.jpg", "price_min": "дёшево"}, headers=html
        )
        assert price.status_code == 422 and "Введите цену в тенге" in price.text
        gone = client.get("/", params={"similar_to": 424242}, headers=html)
        assert gone.status_code == 404 and "Этого товара уже нет в каталоге." in gone.text
    with live_app(sqlite_url, language="en") as client:
        assert "Find a bouquet by photo" in client.get("/", headers={"Accept-Language": "ru"}).text


@pytest.mark.parametrize(
    ("header", "language"),
    [(None, "ru"), ("", "ru"), ("de-DE,fr;q=0.5", "ru"), ("en", "en"), ("de,en-US;q=0.7", "en"),
     ("ru;q=0.5,en;q=0.9", "en"), ("en;q=0,ru", "ru"), ("kk-KZ,ru;q=0.9", "kk"), ("EN-us", "en"),
     ("en;q=abc,ru;q=0.5", "ru"), ("en;q=nan,ru;q=0.1", "ru"), ("en;q=2,ru;q=0.1", "ru")],
)
def test_language_negotiation(header, language):
    assert negotiate(header) == language


@given(st.text(max_size=80), st.sampled_from([None, *LANGUAGES]))
def test_negotiation_always_names_a_language_we_speak(header, configured):
    chosen = negotiate(header, configured)
    assert chosen in LANGUAGES
    if configured is not None:
        assert chosen == configured


# --- API docs ---------------------------------------------------------------------------------


def test_docs_are_served_without_a_cdn_and_document_units_limits_examples(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        for path in ("/docs", "/redoc"):
            page = client.get(path, follow_redirects=True).text
            assert "cdn." not in page and "unpkg" not in page
            for asset in re.findall(r'(?:src|href)="(/static-docs/[^"]+)"', page):
                assert client.get(asset).status_code == 200, asset
        schema = client.get("/openapi.json").json()
    assert "minor units" in schema["info"]["description"]
    components = schema["components"]["schemas"]
    assert "minor units" in components["ProductOut"]["properties"]["price"]["description"]
    assert "minor units" in components["SearchResult"]["properties"]["price"]["description"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body is None:
                continue
            content = next(iter(body["content"].values()))
            ref = content["schema"].get("$ref", "")
            target = components[ref.rsplit("/", 1)[-1]] if ref else content["schema"]
            assert target.get("examples") or content.get("examples") or content.get("example"), (
                f"{method.upper()} {path} has no example"
            )


def test_search_panel_counts_on_both_databases(database_url):
    from vitrina.analytics.searches import record_click, record_search, search_panel
    from vitrina.db import make_engine, make_sessionmaker
    from vitrina.search.schemas import SearchResponse, SearchResult

    def answer(similarity: float | None) -> SearchResponse:
        results = [] if similarity is None else [SearchResult(
            product_id=7, name="Розы", price=495000, image_url=None, matched_image_url="u",
            similarity=similarity,
        )]
        return SearchResponse(
            results=results, exact=results if similarity and similarity > 0.9 else [], similar=[],
            search_time_ms=50.0, total_indexed=1, embedder="e", exact_threshold=0.9,
            similar_threshold=0.6,
        )

    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    try:
        found = record_search(sessions, "widget", answer(0.95))
        record_search(sessions, "widget", answer(0.7))
        record_search(sessions, "page", answer(0.3))  # below the similar threshold
        record_search(sessions, "api", answer(None))  # nothing at all
        record_click(sessions, 7, found.search_id)
        record_click(sessions, 7, found.search_id)  # the same search twice: one search clicked
        record_click(sessions, 7, None)
        with sessions() as session:
            panel = search_panel(session)
    finally:
        engine.dispose()
    assert panel.searches == 4 and panel.by_channel == {"widget": 2, "page": 1, "api": 1}
    assert panel.no_match_share == pytest.approx(0.5)
    assert panel.clicks == 3 and panel.click_through_rate == pytest.approx(0.25)
    assert panel.avg_latency_ms == 50.0
    assert [(p.product_id, p.count) for p in panel.most_found] == [(7, 2)]
    assert [(p.product_id, p.count) for p in panel.most_clicked] == [(7, 3)]
    assert panel.days[-1].searches == 4 and panel.days[-1].no_match == 2


def test_every_text_of_the_pages_has_a_russian_translation():
    from vitrina.web import i18n

    templates = Path(i18n.__file__).parent / "templates"
    used = set()
    for template in templates.glob("*.html"):
        for double, single in re.findall(r"""_\(\s*(?:"([^"]+)"|'([^']+)')""", template.read_text()):
            used.add(double or single)
    used |= {text for _, text in i18n.CUSTOMER_ERRORS}
    missing = sorted(text for text in used if text not in i18n.MESSAGES["ru"])
    assert not missing, f"not translated to Russian: {missing}"


def test_the_widget_stays_small():
    """Customers on phones download it (gzipped) on every shop page; 12 KB is its budget."""
    from vitrina.web.widget import WidgetScript

    assert len(WidgetScript.read().gzipped) < 12 * 1024


def test_click_redirect_on_both_databases(live_app, database_url):
    with live_app(database_url, shop_base_url=SHOP) as client:
        product = sample_product(id=30, DETAIL_PAGE_URL="/catalog/roses/30/")
        assert send(client, "created", product, secret=SECRET).status_code == 200
        click = client.get("/go/30", follow_redirects=False)
        assert click.status_code == 302 and click.headers["location"] == SHOP + "/catalog/roses/30/"
        panel = search_panel(client)
    assert panel["clicks"] == 1 and panel["most_clicked"][0]["product_id"] == 30
