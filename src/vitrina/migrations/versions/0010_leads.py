"""Customers' requests «Закажите похожий» (leads).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vitrina.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", vitrina.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("page_url", sa.Text(), nullable=True),
        sa.Column("product_id", sa.BigInteger(), nullable=True),
        sa.Column("search_id", sa.BigInteger(), nullable=True),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_removed_at", vitrina.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", vitrina.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", vitrina.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    op.create_index("ix_leads_created_at", "leads", ["created_at"])
    op.create_index("ix_leads_status_next", "leads", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_leads_status_next", "leads")
    op.drop_index("ix_leads_created_at", "leads")
    op.drop_table("leads")
