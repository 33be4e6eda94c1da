"""Which Vitrina shops a product is in: the Bitrix sites it comes from (multi-site shops).

A Bitrix info block can be bound to several sites; the module sends them all as
``product_data.sites`` (each with the product's page on that site) and the first one as
``siteId`` for older Vitrina versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vitrina.config import Settings
from vitrina.errors import InvalidPayload
from vitrina.ingest.bitrix_format import parse_page_url

MAX_SITES = 100  # Bitrix site ids are two characters: more is not a real shop


def shops_for_product(settings: Settings, product_data: Mapping[str, Any]) -> dict[int, str | None]:
    """The shops the product is in, the primary first (``products.shop_id``), each with the
    product's page on that shop's site (``None``: the page the product itself names).

    Sites come from ``product_data.sites`` (else ``siteId``), mapped by
    ``VITRINA_BITRIX_SITE_SHOPS``; the default shop when the sender names no site or no mapping
    is configured (one shop). Sites the mapping does not know are left out; when it knows none
    of them the product is refused: guessing would put one shop's products in another's search.
    """
    sites = _sites(product_data)
    if not sites or not settings.bitrix_site_shops:
        return {settings.default_shop_id: None}
    shops: dict[int, str | None] = {}
    for site, page in sites:
        shop = settings.bitrix_site_shops.get(site)
        if shop is not None and shop not in shops:
            shops[shop] = page
    if shops:
        return shops
    known = ", ".join(sorted(settings.bitrix_site_shops))
    field = "product_data.sites" if "sites" in product_data else "product_data.siteId"
    named = ", ".join(repr(site) for site, _ in sites)
    raise InvalidPayload(
        f"{field}: no shop is configured for site {named}"
        f" (VITRINA_BITRIX_SITE_SHOPS knows {known})",
        field=field,
    )


def _sites(product_data: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """``sites`` (``[{"siteId": "s1", "url": "…"}]``) or the single ``siteId``, checked."""
    if "sites" not in product_data:
        site = product_data.get("siteId")
        if site is None:
            return []
        if not isinstance(site, str):
            raise InvalidPayload(
                f"product_data.siteId: expected a Bitrix site id, got {site!r}",
                field="product_data.siteId",
            )
        return [(site, None)]
    listed = product_data["sites"]
    if not isinstance(listed, list) or not 0 < len(listed) <= MAX_SITES:
        shown = f"{len(listed)} sites" if isinstance(listed, list) else repr(listed)
        raise InvalidPayload(
            f"product_data.sites: expected a list of 1–{MAX_SITES} sites, got {shown}",
            field="product_data.sites",
        )
    sites = []
    for i, entry in enumerate(listed):
        field = f"product_data.sites[{i}]"
        site = entry.get("siteId") if isinstance(entry, dict) else None
        if not isinstance(site, str) or not site:
            raise InvalidPayload(
                f"{field}.siteId: expected a Bitrix site id, got {site!r}",
                field=f"{field}.siteId",
            )
        sites.append((site, parse_page_url(entry.get("url"), f"{field}.url")))
    return sites
