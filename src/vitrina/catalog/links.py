"""Where a product's page is: the address the shop sent, resolved, or one built from a template.

Resolution happens when a product is shown, not when it is stored, so setting
``VITRINA_SHOP_BASE_URL`` or ``VITRINA_PRODUCT_URL_TEMPLATE`` later applies to every product.
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

    @classmethod
    def from_settings(cls, settings: Settings) -> ProductLinks:
        """The shop's base address, else the template's origin, resolves relative addresses."""
        base = settings.shop_base_url
        template = settings.product_url_template
        if base is None and template is not None:
            parts = urlsplit(template)
            base = f"{parts.scheme}://{parts.netloc}/"
        return cls(base_url=base, template=template)

    def page_url(self, product_id: int, stored: str | None) -> str | None:
        """The shop's own address first; relative ones stay relative with nothing to resolve."""
        if stored:
            return urljoin(self.base_url, stored) if self.base_url else stored
        if self.template is not None:
            return self.template.replace("{id}", str(product_id))
        return None


def is_absolute(url: str) -> bool:
    """Whether a browser can follow ``url`` from any site (the click redirect needs this)."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)
