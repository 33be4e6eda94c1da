"""The product-sync webhook, through real HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from tests.conftest import SECRET
from tests.support.webhooks import envelope, listed_products, sample_product, send
from vitrina.ingest.signatures import new_secret, signed_headers


@pytest.fixture
def client(live_app, database_url):
    with live_app(database_url) as c:
        yield c


def product(client: httpx.Client, pid: int) -> dict:
    response = client.get(f"/api/v1/products/{pid}")
    assert response.status_code == 200, response.text
    return response.json()


def test_created_product_appears_normalised(client):
    response = send(client, "created", sample_product(), secret=SECRET)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "success",
        "action": "created",
        "product_id": 698977,
        "reindex_queued": True,
    }
    p = product(client, 698977)
    assert p["name"] == "Собранный букет"
    assert p["price"] == 2_000_000
    assert p["enabled"] is True and p["available"] is True
    assert p["type"] == "vitrina"
    assert p["images"] == ["https://shop.example/upload/iblock/c31/bouquet.jpg"]
    assert p["image"] == "https://shop.example/upload/iblock/c31/bouquet.jpg"
    assert p["height"] is None and p["width"] is None
    assert p["created_at"].startswith("2025-10-24T10:42:55")  # +0500 → UTC


def test_every_listed_product_normalises(client):
    for item in listed_products():
        assert send(client, "updated", item, secret=SECRET).json()["action"] == "created"
    eustoma = product(client, 668826)
    assert eustoma["price"] == 495_000
    assert eustoma["height"] == 70
    assert len(eustoma["images"]) == 3
    resized = product(client, 697695)
    # The primary photo is a resized copy not in `images`: it is kept as the display image,
    # and the full-size photos are the product's images.
    assert resized["image"].endswith("400_400_1/IMG_0255.jpeg")
    assert resized["images"][0].endswith("iblock/1a2/IMG_0255.jpeg")
    listing = client.get("/api/v1/products", params={"shop_id": 1}).json()
    assert listing["total"] == 3
    assert [p["id"] for p in listing["items"]] == [668826, 697695, 698977]


def test_created_for_known_product_updates_it(client):
    send(client, "created", sample_product(), secret=SECRET)
    response = send(client, "created", sample_product(price="21 000 ₸"), secret=SECRET)
    assert response.json()["action"] == "updated"
    assert product(client, 698977)["price"] == 2_100_000


def test_delete_is_soft_and_keeps_images(client):
    send(client, "created", sample_product(), secret=SECRET)
    response = send(client, "deleted", {"id": 698977}, secret=SECRET)
    assert response.json()["action"] == "deleted"
    p = product(client, 698977)
    assert p["enabled"] is False
    assert p["images"] == ["https://shop.example/upload/iblock/c31/bouquet.jpg"]
    enabled = client.get("/api/v1/products", params={"enabled_only": True}).json()
    assert enabled["total"] == 0


def test_delete_of_unseen_product_blocks_a_later_created(client):
    response = send(client, "deleted", {"id": 5}, secret=SECRET)
    assert response.json() == {
        "status": "success",
        "action": "deleted",
        "product_id": 5,
        "reindex_queued": False,
    }
    late = send(client, "created", sample_product(id=5), secret=SECRET)
    assert late.json()["action"] == "stale"
    assert client.get("/api/v1/products/5").status_code == 404


def test_webhook_duplicate_delivery_changes_nothing(client):
    msg_id = str(uuid.uuid4())
    first = send(client, "created", sample_product(), secret=SECRET, msg_id=msg_id)
    assert first.json()["action"] == "created"
    again = send(client, "created", sample_product(price="1 ₸"), secret=SECRET, msg_id=msg_id)
    assert again.status_code == 200
    assert again.json()["action"] == "duplicate"
    assert product(client, 698977)["price"] == 2_000_000


def test_event_id_is_the_idempotency_key_for_the_legacy_header(live_app, database_url):
    with live_app(database_url, legacy_webhook_secret="old-secret") as client:
        body = envelope("created", sample_product(), event_id="evt-1")
        headers = {"X-Webhook-Secret": "old-secret"}
        assert (
            client.post("/api/v1/webhooks/product-sync", json=body, headers=headers).json()[
                "action"
            ]
            == "created"
        )
        again = client.post("/api/v1/webhooks/product-sync", json=body, headers=headers)
        assert again.json()["action"] == "duplicate"


def test_older_sequence_is_stale(client):
    send(client, "updated", sample_product(price="30 000 ₸"), secret=SECRET, sequence=10)
    old = send(client, "updated", sample_product(price="10 000 ₸"), secret=SECRET, sequence=9)
    assert old.json()["action"] == "stale"
    assert old.json()["reindex_queued"] is False
    assert product(client, 698977)["price"] == 3_000_000
    newer = send(client, "updated", sample_product(price="40 000 ₸"), secret=SECRET, sequence=11)
    assert newer.json()["action"] == "updated"
    assert product(client, 698977)["price"] == 4_000_000


def test_without_sequence_last_arrival_wins(client):
    send(client, "updated", sample_product(price="30 000 ₸"), secret=SECRET)
    send(client, "updated", sample_product(price="10 000 ₸"), secret=SECRET)
    assert product(client, 698977)["price"] == 1_000_000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"price": "abc ₸"}, "product_data.price: cannot parse 'abc ₸'"),
        ({"price": None}, "product_data.price: cannot parse None"),
        ({"catalogHeight": "высокий"}, "product_data.catalogHeight: cannot parse 'высокий'"),
        ({"createdAt": "yesterday"}, "product_data.createdAt: cannot parse 'yesterday'"),
        (
            {"images": ["ftp://x/y.jpg"]},
            "product_data.images[0]: not an http(s) URL: 'ftp://x/y.jpg'",
        ),
        ({"title": ""}, "product_data.title"),
    ],
)
def test_bad_value_is_422_naming_field_and_changes_nothing(client, change, message):
    send(client, "created", sample_product(), secret=SECRET)
    response = send(client, "updated", sample_product(**change), secret=SECRET)
    assert response.status_code == 422
    assert message in response.json()["error"]["message"]
    assert product(client, 698977)["price"] == 2_000_000


def test_unknown_event_type_is_422(client):
    body = json.dumps({"event_type": "product.exploded", "product_data": {"id": 1}}).encode()
    headers = signed_headers(SECRET, body, "m-1")
    response = client.post("/api/v1/webhooks/product-sync", content=body, headers=headers)
    assert response.status_code == 422
    assert "event_type" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"not json", 400, "bad_request"),
        (b"\xff\xfe", 400, "bad_request"),
        (b"", 400, "bad_request"),
        (b"[1, 2]", 422, "invalid_payload"),  # JSON, but not the envelope's shape
    ],
)
def test_a_body_that_is_not_an_event_is_a_client_error(client, body, status, code):
    headers = signed_headers(SECRET, body, "m-2")
    response = client.post("/api/v1/webhooks/product-sync", content=body, headers=headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert ("JSON" in error["message"]) if status == 400 else error["field"] == "body"


def test_oversized_payload_is_413(client):
    big = sample_product(title="б" * (1024 * 1024))
    response = send(client, "created", big, secret=SECRET)
    assert response.status_code == 413


def test_missing_or_bad_signature_is_401(client):
    body = json.dumps(envelope("created", sample_product())).encode()
    url = "/api/v1/webhooks/product-sync"
    assert client.post(url, content=body).status_code == 401
    wrong = signed_headers(new_secret(), body, "m-3")
    assert client.post(url, content=body, headers=wrong).status_code == 401
    old = signed_headers(SECRET, body, "m-4", timestamp=int(time.time()) - 600)
    assert client.post(url, content=body, headers=old).status_code == 401
    tampered = signed_headers(SECRET, body, "m-5")
    assert client.post(url, content=body + b" ", headers=tampered).status_code == 401
    assert client.get("/api/v1/products/698977").status_code == 404


def test_rotated_secrets_are_all_accepted(live_app, database_url):
    old, new = new_secret(), new_secret()
    with live_app(database_url, webhook_secrets=[new, old]) as client:
        assert send(client, "created", sample_product(), secret=old).status_code == 200
        assert send(client, "updated", sample_product(), secret=new).status_code == 200


def test_invalid_signature_never_falls_back_to_legacy_header(live_app, database_url):
    with live_app(database_url, legacy_webhook_secret="legacy") as client:
        body = json.dumps(envelope("created", sample_product())).encode()
        headers = signed_headers(new_secret(), body, "m-6")
        headers["X-Webhook-Secret"] = "legacy"
        response = client.post("/api/v1/webhooks/product-sync", content=body, headers=headers)
        assert response.status_code == 401


def test_legacy_header_refused_unless_enabled(client):
    body = envelope("created", sample_product())
    response = client.post(
        "/api/v1/webhooks/product-sync", json=body, headers={"X-Webhook-Secret": "anything"}
    )
    assert response.status_code == 401


def test_no_secret_configured_fails_closed(live_app, database_url):
    with live_app(database_url, webhook_secrets=[]) as client:
        response = send(client, "created", sample_product(), secret=new_secret())
        assert response.status_code == 401
        assert "No webhook secret is configured" in response.json()["error"]["message"]


def test_flood_gets_429_with_retry_after(live_app, database_url):
    with live_app(database_url, webhook_rate_limit=1.0, webhook_rate_burst=2) as client:
        codes = [send(client, "updated", sample_product(), secret=SECRET) for _ in range(4)]
        limited = [r for r in codes if r.status_code == 429]
        assert limited, [r.status_code for r in codes]
        assert int(limited[0].headers["Retry-After"]) >= 1


def test_unknown_product_is_404_and_health_is_ok(client):
    assert client.get("/api/v1/products/123").status_code == 404
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/openapi.json").status_code == 200
