"""The ordering rules as properties: duplicates, shuffling and listings read meanwhile never
change the final catalog.

Both sources go through :mod:`vitrina.sync.service`: webhook events (``apply_event``), and rows
of a shop listing (``apply_listing``: an import or a reconcile) read while those events were
still arriving.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.webhooks import sample_product
from vitrina.catalog.models import Product
from vitrina.db import make_engine, make_sessionmaker, utcnow
from vitrina.ingest.bitrix_format import parse_product
from vitrina.ingest.schemas import IncomingEvent
from vitrina.sync.service import apply_event, apply_listing, is_stale
from vitrina.sync.snapshot import SnapshotRow
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


Listing = dict[int, dict]


@dataclass
class Snapshot:
    """A listing read after the shop applied its first ``k`` events, delivered mid-stream.

    ``since`` is taken after ``before`` were delivered and before the listing was read, so every
    event the shop made after the read (index ≥ ``k``) is delivered after it. The rows are
    applied after ``late[:at]``; ``vanished`` adds reconcile's soft-delete of products the
    listing no longer has (an import has none).
    """

    listing: Listing
    before: list[IncomingEvent]
    late: list[IncomingEvent]
    at: int
    vanished: bool


def _shop_after(events: list[IncomingEvent]) -> Listing:
    """What the shop's listing shows after ``events``, applied in order by the shop itself."""
    listing: Listing = {}
    for event in events:
        if event.event_type == "product.deleted":
            listing.pop(event.product_id, None)
        else:
            listing[event.product_id] = event.product_data
    return listing


@st.composite
def snapshots(draw: st.DrawFn, events: list[IncomingEvent]) -> Snapshot:
    k = draw(st.integers(0, len(events)))
    # Events the shop made before the read may arrive before or after ``since``; later ones after.
    early_flags = [draw(st.booleans()) for _ in events[:k]]
    before = [e for e, early in zip(events[:k], early_flags, strict=True) if early]
    late = [e for e, early in zip(events[:k], early_flags, strict=True) if not early] + events[k:]
    if before:
        before += draw(st.lists(st.sampled_from(before), max_size=3))
    late += draw(st.lists(st.sampled_from(events), max_size=3))
    return Snapshot(
        listing=_shop_after(events[:k]),
        before=draw(st.permutations(before)),
        late=draw(st.permutations(late)),
        at=draw(st.integers(0, len(late))),
        vanished=draw(st.booleans()),
    )


def _never_reused(events: list[IncomingEvent]) -> list[IncomingEvent]:
    """The stream as Bitrix makes it: nothing follows a product's delete (ids are never reused).

    Otherwise a listing cannot tell a revived product from a stale one, and the tombstone wins.
    """
    deleted: set[int] = set()
    kept = []
    for event in events:
        if event.product_id not in deleted:
            kept.append(event)
        if event.event_type == "product.deleted":
            deleted.add(event.product_id)
    return kept


def _deliver(sessions: sessionmaker[Session], event: IncomingEvent) -> None:
    with sessions.begin() as session:
        apply_event(session.connection(), event, shop_id=1)


def _apply_listing(
    sessions: sessionmaker[Session], listing: Listing, vanished: list[int], since: datetime
) -> None:
    rows = [SnapshotRow(pid, parse_product(raw, "product"), since) for pid, raw in listing.items()]
    rows += [SnapshotRow(pid, None, since) for pid in vanished]
    with sessions.begin() as session:
        apply_listing(session, rows, shop_id=1, source="reconcile")


def _catalog_after(
    template: Path, events: list[IncomingEvent], snapshot: Snapshot | None = None
) -> dict[int, tuple]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "db.sqlite"
        shutil.copy(template, path)
        engine = make_engine(f"sqlite:///{path}")
        sessions = make_sessionmaker(engine)
        if snapshot is None:
            for event in events:
                _deliver(sessions, event)
        else:
            for event in snapshot.before:
                _deliver(sessions, event)
            since = utcnow()
            vanished: list[int] = []
            if snapshot.vanished:
                with sessions() as session:
                    enabled = session.scalars(select(Product.id).where(Product.enabled.is_(True)))
                    vanished = sorted(set(enabled) - set(snapshot.listing))
            for position, event in enumerate(snapshot.late):
                if position == snapshot.at:
                    _apply_listing(sessions, snapshot.listing, vanished, since)
                _deliver(sessions, event)
            if snapshot.at == len(snapshot.late):
                _apply_listing(sessions, snapshot.listing, vanished, since)
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


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_listing_read_meanwhile_never_undoes_a_newer_webhook(sqlite_template, data):
    """An import or reconcile applied amid the webhooks ends where the webhooks alone end."""
    events = data.draw(event_streams())
    snapshot = data.draw(snapshots(events))
    assert _catalog_after(sqlite_template, events, snapshot) == _catalog_after(
        sqlite_template, events
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(events=event_streams(), lost=st.data())
def test_a_listing_read_after_lost_webhooks_heals_the_catalog(sqlite_template, events, lost):
    """Webhooks lost on the way; a reconcile read afterwards brings the catalog to the shop's."""
    events = _never_reused(events)
    delivered = [e for e in events if lost.draw(st.booleans())]
    heal = Snapshot(listing=_shop_after(events), before=delivered, late=[], at=0, vanished=True)
    assert _catalog_after(sqlite_template, events, heal) == _catalog_after(sqlite_template, events)


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
