"""Normalising the Bitrix product format into Vitrina's catalog values.

Bitrix sends display strings (``"4 950 ₸"``, ``"70 см"``) and loose types (``""`` for "unset",
``false`` for "no colours"). Every parser here either returns a clean value or raises
:class:`InvalidPayload` naming the field and the value — never a silent 0 or null for garbage.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from vitrina.catalog.product_data import ProductData
from vitrina.db import MAX_BIGINT, MAX_PRICE_MINOR
from vitrina.errors import InvalidPayload

# Plain space, no-break space, narrow no-break space, thin space: all seen as thousands separators.
_SPACES = "\u0020\u00a0\u202f\u2009"
_CURRENCY = re.compile(r"(₸|тг\.?|тенге|kzt)$", re.IGNORECASE)
# "4 950", "27 325", "12000", "1 234 567", with an optional decimal part of 1–2 digits (tiyn).
# ASCII digits only (re.ASCII): "١٢٣" or "³" are not prices, however Unicode classifies them.
_AMOUNT = re.compile(
    r"^(?P<int>\d{1,3}(?:[ ]\d{3})+|\d{1,16})(?:[.,](?P<frac>\d{1,2}))?$", re.ASCII
)
_SIZE = re.compile(r"^(?P<num>\d{1,9}(?:[.,]\d{1,6})?)\s*(?:см|cm)?\.?$", re.IGNORECASE | re.ASCII)
_ID = re.compile(r"[0-9]{1,19}")
# Dates Vitrina stores: far outside this range is a broken clock or a hostile payload.
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _fail(field: str, value: object, why: str = "cannot parse") -> InvalidPayload:
    return InvalidPayload(f"{field}: {why} {value!r}", field=field)


def parse_price(value: object, field: str = "price") -> int:
    """A Bitrix price in tenge (display string or number) → integer minor units (1 ₸ = 100)."""
    if isinstance(value, bool) or value is None:
        raise _fail(field, value)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(str(value))
    elif isinstance(value, str):
        if len(value) > 60:
            raise _fail(field, value[:60] + "…")
        text = value.strip(_SPACES + "\t")
        text = _CURRENCY.sub("", text).strip(_SPACES + "\t")
        for space in _SPACES:
            text = text.replace(space, " ")
        match = _AMOUNT.match(text)
        if match is None:
            raise _fail(field, value)
        digits = match["int"].replace(" ", "")
        amount = Decimal(f"{digits}.{match['frac'] or '0'}")
    else:
        raise _fail(field, value)
    if not amount.is_finite() or amount < 0:
        raise _fail(field, value, "not a valid amount:")
    minor = amount * 100
    if minor != minor.to_integral_value():
        raise _fail(field, value, "more than two decimal places in")
    if minor > MAX_PRICE_MINOR:
        raise _fail(field, value, "implausibly large price")
    return int(minor)


def parse_size_cm(value: object, field: str) -> int | None:
    """``"70 см"``/``"60см"``/``70`` → 70; ``""``/``None`` → ``None`` (unset); garbage → error."""
    if value is None or (isinstance(value, bool) and value is False):
        return None
    if isinstance(value, bool):
        raise _fail(field, value)
    if isinstance(value, int | float):
        number = Decimal(str(value))
        if not number.is_finite():
            raise _fail(field, value, "not a plausible size in cm:")
    elif isinstance(value, str):
        if len(value) > 60:
            raise _fail(field, value[:60] + "…")
        text = value.strip(_SPACES + "\t")
        if not text:
            return None
        match = _SIZE.match(text.replace("\u00a0", " "))
        if match is None:
            raise _fail(field, value)
        try:
            number = Decimal(match["num"].replace(",", "."))
        except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
            raise _fail(field, value) from exc
    else:
        raise _fail(field, value)
    if number < 0 or number > 100_000:
        raise _fail(field, value, "not a plausible size in cm:")
    return int(number.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def parse_datetime(value: object, field: str) -> datetime | None:
    """ISO 8601 with an offset (Bitrix writes ``+0500``, no colon) → aware UTC datetime."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 60:
        raise _fail(field, value)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise _fail(field, value) from exc
    if parsed.tzinfo is None:
        raise _fail(field, value, "no time zone offset in")
    return check_date_range(parsed, field)


def check_date_range(value: datetime, field: str) -> datetime:
    """``value`` in UTC, if between 1970 and 2200; converting year 1 or 9999 would overflow."""
    try:
        converted = value.astimezone(UTC)
    except OverflowError:
        raise _fail(field, value.isoformat(), "date out of range:") from None
    if not _EARLIEST <= converted < _LATEST:
        raise _fail(field, value.isoformat(), "date out of range (1970–2200):")
    return converted


def parse_bool(value: object, field: str) -> bool:
    """A Bitrix flag: JSON bool, or Bitrix's own ``"Y"``/``"N"``."""
    if isinstance(value, bool):
        return value
    if value in ("Y", "y", "1", 1):
        return True
    if value in ("N", "n", "0", 0):
        return False
    raise _fail(field, value, "expected true/false, got")


