"""Sold out is not deleted: ``products.available`` (the shop's ``isAvailable``).

Until now a sold-out product was switched off like a deleted one (``enabled`` false), so it
vanished from search. Rows switched off before this revision cannot be told apart; they stay
off (and not available) until the shop sends them again (a webhook, a reconcile or "send
everything"), which turns them back on and indexes their photos.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "products",
        sa.Column("available", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.execute("UPDATE products SET available = enabled")


def downgrade() -> None:
    op.execute("UPDATE products SET enabled = available WHERE enabled")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("available")
