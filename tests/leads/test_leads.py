"""«Закажите похожий»: a customer's request through the public API, stored, listed for the
shop, counted, and forwarded to the shop's endpoint as a signed Standard Webhooks message."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from tests.conftest import ADMIN_TOKEN
from tests.support.eventually import eventually
from tests.support.receiver import Receiver, receiver
from vitrina.ingest.signatures import new_secret, verify

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LEAD = {"name": "Айгерим", "phone": "+7 701 234 56 78", "comment": "Такой же, но розовый"}
LEAD_SECRET = new_secret()


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def leads(client) -> list[dict]:
    answer = client.get("/api/v1/leads", headers=ADMIN)
    assert answer.status_code == 200
    return answer.json()


def delivered(shop: Receiver, n: int = 1) -> list[dict]:
    def arrived() -> list[dict]:
        assert len(shop.received) >= n, f"{len(shop.received)} messages so far"
        return [json.loads(m.body) for m in shop.received]

    return eventually(arrived, timeout=60)


def test_a_lead_reaches_the_shop_signed_and_is_listed_and_counted(live_app, database_url):
    with receiver() as shop, live_app(
        database_url, lead_webhook_url=shop.url, lead_webhook_secret=LEAD_SECRET
    ) as client:
        answer = client.post("/api/v1/leads", json={**LEAD, "product_id": 7001})
        assert answer.status_code == 201, answer.text
        lead_id = answer.json()["id"]
        (message,) = delivered(shop)
        sent = shop.received[0]
        assert verify(sent.headers, sent.body, [LEAD_SECRET]) == f"lead_{lead_id}"
        assert message["type"] == "lead.created"
        assert message["data"]["phone"] == "+7 701 234 56 78"
        assert message["data"]["name"] == "Айгерим"
        assert message["data"]["product_id"] == 7001
        assert message["data"]["photo"] is None
        listed = eventually(lambda: [x for x in leads(client) if x["status"] == "sent"])
        assert listed[0]["id"] == lead_id and listed[0]["attempts"] == 1
        metrics = client.get("/metrics", headers=ADMIN).text
        assert 'vitrina_leads_total{event="created"}' in metrics
        assert 'vitrina_leads_total{event="sent"}' in metrics


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Айгерим"}, "phone"),
        ({"name": "Айгерим", "phone": "позвоните"}, "phone"),
        ({"name": " ", "phone": "+7 701 234 56 78"}, "name"),
        ({**LEAD, "comment": "ж" * 2001}, "comment"),
        ({**LEAD, "name": "Я" * 201}, "name"),
        ({**LEAD, "page_url": "javascript:alert(1)"}, "page_url"),
        ({**LEAD, "product_id": 2**63}, "product_id"),
    ],
)
def test_a_bad_lead_is_a_4xx_naming_the_field_and_nothing_is_forwarded(
    live_app, sqlite_url, body, field
):
    with receiver() as shop, live_app(
        sqlite_url, lead_webhook_url=shop.url, lead_webhook_secret=LEAD_SECRET
    ) as client:
        answer = client.post("/api/v1/leads", json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["field"] == field
        assert leads(client) == []
    assert shop.received == []


def test_a_photo_goes_with_the_lead_only_with_consent(live_app, sqlite_url):
    with receiver() as shop, live_app(
        sqlite_url, lead_webhook_url=shop.url, lead_webhook_secret=LEAD_SECRET
    ) as client:
        files = {"photo": ("photo.jpg", photo_bytes(), "image/jpeg")}
        refused = client.post("/api/v1/leads", data=LEAD, files=files)
        assert refused.status_code == 422
        assert refused.json()["error"]["field"] == "photo_consent"
        not_a_photo = client.post(
            "/api/v1/leads",
            data={**LEAD, "photo_consent": "true"},
            files={"photo": ("photo.jpg", b"not pixels", "image/jpeg")},
        )
        assert not_a_photo.status_code == 422 and not_a_photo.json()["error"]["field"] == "photo"
        accepted = client.post(
            "/api/v1/leads", data={**LEAD, "photo_consent": "true"}, files=files
        )
        assert accepted.status_code == 201, accepted.text
        (message,) = delivered(shop)
        assert message["data"]["photo"].startswith("data:image/jpeg;base64,")
        assert [x["has_photo"] for x in leads(client)] == [True]


def test_the_photo_is_removed_after_the_retention_period(live_app, sqlite_url):
    with live_app(sqlite_url, lead_photo_retention_days=0) as client:
        files = {"photo": ("photo.jpg", photo_bytes(), "image/jpeg")}
        answer = client.post("/api/v1/leads", data={**LEAD, "photo_consent": "1"}, files=files)
        assert answer.status_code == 201
        assert answer.json()["status"] == "stored"  # no shop endpoint: kept for the dashboard
        eventually(lambda: [x for x in leads(client) if not x["has_photo"]], timeout=60)
        (kept,) = leads(client)
        assert kept["phone"] == LEAD["phone"] and kept["comment"] == LEAD["comment"]


def test_a_shop_endpoint_that_is_down_gets_the_lead_later(live_app, sqlite_url):
    with receiver() as shop, live_app(
        sqlite_url, lead_webhook_url=shop.url, lead_webhook_secret=LEAD_SECRET
    ) as client:
        shop.answers = [(503, {"Retry-After": "1"}), (500, {})]
        assert client.post("/api/v1/leads", json=LEAD).status_code == 201
        messages = delivered(shop, 3)
        assert len({m["data"]["id"] for m in messages}) == 1
        assert len({r.headers["webhook-id"] for r in shop.received}) == 1  # one message, retried
        (lead,) = eventually(lambda: [x for x in leads(client) if x["status"] == "sent"])
        assert lead["attempts"] == 3


def test_leads_are_rate_limited_per_address(live_app, sqlite_url):
    with live_app(sqlite_url) as client:
        answers = [client.post("/api/v1/leads", json=LEAD) for _ in range(6)]
        assert [a.status_code for a in answers[:5]] == [201] * 5
        assert answers[5].status_code == 429
        assert int(answers[5].headers["retry-after"]) >= 1
        assert len(leads(client)) == 5


def test_a_lead_from_a_site_not_in_the_cors_list_is_refused_and_not_stored(live_app, sqlite_url):
    with live_app(sqlite_url, cors_origins="https://shop.kz") as client:
        refused = client.post("/api/v1/leads", json=LEAD, headers={"Origin": "https://evil.example"})
        assert refused.status_code == 403
        assert "access-control-allow-origin" not in refused.headers
        allowed = client.post("/api/v1/leads", json=LEAD, headers={"Origin": "https://shop.kz"})
        assert allowed.status_code == 201
        assert allowed.headers["access-control-allow-origin"] == "https://shop.kz"
        assert len(leads(client)) == 1


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 422),
        (b'{"name": "A\\u0000", "phone": "+7 701 234 56 78"}', "application/json", 422),
        (b"name=x&phone=1", "text/plain", 400),
        (b"{}", "application/json", 422),
        (b'{"name": "' + b"x" * 2_000_000 + b'"}', "application/json", 413),
    ],
    ids=["not-json", "not-an-object", "nul", "wrong-type", "empty", "huge"],
)
def test_hostile_lead_bodies_are_4xx_and_store_nothing(live_app, sqlite_url, content, content_type, status):
    with live_app(sqlite_url) as client:
        answer = client.post(
            "/api/v1/leads", content=content, headers={"Content-Type": content_type}
        )
        assert answer.status_code == status, answer.text
        assert leads(client) == []