def parse_product_id(value: object, field: str = "id") -> int:
    """A positive integer id (Bitrix sometimes sends it as a string)."""
    if isinstance(value, bool):
        raise _fail(field, value)
    if isinstance(value, str) and _ID.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int) or value <= 0 or value > MAX_BIGINT:
        raise _fail(field, value, "expected a positive integer id, got")
    return value


# Whitespace (re's \s is str.isspace's set) and control characters: one search, not a loop per
# character (it was the largest part of parsing a product with a few photos).
_NOT_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")


def parse_url(value: object, field: str) -> str:
    """An absolute http(s) URL, as the shop's photo server gives it."""
    if not isinstance(value, str) or not value.strip():
        raise _fail(field, value, "expected a photo URL, got")
    url = value.strip()
    if len(url) > 2000 or _NOT_IN_URL.search(url):
        raise _fail(field, value[:200], "not an http(s) URL:")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number 0–65535)
    except ValueError:
        raise _fail(field, value, "not an http(s) URL:") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _fail(field, value, "not an http(s) URL:")
    return url


# Where a product's page address may come: the module's own field, Bitrix's name, a feed's name.
PAGE_URL_KEYS = ("url", "DETAIL_PAGE_URL", "link")
_UNSAFE_URL_CHARS = re.compile(r"[\x00-\x20\x7f]")


def parse_page_url(value: object, field: str) -> str | None:
    """A product's page address as the shop gives it: absolute http(s) or relative, kept as is.

    Relative addresses (Bitrix's ``DETAIL_PAGE_URL`` is ``/catalog/…/``) are never refused; they
    are resolved when shown (``catalog/links.py``), so a later ``VITRINA_SHOP_BASE_URL`` applies
    to stored products too. Other schemes (``javascript:``, ``data:``) would run on the customer's
    page, so they are refused, as are spaces and control characters.
    """
    if value is None or value is False or value == "":
        return None
    if not isinstance(value, str):
        raise _fail(field, value, "expected the product page address, got")
    url = value.strip()
    if not url:
        return None
    if len(url) > 2000 or _UNSAFE_URL_CHARS.search(url):
        raise _fail(field, value, "not a usable page address:")
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number raises too
    except ValueError:  # "http://[::1": an unclosed IPv6 bracket
        raise _fail(field, value, "not a usable page address:") from None
    if parts.scheme and (parts.scheme.lower() not in ("http", "https") or not parts.hostname):
        raise _fail(field, value, "expected an http(s) or relative page address, got")
    return url


def _page_url(data: dict[str, Any], field: str) -> str | None:
    for key in PAGE_URL_KEYS:
        found = parse_page_url(data.get(key), f"{field}.{key}")
        if found is not None:
            return found
    return None


def parse_product(data: object, field: str = "product_data") -> ProductData:
    """A full Bitrix product (product-detail.json's ``data``) → :class:`ProductData`."""
    if not isinstance(data, dict):
        raise _fail(field, data, "expected an object, got")
    pid = parse_product_id(data.get("id"), f"{field}.id")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _fail(f"{field}.title", title, "expected a non-empty product name, got")
    if "price" not in data:
        raise InvalidPayload(f"{field}.price: missing", field=f"{field}.price")
    if "isAvailable" not in data:
        raise InvalidPayload(f"{field}.isAvailable: missing", field=f"{field}.isAvailable")
    kind = data.get("type")
    if kind is not None and (not isinstance(kind, str) or len(kind) > 50):
        raise _fail(f"{field}.type", kind, "expected a short string, got")

    raw_images = data.get("images")
    if raw_images in (None, False, ""):
        raw_images = []
    if not isinstance(raw_images, list):
        raise _fail(f"{field}.images", raw_images, "expected a list of URLs, got")
    images: list[str] = []
    for i, url in enumerate(raw_images):
        parsed = parse_url(url, f"{field}.images[{i}]")
        if parsed not in images:
            images.append(parsed)
    image = data.get("image")
    primary = None if image in (None, "", False) else parse_url(image, f"{field}.image")
    if not images and primary is not None:
        images = [primary]

    return ProductData(
        id=pid,
        name=title.strip()[:500],
        price=parse_price(data["price"], f"{field}.price"),
        available=parse_bool(data["isAvailable"], f"{field}.isAvailable"),
        type=kind.strip() or None if isinstance(kind, str) else None,
        height=_size(data, "catalogHeight", "height", field),
        width=_size(data, "catalogWidth", "width", field),
        image=primary or (images[0] if images else None),
        images=tuple(images),
        created_at=parse_datetime(data.get("createdAt"), f"{field}.createdAt"),
        raw=data,
        page_url=_page_url(data, field),
    )


def _size(data: dict[str, Any], catalog_key: str, plain_key: str, field: str) -> int | None:
    """The catalog size, falling back to the plain one when the catalog one is unset."""
    value = parse_size_cm(data.get(catalog_key), f"{field}.{catalog_key}")
    if value is None:
        value = parse_size_cm(data.get(plain_key), f"{field}.{plain_key}")
    return value
