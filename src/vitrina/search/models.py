"""Search's own tables: per-photo data besides the embedding (colour and local features), the
calibrated thresholds, and the analytics of searches and clicks (never the customer's photo).

Kept out of ``image_vectors`` on purpose: they do not depend on the embedding model (a model
change does not recompute them), the vector index never reads them, and only the few candidates
of a search are loaded, by primary key. About 5.9 kB a photo (see ``docs/operations.md``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from vitrina.db import Base, UTCDateTime, utcnow


class PhotoFeatures(Base):
    """Colour descriptor and ORB keypoints of one product photo, computed when it is indexed."""

    __tablename__ = "photo_features"

    image_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("product_images.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    colour: Mapped[bytes] = mapped_column(LargeBinary)
    keypoints: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchCalibration(Base):
    """Thresholds measured on this shop's own photos by ``vitrina calibrate --store``."""

    __tablename__ = "search_calibration"

    embedder: Mapped[str] = mapped_column(String(100), primary_key=True)
    thresholds: Mapped[str] = mapped_column(Text)  # JSON of search.calibration.Thresholds
    report: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
