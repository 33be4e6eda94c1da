"""Each hostile request an issue found answering 500 (or accepted): now a 4xx naming the field,
and nothing changed. The generated cases are in ``test_hostile_input``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.hostile_server import dumps_with_raw, hostile_server, sent_unchanged
from tests.conftest import SECRET
from tests.support.webhooks import sample_product, send
from vitrina.ingest.signatures import signed_headers


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, model_dir: Path
) -> Iterator[httpx.Client]:
    with hostile_server(tmp_path_factory, sqlite_template, model_dir) as client:
        yield client


# Every case the issue found answering 500 (or, for "٤٢" and "１２３ ₸", being accepted).
ISSUE_CASES = {
    "NaN price": ("price", ("RAW", "NaN")),
    "Infinity price": ("price", ("RAW", "Infinity")),
    "5,000-digit price": ("price", ("RAW", "9" * 5000)),
    "nesting 5,000 deep": ("colors", ("RAW", "[" * 5000 + "]" * 5000)),
    "superscript digit id": ("id", "³"),
    "Arabic-Indic digit id": ("id", "٤٢"),
    "fullwidth digit price": ("price", "１２３ ₸"),
    "broken IPv6 photo URL": ("image", "http://[::1"),
    "createdAt in year 1": ("createdAt", "0001-01-01T00:00:00+05:00"),
    "createdAt in year 9999": ("createdAt", "9999-12-31T23:59:59-05:00"),
    "lone surrogate in title": ("title", ("RAW", '"\\ud83d bouquet"')),
    "NUL in title": ("title", "Пионы\x00"),
    "id over 64 bits": ("id", 2**70),
    "broken IPv6 page URL": ("url", "http://[::1"),
    "broken IPv6 DETAIL_PAGE_URL": ("DETAIL_PAGE_URL", "http://[::1"),
    "broken IPv6 link": ("link", "http://[::1"),
}


@pytest.mark.parametrize("case", list(ISSUE_CASES), ids=list(ISSUE_CASES))
def test_each_webhook_the_issue_found_is_refused_naming_the_field(server, case):
    field, value = ISSUE_CASES[case]
    product = sample_product(id=8)
    product[field] = value
    body = dumps_with_raw({"event_type": "product.updated", "product_data": product})
    headers = signed_headers(SECRET, body, str(uuid.uuid4()))
    response = sent_unchanged(
        server, lambda: server.post("/api/v1/webhooks/product-sync", content=body, headers=headers)
    )
    assert response.status_code in (400, 413, 422), response.text
    error = response.json()["error"]
    assert field in error["message"] or error.get("field") == "body", error


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/products/{2**70}",
        f"/api/v1/products?shop_id={2**70}",
        f"/?similar_to={2**70}",
        f"/api/v1/products/{2**70}/similar",
        "/api/v1/products/٤٢",
        "/?similar_to=7&price_min=nan",
        "/?similar_to=7&price_max=1e400",
        "/?similar_to=7&shop_id=٤٢",
    ],
)
def test_huge_or_foreign_numbers_in_paths_and_queries_are_422(server, path):
    response = server.get(path)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"]


# What the red team found answering 500 without any credentials (issue 24).
UNAUTHENTICATED_CASES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "24-digit webhook timestamp": ("POST", "/api/v1/webhooks/product-sync", {
        "content": b"{}",
        "headers": {"webhook-id": "x", "webhook-timestamp": "1" * 24, "webhook-signature": "v1,x"},
    }),
    "400-digit webhook timestamp": ("POST", "/api/v1/webhooks/product-sync", {
        "content": b"{}",
        "headers": {"webhook-id": "x", "webhook-timestamp": "9" * 400, "webhook-signature": "v1,x"},
    }),
    "/go id over 64 bits": ("GET", f"/go/{2**70}", {}),
    "/go search id over 64 bits": ("GET", f"/go/7?s={2**70}", {}),
    "offset over 64 bits": ("GET", f"/api/v1/products?offset={2**70}", {}),
    "data: URL without a comma": ("POST", "/api/v1/search",
                                  {"json": {"image_base64": "data:image/png;base64"}}),
    "malformed IDNA photo host": ("POST", "/api/v1/search",
                                  {"json": {"image_url": "http://xn--zz-.example/x.jpg"}}),
    "IDNA host without a label": ("POST", "/api/v1/search",
                                  {"json": {"image_url": "http://xn--/x.jpg"}}),
}


@pytest.mark.parametrize("case", list(UNAUTHENTICATED_CASES), ids=list(UNAUTHENTICATED_CASES))
def test_each_unauthenticated_500_the_issue_found_is_a_4xx(server, case):
    method, path, options = UNAUTHENTICATED_CASES[case]
    response = server.request(method, path, **options)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["message"]


def test_a_webhook_id_longer_than_the_event_log_keeps_is_refused_on_both(live_app, database_url):
    with live_app(database_url) as client:
        response = send(client, "created", sample_product(id=5), secret=SECRET, msg_id="x" * 201)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == "webhook-id"
        assert client.get("/api/v1/products/5").status_code == 404
        accepted = send(client, "created", sample_product(id=5), secret=SECRET, msg_id="x" * 200)
        assert accepted.status_code == 200, accepted.text


def test_a_photo_a_pixel_wide_and_forty_million_high_is_refused(server):
    from tests.images.photo_server import png_header_only

    response = server.post(
        "/api/v1/search/upload", files={"file": ("tall.png", png_header_only(1, 40_000_000))}
    )
    assert response.status_code == 413, response.text
    assert "each side" in response.json()["error"]["message"]


def test_a_search_for_a_product_id_over_64_bits_is_422(server):
    response = server.post("/api/v1/search", json={"product_id": 2**70})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "product_id"


@pytest.mark.parametrize(
    "title", [("RAW", '"\\ud83d bouquet"'), "Пионы\x00", ("RAW", '"\\u0000"')], ids=str
)
def test_text_neither_database_can_store_is_refused_the_same_on_both(live_app, database_url, title):
    with live_app(database_url) as client:
        body = dumps_with_raw(
            {"event_type": "product.created", "product_data": sample_product(id=9, title=title)}
        )
        headers = signed_headers(SECRET, body, str(uuid.uuid4()))
        response = client.post("/api/v1/webhooks/product-sync", content=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == "body.product_data.title"
        assert client.get("/api/v1/products/9").status_code == 404
