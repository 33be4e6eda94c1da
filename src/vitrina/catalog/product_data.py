"""A product in Vitrina's terms: the one input type of the catalog's writes, whatever the source.

The parsers that build it from a shop's format live with that format (``ingest.bitrix_format``);
the catalog depends only on this type, never on a source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class ProductData:
    """A product in Vitrina's terms, ready to upsert."""

    id: int
    name: str
    price: int
    available: bool
    type: str | None
    height: int | None
    width: int | None
    image: str | None
    images: tuple[str, ...]
    created_at: datetime | None
    raw: dict[str, Any]
    page_url: str | None = None

    def catalog_columns(self, shop_id: int) -> dict[str, Any]:
        """The product columns this data sets (timestamps and the raw payload aside): what the
        upsert writes and what reconciliation compares.

        The page address only when the data has one: the module's webhook sends it while the
        shop's REST listing may not, and a reconcile must not erase what the webhook set.
        A product the shop sends is not deleted (``enabled``), whether or not it is on sale
        (``available``): a sold-out bouquet stays searchable, so its photo is recognised.
        """
        page = {"page_url": self.page_url} if self.page_url is not None else {}
        return {
            "shop_id": shop_id,
            "name": self.name,
            "price": self.price,
            "enabled": True,
            "available": self.available,
            "type": self.type,
            "height": self.height,
            "width": self.width,
            "image": self.image,
            **page,
        }
