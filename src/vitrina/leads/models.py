"""The ``leads`` table: one customer's request to make a bouquet like her photo."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vitrina.db import Base, UTCDateTime, utcnow

# Where a request is in its delivery to the shop.
PENDING = "pending"  # waiting for its (next) attempt
SENT = "sent"  # the shop's endpoint answered 2xx
FAILED = "failed"  # every attempt failed; the dashboard shows it
NOT_FORWARDED = "stored"  # no VITRINA_LEAD_WEBHOOK_URL: kept for the dashboard only


class Lead(Base):
    """A request with the customer's name and phone. The photo is kept only with her consent,
    and only until the retention period ends (``photo_removed_at``)."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(5), default="ru")
    page_url: Mapped[str | None] = mapped_column(Text)
    product_id: Mapped[int | None] = mapped_column(BigInteger, doc="the sold-out product, if any")
    search_id: Mapped[int | None] = mapped_column(BigInteger)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    photo_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_leads_created_at", "created_at"),
        Index("ix_leads_status_next", "status", "next_attempt_at"),
    )
