"""The stand-in speaks the shop's REST API as documented in shared/bitrix/, over real HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integrations.conftest import SHOP_SIZE, TOKEN
from tests.support.live import serve_in_thread
from vitrina.ingest.signatures import new_secret, verify
from vitrina.standin.seed import PRICE_SEPARATORS, PRODUCT_FIELDS
from vitrina.standin.server import StandIn

SHARED = Path("/work/shared/bitrix")
AUTH = {"Authorization": f"Bearer {TOKEN}"}


# One keep-alive connection for the whole module: paging with limit=1 makes hundreds of requests.
_http = httpx.Client()


def get(shop: StandIn, path: str, *, headers: dict[str, str] | None = None,
        **params: Any) -> httpx.Response:
    return _http.get(shop.base_url + path, params=params, headers=AUTH if headers is None else headers)


def all_pages(shop: StandIn, limit: int, **filters: Any) -> list[dict[str, Any]]:
    products: list[dict[str, Any]] = []
    offset = 0
    while True:
        body = get(shop, "/api/v2/products/", limit=limit, offset=offset, **filters).json()
        assert body["success"] is True
        assert body["pagination"]["limit"] == limit
        assert body["pagination"]["offset"] == offset
        products += body["data"]
        offset += len(body["data"])
        if not body["pagination"]["hasMore"]:
            assert offset == body["pagination"]["total"]
            return products


# --- listing -------------------------------------------------------------------------------------


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(min_value=1, max_value=100))
def test_paging_with_any_limit_lists_every_product_exactly_once(shop: StandIn, limit: int) -> None:
    ids = [product["id"] for product in all_pages(shop, limit)]
    assert len(ids) == SHOP_SIZE
    assert ids == shop.product_ids


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    type_=st.sampled_from([None, "catalog", "vitrina"]),
    available=st.sampled_from([None, "true", "false", "1", "0"]),
    limit=st.integers(min_value=1, max_value=100),
)
def test_filters_select_exactly_the_matching_products(
    shop: StandIn, type_: str | None, available: str | None, limit: int
) -> None:
    filters = {k: v for k, v in {"type": type_, "isAvailable": available}.items() if v is not None}
    got = [product["id"] for product in all_pages(shop, limit, **filters)]
    expected = [
        product["id"]
        for product in shop.products
        if (type_ is None or product["type"] == type_)
        and (available is None or product["isAvailable"] is (available in ("true", "1")))
    ]
    assert got == expected


def test_both_types_and_both_availabilities_occur(shop: StandIn) -> None:
    assert {p["type"] for p in shop.products} == {"catalog", "vitrina"}
    assert {p["isAvailable"] for p in shop.products} == {True, False}


def test_listing_defaults_to_twenty_from_the_start(shop: StandIn) -> None:
    body = get(shop, "/api/v2/products/").json()
    assert body["pagination"] == {"total": SHOP_SIZE, "limit": 20, "offset": 0, "hasMore": True}
    assert len(body["data"]) == 20


def test_listing_answers_without_the_trailing_slash_too(shop: StandIn) -> None:
    with_slash = get(shop, "/api/v2/products/", limit=5, offset=3)
    without = get(shop, "/api/v2/products", limit=5, offset=3)
    assert without.status_code == 200
    assert without.json() == with_slash.json()


def test_offset_past_the_end_is_an_empty_last_page(shop: StandIn) -> None:
    body = get(shop, "/api/v2/products/", offset=SHOP_SIZE + 10).json()
    assert body["data"] == []
    assert body["pagination"]["hasMore"] is False
    assert body["pagination"]["total"] == SHOP_SIZE


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"limit": -1}, {"limit": "ten"}, {"offset": -1},
     {"isAvailable": "maybe"}, {"type": "wholesale"}],
)
def test_bad_parameters_are_refused_with_400(shop: StandIn, params: dict[str, Any]) -> None:
    response = get(shop, "/api/v2/products/", **params)
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert response.json()["error"]


def test_the_old_handlers_id_query_finds_one_product(shop: StandIn) -> None:
    """The shop's init.php fetches ``/api/v2/products?id=N``: that keeps working."""
    product_id = shop.product_ids[5]
    body = get(shop, "/api/v2/products", id=product_id).json()
    assert [p["id"] for p in body["data"]] == [product_id]


# --- detail --------------------------------------------------------------------------------------


def test_detail_returns_the_product_as_listed(shop: StandIn) -> None:
    listed = get(shop, "/api/v2/products/", limit=3, offset=40).json()["data"]
    for product in listed:
        body = get(shop, "/api/v2/products/detail", id=product["id"]).json()
        assert body == {"success": True, "data": product}


