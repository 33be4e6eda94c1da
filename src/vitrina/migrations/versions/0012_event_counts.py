"""Per-minute counters of the event log, so the stats and metrics stop scanning it.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from vitrina.db import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    counts = op.create_table(
        "event_counts",
        sa.Column("minute", UTCDateTime(timezone=True), nullable=False),
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("processing_ms", sa.Float(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("minute", "shard", name=op.f("pk_event_counts")),
    )
    _count_the_last_day(counts)


def _count_the_last_day(counts: sa.Table) -> None:
    """Fill the counters from the log's last day (all the stats read), one minute per row."""
    log = sa.table(
        "event_log",
        sa.column("received_at", UTCDateTime(timezone=True)),
        sa.column("processing_ms", sa.Float()),
        sa.column("outcome", sa.String()),
    )
    since = datetime.now(UTC) - timedelta(hours=25)
    minutes: dict[datetime, list[float]] = {}
    rows = op.get_bind().execute(
        sa.select(log.c.received_at, log.c.processing_ms, log.c.outcome).where(
            log.c.received_at >= since
        )
    )
    for received_at, processing_ms, outcome in rows:
        total = minutes.setdefault(received_at.replace(second=0, microsecond=0), [0, 0.0, 0])
        total[0] += 1
        total[1] += processing_ms
        total[2] += outcome == "rejected"
    if minutes:
        op.bulk_insert(
            counts,
            [
                {"minute": m, "shard": 0, "events": n, "processing_ms": ms, "rejected": r}
                for m, (n, ms, r) in minutes.items()
            ],
        )


def downgrade() -> None:
    op.drop_table("event_counts")
