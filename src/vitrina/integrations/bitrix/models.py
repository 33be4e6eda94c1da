"""The ``import_runs`` table: one row per import or reconcile run, with its progress and counts.

An import commits its progress (``next_offset``) in the same transaction as each page of
products, so an interrupted import resumes exactly after the last page that committed. The
dashboard lists recent runs from here (see :func:`vitrina.integrations.bitrix.repository.list_runs`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vitrina.db import Base, UTCDateTime, utcnow

RUNNING = "running"
COMPLETED = "completed"
FAILED = "failed"


class SyncRun(Base):
    """One ``vitrina import`` or ``vitrina reconcile`` run (scheduled or by hand)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), doc="import|reconcile")
    shop_id: Mapped[int] = mapped_column(BigInteger)
    source_url: Mapped[str] = mapped_column(Text, doc="the Bitrix address read (never the token)")
    status: Mapped[str] = mapped_column(String(20), default=RUNNING, doc="running|completed|failed")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_offset: Mapped[int] = mapped_column(Integer, default=0, doc="import: where to resume")
    total: Mapped[int | None] = mapped_column(Integer, doc="products the shop reported")
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    deleted: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0, doc="newer webhook change or tombstone")
    failed: Mapped[int] = mapped_column(Integer, default=0, doc="products that did not parse")
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_import_runs_kind_shop_started", "kind", "shop_id", "started_at"),)
