"""Where a product's page is: the address the shop sent, resolved, or one built from a template.

Resolution happens when a product is shown, not when it is stored, so setting
``VITRINA_SHOP_BASE_URL`` or ``VITRINA_PRODUCT_URL_TEMPLATE`` later applies to every product.

Customers follow these addresses from ``/go`` and the widget, so a stored address is kept only
when it is on the shop's own site — the host of ``VITRINA_SHOP_BASE_URL``, of the template, of
the Bitrix module (``VITRINA_BITRIX_MODULE_URL``, which runs on the shop's site) or of a
multi-site shop's other sites (``VITRINA_SHOP_SITE_URLS``) — and never
when protocol-relative (``//evil.example/x``) or carrying userinfo
(``http://shop.example@evil.example/``). When no site is configured at all, absolute addresses
are kept as the shop sent them (there is nothing to compare with).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from vitrina.config import Settings


@dataclass(frozen=True, slots=True)
class ProductLinks:
    """Turns a product id and its stored page address into the address customers follow."""

    base_url: str | None
    template: str | None
    own_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> ProductLinks:
        """The shop's base address, else the template's origin, resolves relative addresses."""
        base = settings.shop_base_url
        template = settings.product_url_template
        if base is None and template is not None:
            parts = urlsplit(template)
            base = f"{parts.scheme}://{parts.netloc}/"
        sites = (settings.shop_base_url, template, settings.bitrix_module_url, *settings.shop_site_urls)
        hosts = {_site_host(site) for site in sites if site}
        return cls(base_url=base, template=template, own_hosts=frozenset(hosts - {""}))

    def page_url(self, product_id: int, stored: str | None) -> str | None:
        """The shop's own address first; relative ones stay relative with nothing to resolve."""
        if stored and self._on_own_site(stored):
            return urljoin(self.base_url, stored) if self.base_url else stored
        if self.template is not None:
            return self.template.replace("{id}", str(product_id))
        return None

    def _on_own_site(self, stored: str) -> bool:
        try:
            parts = urlsplit(stored)
            host = _site_host(stored)
        except ValueError:
            return False
        if not parts.netloc:
            return not parts.scheme  # a path on the shop's site (``/catalog/…``)
        if not parts.scheme or "@" in parts.netloc:
            return False  # protocol-relative, or userinfo that hides the real host
        return not self.own_hosts or host in self.own_hosts


def _site_host(url: str) -> str:
    """The host a browser would go to, without ``www.``, lower case ("" when there is none)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host.removeprefix("www.")


def is_absolute(url: str) -> bool:
    """Whether a browser can follow ``url`` from any site (the click redirect needs this)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)
