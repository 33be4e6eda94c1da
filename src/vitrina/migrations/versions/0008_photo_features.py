"""Per-photo colour and local features for verified "exact" matches; stored search calibration.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from vitrina.db import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photo_features",
        sa.Column(
            "image_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("product_images.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("colour", sa.LargeBinary(), nullable=False),
        sa.Column("keypoints", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_photo_features_content_hash", "photo_features", ["content_hash"])
    op.create_table(
        "search_calibration",
        sa.Column("embedder", sa.String(100), primary_key=True),
        sa.Column("thresholds", sa.Text(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("search_calibration")
    op.drop_index("ix_photo_features_content_hash", "photo_features")
    op.drop_table("photo_features")