def test_detail_of_an_unknown_product_is_a_404_with_success_false(shop: StandIn) -> None:
    response = get(shop, "/api/v2/products/detail", id=1)
    assert response.status_code == 404
    assert response.json()["success"] is False


def test_detail_without_an_id_is_a_400(shop: StandIn) -> None:
    assert get(shop, "/api/v2/products/detail").status_code == 400


# --- auth ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN},
     {"Authorization": f"Basic {TOKEN}"}],
    ids=["none", "wrong-token", "no-scheme", "basic"],
)
@pytest.mark.parametrize("path", ["/api/v2/products/", "/api/v2/products/detail?id=1"])
def test_the_api_wants_the_bearer_token(shop: StandIn, headers: dict[str, str], path: str) -> None:
    response = httpx.get(shop.base_url + path, headers=headers)
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_photos_are_public_like_on_the_shops_web_server(shop: StandIn) -> None:
    response = httpx.get(shop.products[0]["image"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"


# --- the products look like the real ones --------------------------------------------------------


def test_products_have_exactly_the_real_fields_in_the_real_shapes(shop: StandIn) -> None:
    real = json.loads((SHARED / "product-detail.json").read_text())["data"]
    assert tuple(real) == PRODUCT_FIELDS
    for product in shop.products:
        assert list(product) == list(real)
        assert isinstance(product["id"], int)
        assert isinstance(product["title"], str) and re.search("[а-яА-ЯёЁ]", product["title"])
        assert isinstance(product["price"], str | int)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0500", product["createdAt"])
        assert product["type"] in ("catalog", "vitrina")
        assert product["colors"] is False
        assert 1 <= len(product["images"]) <= 3
        assert all(url.startswith(shop.base_url + "/upload/") for url in product["images"])
        assert product["image"] == product["images"][0] or "/resize_cache/" in product["image"]
        for key in ("catalogWidth", "catalogHeight"):
            value = product[key]
            assert value is None or value == "" or re.fullmatch(r"\d+ ?см", value)
        for key in ("width", "height"):
            assert product[key] in (None, "") or isinstance(product[key], int)


def test_prices_come_in_every_shape_the_shop_uses(shop: StandIn) -> None:
    prices = [product["price"] for product in shop.products]
    assert any(isinstance(price, int) for price in prices)
    assert any(isinstance(price, str) and price.isdigit() for price in prices)
    for separator in PRICE_SEPARATORS:
        assert any(isinstance(p, str) and re.fullmatch(rf"\d{{1,3}}({separator}\d{{3}})+ ₸", p)
                   for p in prices), f"no price with separator {separator!r}"


def test_dimensions_come_in_every_shape_the_shop_uses(shop: StandIn) -> None:
    heights = {p["catalogHeight"] if p["catalogHeight"] in ("", None) else
               ("spaced" if " " in p["catalogHeight"] else "joined") for p in shop.products}
    assert heights == {"", None, "spaced", "joined"}


def test_the_same_seed_makes_the_same_catalog() -> None:
    one, two = StandIn(40, seed=5, public_url="http://shop"), StandIn(40, seed=5, public_url="http://shop")
    assert one.products == two.products
    assert StandIn(40, seed=6, public_url="http://shop").products != one.products


def test_five_thousand_products_have_distinct_ids_and_every_listing_field() -> None:
    standin = StandIn(5000, seed=1)
    assert len(standin.product_ids) == len(set(standin.product_ids)) == 5000
    assert all({"id", "title", "price", "image", "images"} <= set(p) for p in standin.products)


def test_photo_urls_follow_the_public_url() -> None:
    standin = StandIn(3, public_url="https://shop.example/")
    assert standin.base_url == "https://shop.example"
    assert all(p["image"].startswith("https://shop.example/upload/") for p in standin.products)


# --- scripted changes ----------------------------------------------------------------------------


def test_a_created_product_is_listed_last_and_its_event_carries_it(fresh_shop: StandIn) -> None:
    before = fresh_shop.product_ids
    event = fresh_shop.create_product(title="Новый букет", price="9 900 ₸")
    assert event.event_type == "product.created"
    new_id = event.product_data["id"]
    assert new_id not in before
    assert all_pages(fresh_shop, 100)[-1] == event.product_data
    detail = get(fresh_shop, "/api/v2/products/detail", id=new_id).json()["data"]
    assert detail["title"] == "Новый букет"
    assert httpx.get(detail["image"]).status_code == 200


def test_an_update_changes_what_the_api_serves(fresh_shop: StandIn) -> None:
    product_id = fresh_shop.product_ids[3]
    event = fresh_shop.update_product(product_id, price="1 000 ₸", isAvailable=False)
    served = get(fresh_shop, "/api/v2/products/detail", id=product_id).json()["data"]
    assert served["price"] == "1 000 ₸"
    assert served["isAvailable"] is False
    assert event.product_data == served


def test_a_deleted_product_and_its_photos_are_gone(fresh_shop: StandIn) -> None:
    product_id = fresh_shop.product_ids[0]
    photos = fresh_shop.product(product_id)["images"]  # type: ignore[index]
    event = fresh_shop.delete_product(product_id)
    assert event.event_type == "product.deleted"
    assert event.product_data == {"id": product_id}
    assert get(fresh_shop, "/api/v2/products/detail", id=product_id).status_code == 404
    assert product_id not in [p["id"] for p in all_pages(fresh_shop, 100)]
    assert all(httpx.get(url).status_code == 404 for url in photos)


def test_replaced_photos_answer_404_at_their_old_urls(fresh_shop: StandIn) -> None:
    product_id = fresh_shop.product_ids[1]
    old = fresh_shop.product(product_id)["images"]  # type: ignore[index]
    new = fresh_shop.update_product(product_id, replace_photos=2).product_data["images"]
    assert len(new) == 2
    assert not set(old) & set(new)
    assert all(httpx.get(url).status_code == 404 for url in old)
    assert all(httpx.get(url).status_code == 200 for url in new)


def test_a_removed_photo_is_still_listed_but_answers_404(fresh_shop: StandIn) -> None:
    product = fresh_shop.products[2]
    fresh_shop.remove_photo(product["images"][0])
    assert fresh_shop.product(product["id"]) == product
    assert httpx.get(product["images"][0]).status_code == 404


def test_unknown_fields_are_refused_so_typos_do_not_pass_silently(fresh_shop: StandIn) -> None:
    with pytest.raises(ValueError, match="is_available"):
        fresh_shop.update_product(fresh_shop.product_ids[0], is_available=False)


def test_events_carry_growing_sequences_and_unique_ids(fresh_shop: StandIn) -> None:
    events = [fresh_shop.random_change() for _ in range(30)]
    sequences = [event.sequence for event in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == 30
    assert len({event.event_id for event in events}) == 30
    assert fresh_shop.events[-30:] == events
    # Sequences start from the clock: a restarted stand-in never goes back below them.
    assert StandIn(1).create_product().sequence > sequences[-1]


# --- webhooks ------------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A bare endpoint that records what it was sent."""
    received: list[tuple[dict[str, str], bytes]] = []
    app = FastAPI()

    @app.post("/api/v1/webhooks/product-sync")
    async def hook(request: Request) -> dict[str, bool]:
        received.append((dict(request.headers), await request.body()))
        return {"ok": True}

    with serve_in_thread(app) as url:
        yield url + "/api/v1/webhooks/product-sync", received


def test_webhooks_are_signed_standard_webhooks_in_vitrinas_envelope(
    fresh_shop: StandIn, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = receiver
    secret = new_secret()
    event = fresh_shop.update_product(fresh_shop.product_ids[0], price="5 000 ₸")
    assert fresh_shop.send_webhook(url, secret, event).status_code == 200
    headers, body = received[0]
    assert verify(headers, body, [secret]) == event.event_id
    payload = json.loads(body)
    assert payload == {
        "event_type": "product.updated",
        "product_data": fresh_shop.product(event.product_data["id"]),
        "event_id": event.event_id,
        "sequence": event.sequence,
        "occurred_at": event.occurred_at,
    }


def test_during_rotation_every_secret_signs(
    fresh_shop: StandIn, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = receiver
    old, new = new_secret(), new_secret()
    fresh_shop.send_webhook(url, [old, new], fresh_shop.delete_product(fresh_shop.product_ids[0]))
    headers, body = received[0]
    assert verify(headers, body, [old]) == verify(headers, body, [new])
    assert len(headers["webhook-signature"].split(" ")) == 2


def test_legacy_webhooks_look_like_the_old_init_php(
    fresh_shop: StandIn, receiver: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    url, received = receiver
    event = fresh_shop.create_product()
    fresh_shop.send_webhook(url, "plain-secret", event, legacy=True)
    headers, body = received[0]
    assert headers["x-webhook-secret"] == "plain-secret"
    assert "webhook-signature" not in headers
    assert json.loads(body) == {"event_type": "product.created", "product_data": event.product_data}
