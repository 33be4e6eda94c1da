"""A product in several shops: ``product_shops`` (a Bitrix info block bound to several sites).

Every existing product gets the row of its own shop, so "the products of shop N" reads this
table alone.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_shops",
        sa.Column("product_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("shop_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("page_url", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_shops_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "shop_id", name=op.f("pk_product_shops")),
    )
    op.create_index("ix_product_shops_shop", "product_shops", ["shop_id", "product_id"])
    op.execute(
        "INSERT INTO product_shops (product_id, shop_id, page_url)"
        " SELECT id, shop_id, page_url FROM products"
    )


def downgrade() -> None:
    op.drop_index("ix_product_shops_shop", table_name="product_shops")
    op.drop_table("product_shops")
