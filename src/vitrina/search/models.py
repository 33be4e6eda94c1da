"""Search's own table: the thresholds calibrated on the shop's photos."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vitrina.db import Base, UTCDateTime, utcnow


class SearchCalibration(Base):
    """Thresholds measured on this shop's own photos by ``vitrina calibrate --store``."""

    __tablename__ = "search_calibration"

    embedder: Mapped[str] = mapped_column(String(100), primary_key=True)
    thresholds: Mapped[str] = mapped_column(Text)  # JSON of search.calibration.Thresholds
    report: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
