"""The analytics of searches and clicks (never the customer's photo)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vitrina.db import Base, UTCDateTime, utcnow

CHANNELS = ("page", "similar", "widget", "api")  # "similar": "More like this" on the page


class SearchEvent(Base):
    """A search a customer (or a program) made, and how well the catalog answered it."""

    __tablename__ = "search_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(10), doc="one of CHANNELS")
    result_count: Mapped[int] = mapped_column(Integer)
    best_similarity: Mapped[float | None] = mapped_column(Float)
    top_product_id: Mapped[int | None] = mapped_column(BigInteger, doc="the first result")
    matched: Mapped[bool] = mapped_column(Boolean, doc="a result reached the similar threshold")
    any_exact: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[float] = mapped_column(Float)


class SearchClick(Base):
    """A click on a result, recorded by the redirect to the product's page."""

    __tablename__ = "search_clicks"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    product_id: Mapped[int] = mapped_column(BigInteger)
    # No foreign key: retention removes old searches and clicks independently.
    search_id: Mapped[int | None] = mapped_column(BigInteger)
    channel: Mapped[str | None] = mapped_column(String(10))

    __table_args__ = (Index("ix_search_clicks_search_id", "search_id"),)
