"""Index jobs by (product_id, state): claiming checks "is this product's job running elsewhere?".

Without it that check scanned the job table once per candidate row, so a claim cost grew with
the backlog (3.7 ms per claim at 100 pending jobs).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_jobs_product_state", "jobs", ["product_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_jobs_product_state", "jobs")
