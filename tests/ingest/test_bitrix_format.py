"""The Bitrix value parsers: examples from real responses, and properties on generated strings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.webhooks import listed_products, sample_product
from vitrina.errors import InvalidPayload
from vitrina.ingest.bitrix_format import (
    parse_datetime,
    parse_price,
    parse_product,
    parse_product_id,
    parse_size_cm,
    parse_url,
)

SEPARATORS = [" ", "\u00a0", "\u202f"]


@pytest.mark.parametrize(
    ("raw", "minor"),
    [
        ("4 950 ₸", 495_000),
        ("27 325 ₸", 2_732_500),
        ("12000", 1_200_000),
        (15000, 1_500_000),
        ("4\u00a0950\u00a0₸", 495_000),
        ("4\u202f950 ₸", 495_000),
        ("1 234 567 ₸", 123_456_700),
        ("4 950,50 ₸", 495_050),
        ("4950.5", 495_050),
        ("0 ₸", 0),
        (99.99, 9_999),
        ("  7 500 тг  ", 750_000),
    ],
)
def test_price_examples(raw, minor):
    assert parse_price(raw) == minor


@pytest.mark.parametrize(
    "raw", ["abc ₸", "", "₸", None, True, "-5", "4 95 ₸", "1,234", "12.345", "1e5", [], {}, -3]
)
def test_price_garbage_is_an_error_naming_field_and_value(raw):
    with pytest.raises(InvalidPayload) as caught:
        parse_price(raw)
    assert caught.value.message.startswith("price: ")
    assert repr(raw) in caught.value.message


def _group(n: int, sep: str) -> str:
    text = f"{n:,}"
    return text.replace(",", sep)


@given(
    n=st.integers(min_value=0, max_value=10**10),
    tiyn=st.one_of(st.none(), st.integers(min_value=0, max_value=99)),
    sep=st.sampled_from([*SEPARATORS, ""]),
    decimal=st.sampled_from([",", "."]),
    currency=st.sampled_from(["", " ₸", "₸", "\u00a0₸"]),
)
def test_price_formatted_any_way_parses_to_minor_units(n, tiyn, sep, decimal, currency):
    text = _group(n, sep) if sep else str(n)
    if tiyn is not None:
        text += f"{decimal}{tiyn:02d}"
    assert parse_price(text + currency) == n * 100 + (tiyn or 0)


@given(st.text(max_size=30))
def test_price_on_any_text_is_a_value_or_a_clear_error(text):
    try:
        value = parse_price(text)
    except InvalidPayload as exc:
        assert exc.field == "price"
    else:
        assert isinstance(value, int) and value >= 0


@pytest.mark.parametrize(
    ("raw", "cm"),
    [
        ("70 см", 70),
        ("60см", 60),
        ("", None),
        (None, None),
        (45, 45),
        ("80 cm", 80),
        ("70,5 см", 71),
    ],
)
def test_size_examples(raw, cm):
    assert parse_size_cm(raw, "catalogHeight") == cm


@given(
    n=st.integers(min_value=0, max_value=100_000),
    space=st.sampled_from(["", " ", "\u00a0"]),
    unit=st.sampled_from(["см", "cm", "", "см."]),
)
def test_size_formatted_any_way(n, space, unit):
    assert parse_size_cm(f"{n}{space if unit else ''}{unit}", "catalogHeight") == n


@given(st.text(max_size=20))
def test_size_on_any_text_is_a_value_or_a_clear_error(text):
    try:
        value = parse_size_cm(text, "catalogWidth")
    except InvalidPayload as exc:
        assert exc.message.startswith("catalogWidth: ")
    else:
        assert value is None or value >= 0


def test_created_at_keeps_its_offset():
    parsed = parse_datetime("2025-10-24T15:42:55+0500", "createdAt")
    assert parsed is not None and parsed.isoformat() == "2025-10-24T10:42:55+00:00"
    with pytest.raises(InvalidPayload, match="no time zone"):
        parse_datetime("2025-10-24T15:42:55", "createdAt")


def test_size_falls_back_to_plain_width_and_height():
    data = parse_product(
        sample_product(catalogHeight="", height=50, catalogWidth=None, width="40 см")
    )
    assert (data.height, data.width) == (50, 40)


def test_every_real_listed_product_parses():
    for item in listed_products():
        data = parse_product(item)
        assert data.price > 0 and data.name and data.images


@pytest.mark.parametrize("raw", ["٤٢", "³", "１２３", "42\u0663", "9" * 20])
def test_ids_take_ascii_digits_only(raw):
    with pytest.raises(InvalidPayload, match="id"):
        parse_product_id(raw, "id")


@pytest.mark.parametrize("raw", ["１２３ ₸", "٤٩٥٠ ₸", "4 95٠ ₸", "1" * 70, "1e400"])
def test_prices_take_ascii_digits_only(raw):
    with pytest.raises(InvalidPayload, match="price"):
        parse_price(raw)


@pytest.mark.parametrize(
    "raw",
    ["http://[::1", "http://[::1]:99999/x.jpg", "http://host:port/x.jpg", "http://a b/x.jpg",
     "http://shop.kz/x\x00.jpg", "ftp://shop.kz/x.jpg", "http:///x.jpg"],
)
def test_photo_urls_are_parsed_strictly(raw):
    with pytest.raises(InvalidPayload, match="image"):
        parse_url(raw, "image")


@pytest.mark.parametrize("inside", ["\t", "\u00a0", "\u2009", "\u3000", "\x1f", "\x7f", "\x85"])
def test_photo_urls_with_a_space_or_control_character_inside_are_refused(inside):
    with pytest.raises(InvalidPayload, match="not an http"):
        parse_url(f"https://shop.kz/upload/a{inside}b.jpg", "image")


@pytest.mark.parametrize(
    "raw", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "1900-01-01T00:00:00+00:00"]
)
def test_dates_far_out_of_range_are_refused(raw):
    with pytest.raises(InvalidPayload, match="createdAt"):
        parse_datetime(raw, "createdAt")
