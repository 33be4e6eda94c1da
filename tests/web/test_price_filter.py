"""The search page's price filter reads what a customer types with the one tenge parser.

A customer spaces digits as they like and puts ₸ anywhere; a shop's feed must group thousands
properly. Both read with ``parse_price``; these tests keep the two behaviours apart.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vitrina.catalog.money import format_tenge
from vitrina.errors import InvalidPayload
from vitrina.ingest.bitrix_format import MAX_PRICE_MINOR, parse_price
from vitrina.web.search_page import price_filter


@given(st.integers(min_value=0, max_value=MAX_PRICE_MINOR))
def test_a_price_as_the_shop_writes_it_filters_as_the_feed_reads_it(minor: int) -> None:
    written = format_tenge(minor)
    assert price_filter(written, "price_min") == parse_price(written) == minor


@pytest.mark.parametrize(
    ("typed", "minor"),
    [
        ("20000", 2_000_000),
        ("20 000", 2_000_000),
        ("20 00", 200_000),  # spaces where the customer put them
        ("₸ 5 000", 500_000),
        ("5\u00a0000₸", 500_000),
        ("1 234,5", 123_450),
        ("99.99", 9_999),
    ],
)
def test_a_customer_types_spaces_and_the_tenge_sign_anywhere(typed: str, minor: int) -> None:
    assert price_filter(typed, "price_max") == minor


@pytest.mark.parametrize("typed", ["", "   ", "₸", "\u00a0"])
def test_nothing_typed_is_no_filter(typed: str) -> None:
    assert price_filter(typed, "price_min") is None


@pytest.mark.parametrize(
    "typed", ["cheap", "дёшево", "nan", "1e400", "٤٢", "-5", "1,234", "5.001", "1" * 17]
)
def test_anything_else_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(InvalidPayload) as refused:
        price_filter(typed, "price_min")
    assert refused.value.field == "price_min"
    assert "enter a price in tenge" in refused.value.message


def test_a_feed_must_group_thousands_properly() -> None:
    with pytest.raises(InvalidPayload):
        parse_price("20 00")
    with pytest.raises(InvalidPayload):
        parse_price("₸ 5000")
