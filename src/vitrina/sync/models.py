"""Sync's tables: the event log (every change applied, from any source, and its outcome) and
per-product ordering state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vitrina.db import Base, UTCDateTime, utcnow


class EventLog(Base):
    """One received event: what it was, what Vitrina did with it, how long it took.

    ``idempotency_key`` is unique and set only on the delivery that was processed; repeated
    deliveries are logged with outcome ``duplicate`` and no key.
    """

    __tablename__ = "event_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(50), default="webhook")
    event_type: Mapped[str | None] = mapped_column(String(50))
    product_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    sequence: Mapped[int | None] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(
        String(20), doc="created|updated|deleted|duplicate|stale|rejected"
    )
    error: Mapped[str | None] = mapped_column(Text)
    processing_ms: Mapped[float] = mapped_column(Float, default=0.0)
    request_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_event_log_outcome_received", "outcome", "received_at"),)


class ProductSyncState(Base):
    """What the ordering rule needs per product: the newest event applied, and tombstones.

    Kept apart from ``products`` so that a delete of a product never seen can be remembered
    without inventing a catalog row for it.
    """

    __tablename__ = "product_sync_state"

    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    last_sequence: Mapped[int | None] = mapped_column(BigInteger)
    last_occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
