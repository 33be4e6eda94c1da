"""Hostile input at the public routes: never a 5xx, and a refused request changes nothing.

Hypothesis builds bodies, paths, query strings, headers and cookies from the values that used to
answer 500 (non-finite and 5,000-digit numbers, deep nesting, non-ASCII digits, broken URLs,
dates far out of range, lone surrogates, NUL, integers over 64 bits) mixed with arbitrary text,
and sends them — webhooks correctly signed, so they reach the parser — to one live server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.hostile_server import (
    assert_no_5xx,
    dumps_with_raw,
    hostile_server,
    sent_unchanged,
)
from tests.conftest import SECRET
from tests.support.live import serve_in_thread
from tests.support.webhooks import sample_product
from vitrina.ingest.signatures import signed_headers

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Raw JSON tokens json.dumps will not write; spliced into the text where a value goes.
RAW_TOKENS = [
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "9" * 5000,
    "-" + "9" * 400,
    str(2**70),
    str(2**63),
    "[" * 3000 + "]" * 3000,
    "{" + '"a":{' * 50 + "}" * 51,
    '"\\ud800"',
    '"bad\\u0000nul"',
    '"\\udfff tail"',
]
HOSTILE_TEXT = [
    "³",
    "٤٢",
    "１２３ ₸",
    "12\u00a0000 ₸",
    "http://[::1",
    "http://[::1]:99999/x.jpg",
    "http://example.com:port/x.jpg",
    "javascript:alert(1)",
    "http://exa mple.com/x.jpg",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "2025-13-40T99:99:99+0500",
    "",
    " ",
    "\x00",
    "%00",
    "<script>alert(1)</script>",
    "'; DROP TABLE products; --",
    "../../etc/passwd",
    "x" * 5000,
    "http://xn--zz-.example/x.jpg",
    "http://xn--/x.jpg",
    "data:image/png;base64",
    "//evil.example/x",
    "http://shop.example@evil.example/",
    "1" * 24,
]
raw_tokens = st.sampled_from(RAW_TOKENS)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=30),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
hostile_values = st.one_of(json_values, raw_tokens.map(lambda raw: ("RAW", raw)))
text_params = st.one_of(
    st.sampled_from(HOSTILE_TEXT + [t.strip('"') for t in RAW_TOKENS]),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.text(max_size=30),
)
PRODUCT_FIELDS = [
    "id",
    "url",
    "DETAIL_PAGE_URL",
    "link",
    "title",
    "price",
    "image",
    "images",
    "createdAt",
    "catalogHeight",
    "width",
    "isAvailable",
    "type",
    "colors",
]
ENVELOPE_FIELDS = ["event_type", "event_id", "sequence", "occurred_at", "product_data"]


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, model_dir: Path
) -> Iterator[httpx.Client]:
    with hostile_server(tmp_path_factory, sqlite_template, model_dir) as client:
        yield client


@SETTINGS
@given(
    field=st.sampled_from(PRODUCT_FIELDS),
    value=hostile_values,
    event=st.sampled_from(["created", "updated", "deleted"]),
)
def test_signed_webhook_with_a_hostile_product_field(server, field, value, event):
    product = sample_product(id=7)
    product[field] = value
    body = dumps_with_raw({"event_type": f"product.{event}", "product_data": product})
    headers = signed_headers(SECRET, body, str(uuid.uuid4()))
    headers["content-type"] = "application/json"
    response = sent_unchanged(
        server, lambda: server.post("/api/v1/webhooks/product-sync", content=body, headers=headers)
    )
    if response.status_code == 422:
        assert response.json()["error"]["message"]


@SETTINGS
@given(field=st.sampled_from(ENVELOPE_FIELDS), value=hostile_values)
def test_signed_webhook_with_a_hostile_envelope(server, field, value):
    document: dict[str, Any] = {
        "event_type": "product.updated",
        "product_data": sample_product(id=8),
    }
    document[field] = value
    body = dumps_with_raw(document)
    headers = signed_headers(SECRET, body, str(uuid.uuid4()))
    sent_unchanged(
        server, lambda: server.post("/api/v1/webhooks/product-sync", content=body, headers=headers)
    )


@SETTINGS
@given(value=text_params, which=st.integers(0, 11))
def test_hostile_path_and_query_parameters(server, value, which):
    v = quote(value, safe="")
    path = [
        f"/api/v1/products/{v}",
        f"/api/v1/products?shop_id={v}",
        f"/api/v1/products?limit={v}&offset={v}",
        f"/?similar_to={v}",
        f"/?shop_id={v}&price_min={v}&price_max={v}",
        f"/api/v1/products/{v}/similar?top_k={v}",
        f"/api/v1/products/7/similar?top_k={v}",
        f"/api/v1/products?offset={v}",
        f"/go/{v}",
        f"/go/7?s={v}",
        f"/api/v1/products/7/similar?shop_id={v}",
        f"/go/7?shop_id={v}",
    ][which]
    sent_unchanged(server, lambda: server.get(path, headers={"accept": "text/html"}))


@SETTINGS
@given(
    field=st.sampled_from(
        ["product_id", "image_url", "image_base64", "top_k", "threshold", "filters"]
    ),
    value=hostile_values,
    filter_field=st.sampled_from(["shop_id", "price_min", "price_max", "type"]),
)
def test_hostile_search_bodies(server, field, value, filter_field):
    document: dict[str, Any] = {"product_id": 7}
    if field == "filters":
        document["filters"] = {filter_field: value}
    else:
        document.pop("product_id")
        document[field] = value
    body = dumps_with_raw(document)
    sent_unchanged(
        server,
        lambda: server.post(
            "/api/v1/search", content=body, headers={"content-type": "application/json"}
        ),
    )


@SETTINGS
@given(
    field=st.sampled_from(["shop_id", "price_min", "price_max", "image_url", "top_k", "type"]),
    value=text_params,
    route=st.sampled_from(["/search", "/api/v1/search/upload"]),
)
def test_hostile_search_forms(server, field, value, route):
    files = {"file": ("q.jpg", b"\xff\xd8\xff not really a jpeg", "image/jpeg")}
    sent_unchanged(server, lambda: server.post(route, data={field: value}, files=files))


cookie_bytes = st.one_of(
    st.sampled_from(
        [b"9" * 5000 + b".abc", b"\xff\xfe.x", b"\xd9\xa4\xd9\xa2.x", b"1.", b".", b"", b"=;="]
    ),
    st.binary(max_size=60).map(
        lambda b: bytes(c for c in b if c >= 0x20 and c != 0x7F).strip(b" ")
    ),
)
# What an HTTP client can put on the wire at all: no control bytes, no surrounding blanks
# (uvicorn's parser refuses those itself, before Vitrina sees them).
header_values = st.binary(max_size=80).map(
    lambda b: bytes(c for c in b if c >= 0x20 and c != 0x7F).strip(b" ")
)


@SETTINGS
@given(
    cookie=cookie_bytes,
    path=st.sampled_from(["/dashboard", "/api/v1/dashboard", "/api/v1/jobs", "/dashboard/login"]),
)
def test_crafted_admin_cookie_is_simply_not_logged_in(server, cookie, path):
    response = server.get(
        path, headers={"cookie": b"vitrina_admin=" + cookie}, follow_redirects=False
    )
    assert_no_5xx(response)
    # 400: the HTTP parser itself refuses a control character in a header.
    assert response.status_code in (303, 401, 200, 400)
    if path != "/dashboard/login":
        assert response.status_code != 200


@SETTINGS
@given(
    name=st.sampled_from(
        [
            b"x-forwarded-for",
            b"x-request-id",
            b"accept",
            b"content-type",
            b"origin",
            b"cookie",
            b"x-vitrina-fragment",
        ]
    ),
    value=header_values,
    path=st.sampled_from(
        ["/", "/api/v1/products", "/dashboard/login", "/healthz", "/api/v1/products/7"]
    ),
)
def test_hostile_headers(server, name, value, path):
    sent_unchanged(server, lambda: server.get(path, headers=[(name, value)]))


def test_a_request_after_a_refused_one_on_the_same_connection_works(server):
    """Keep-alive survives a refusal: the next request on the connection is answered."""
    for _ in range(3):
        assert server.get(f"/api/v1/products/{2**70}").status_code == 422
        assert server.get("/api/v1/products/7").status_code == 200


def test_an_unexpected_error_says_it_closes_the_connection(make_settings, sqlite_url):
    """A 500 is followed by uvicorn dropping the connection: the answer says so, and the
    client's next request goes out on a new connection instead of failing."""
    from vitrina.api.app import create_app

    app = create_app(make_settings(database_url=sqlite_url))

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken", broken)
    with serve_in_thread(app) as base_url, httpx.Client(base_url=base_url) as client:
        response = client.get("/broken")
        assert response.status_code == 500
        assert response.headers["connection"] == "close"
        assert response.json()["error"]["code"] == "internal_error"
        assert client.get("/healthz").status_code == 200
