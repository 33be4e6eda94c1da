"""Indexes for the in-memory vector index's incremental refresh.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_products_updated_at", "products", ["updated_at"])
    op.create_index("ix_image_vectors_model_created", "image_vectors", ["model", "created_at"])
    op.create_index("ix_image_vectors_content_hash", "image_vectors", ["content_hash"])


def downgrade() -> None:
    op.drop_index("ix_image_vectors_content_hash", "image_vectors")
    op.drop_index("ix_image_vectors_model_created", "image_vectors")
    op.drop_index("ix_products_updated_at", "products")
