"""Webhooks for one product arriving at the same moment (PostgreSQL runs them on 8 writer
threads): the ordering lock makes them apply one after the other, whatever the order."""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import SECRET
from tests.support.webhooks import sample_product, send

PRODUCT = 424242


@pytest.fixture
def client(live_app, database_url):
    with live_app(database_url) as c:
        yield c


def _price(sequence: int) -> str:
    return f"{sequence} 000 ₸"


def test_concurrent_events_for_a_new_product_leave_the_newest(client: httpx.Client):
    sequences = list(range(1, 25))
    random.Random(7).shuffle(sequences)

    def deliver(sequence: int) -> str:
        product = sample_product(id=PRODUCT, price=_price(sequence))
        response = send(client, "updated", product, secret=SECRET, sequence=sequence)
        assert response.status_code == 200, response.text
        return str(response.json()["action"])

    with ThreadPoolExecutor(8) as pool:
        actions = list(pool.map(deliver, sequences))

    assert actions.count("created") == 1  # the product was new: exactly one event created it
    assert set(actions) <= {"created", "updated", "stale"}
    shown = client.get(f"/api/v1/products/{PRODUCT}").json()
    assert shown["price"] == 24_000 * 100  # the newest sequence won, whoever committed last
    late = send(
        client, "updated", sample_product(id=PRODUCT, price=_price(5)), secret=SECRET, sequence=5
    )
    assert late.json()["action"] == "stale"


def test_one_event_delivered_many_times_at_once_applies_once(client: httpx.Client):
    msg_id = str(uuid.uuid4())
    product = sample_product(id=PRODUCT, price=_price(7))

    def deliver(_: int) -> str:
        response = send(client, "created", product, secret=SECRET, msg_id=msg_id)
        assert response.status_code == 200, response.text
        return str(response.json()["action"])

    with ThreadPoolExecutor(8) as pool:
        actions = sorted(pool.map(deliver, range(8)))

    assert actions == ["created"] + ["duplicate"] * 7
