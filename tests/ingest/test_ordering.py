"""The ordering rule as a property: duplicates and shuffling never change the final catalog."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.support.webhooks import sample_product
from vitrina.catalog.models import Product
from vitrina.db import make_engine, make_sessionmaker
from vitrina.ingest.schemas import IncomingEvent
from vitrina.sync.service import apply_event, is_stale
from vitrina.sync.state import SyncState


@st.composite
def event_streams(draw: st.DrawFn) -> list[IncomingEvent]:
    """Events for up to 3 products, numbered by a global sequence like an outbox would."""
    count = draw(st.integers(min_value=1, max_value=12))
    events = []
    for sequence in range(1, count + 1):
        pid = draw(st.sampled_from([101, 102, 103]))
        kind = draw(st.sampled_from(["created", "updated", "deleted"]))
        if kind == "deleted":
            data = {"id": pid}
        else:
            data = sample_product(
                id=pid,
                price=f"{draw(st.integers(1, 99))} 000 ₸",
                isAvailable=draw(st.booleans()),
                images=[f"https://shop.example/{pid}/{draw(st.integers(1, 3))}.jpg"],
                image=None,
            )
        events.append(
            IncomingEvent(
                event_type=f"product.{kind}",
                product_id=pid,
                product_data=data,
                idempotency_key=str(uuid.uuid4()),
                sequence=sequence,
                occurred_at=None,
            )
        )
    return events


def _catalog_after(template: Path, events: list[IncomingEvent]) -> dict[int, tuple]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "db.sqlite"
        shutil.copy(template, path)
        engine = make_engine(f"sqlite:///{path}")
        sessions = make_sessionmaker(engine)
        for event in events:
            with sessions.begin() as session:
                apply_event(session, event, shop_id=1)
        with sessions() as session:
            products = session.scalars(select(Product)).all()
            # A disabled product and an absent one look the same to customers and to search.
            state = {
                p.id: (p.name, p.price, tuple(i.url for i in p.images))
                for p in products
                if p.enabled
            }
        engine.dispose()
        return state


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=event_streams(), data=st.data())
def test_shuffled_duplicated_delivery_ends_like_in_order(sqlite_template, events, data):
    deliveries = list(events) + data.draw(st.lists(st.sampled_from(events), max_size=6))
    shuffled = data.draw(st.permutations(deliveries))
    assert _catalog_after(sqlite_template, shuffled) == _catalog_after(sqlite_template, events)


@given(
    last=st.one_of(st.none(), st.integers(0, 100)),
    incoming=st.integers(0, 100),
    deleted=st.booleans(),
    kind=st.sampled_from(["product.created", "product.updated", "product.deleted"]),
)
def test_sequence_decides_when_both_sides_have_one(last, incoming, deleted, kind):
    state = SyncState(last_sequence=last, deleted=deleted)
    stale = is_stale(state, incoming, None, kind)
    if last is not None:
        assert stale == (incoming <= last)
    else:
        assert stale == (deleted and kind != "product.deleted")
