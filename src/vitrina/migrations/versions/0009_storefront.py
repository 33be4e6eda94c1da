"""Product page addresses, and the search analytics tables (searches, clicks).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vitrina.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("products", sa.Column("page_url", sa.Text(), nullable=True))
    op.create_table(
        "search_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", vitrina.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.Column("best_similarity", sa.Float(), nullable=True),
        sa.Column("top_product_id", sa.BigInteger(), nullable=True),
        sa.Column("matched", sa.Boolean(), nullable=False),
        sa.Column("any_exact", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_events")),
    )
    op.create_index("ix_search_events_created_at", "search_events", ["created_at"])
    op.create_table(
        "search_clicks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", vitrina.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("search_id", sa.BigInteger(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_clicks")),
    )
    op.create_index("ix_search_clicks_created_at", "search_clicks", ["created_at"])
    op.create_index("ix_search_clicks_search_id", "search_clicks", ["search_id"])


def downgrade() -> None:
    op.drop_index("ix_search_clicks_search_id", "search_clicks")
    op.drop_index("ix_search_clicks_created_at", "search_clicks")
    op.drop_table("search_clicks")
    op.drop_index("ix_search_events_created_at", "search_events")
    op.drop_table("search_events")
    op.drop_column("products", "page_url")
