"""Which Vitrina shop a product belongs to: the Bitrix site it comes from (multi-site shops)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vitrina.config import Settings
from vitrina.errors import InvalidPayload


def shop_for_product(settings: Settings, product_data: Mapping[str, Any]) -> int:
    """``product_data.siteId`` mapped by ``VITRINA_BITRIX_SITE_SHOPS``; the default shop when the
    sender names no site or no mapping is configured (one shop). A site the mapping does not know
    is refused: guessing would put one shop's products in another's search."""
    site = product_data.get("siteId")
    if site is None or not settings.bitrix_site_shops:
        return settings.default_shop_id
    if not isinstance(site, str) or site not in settings.bitrix_site_shops:
        known = ", ".join(sorted(settings.bitrix_site_shops))
        raise InvalidPayload(
            f"product_data.siteId: no shop is configured for site {site!r}"
            f" (VITRINA_BITRIX_SITE_SHOPS knows {known})",
            field="product_data.siteId",
        )
    return settings.bitrix_site_shops[site]
