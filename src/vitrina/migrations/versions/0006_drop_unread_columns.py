"""Drop two columns that were written and never read: ``jobs.kind`` and ``product_images.etag``.

Every job is a product reindex (the queue has no other kind), and the fetcher never sent
``If-None-Match``: an unchanged photo is recognised by its content hash, not its ETag.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 has it): neither column is in an index, and
    # a batch copy would rebuild ``jobs`` and its partial unique index for nothing.
    op.drop_column("jobs", "kind")
    op.drop_column("product_images", "etag")


def downgrade() -> None:
    op.add_column("product_images", sa.Column("etag", sa.String(length=200), nullable=True))
    op.add_column(
        "jobs",
        sa.Column(
            "kind", sa.String(length=30), nullable=False, server_default="reindex_product"
        ),
    )
