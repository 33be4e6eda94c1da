"""One price format for people: what Vitrina writes, the shop's format parser reads back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vitrina.catalog.money import format_tenge
from vitrina.db import MAX_PRICE_MINOR
from vitrina.ingest.bitrix_format import parse_price


@given(st.integers(min_value=0, max_value=MAX_PRICE_MINOR))
def test_every_price_written_reads_back_as_itself(minor: int) -> None:
    assert parse_price(format_tenge(minor)) == minor


def test_the_shop_s_way_of_writing_tenge() -> None:
    assert format_tenge(495_000) == "4 950 ₸"
    assert format_tenge(495_050) == "4 950,50 ₸"
    assert format_tenge(100_000_000) == "1 000 000 ₸"
    assert format_tenge(-5) == "-0,05 ₸"
