"""Amounts are read however a phone writes them: spaces of every kind, тыс, к, мың, ₸."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vitrina.descriptors.colour import NAMES
from vitrina.words import parse
from vitrina.words.understood import LARGEST_COUNT

# plain, space, no-break space, narrow no-break space, thin space, and the other marks in use
GROUP_SEPARATORS = st.sampled_from(["", " ", "\u00a0", "\u202f", "\u2009", ".", ",", "'"])
CURRENCIES = st.sampled_from(["", " ₸", "₸", " тг", "тг", " тенге", " теңге", " KZT", " tenge"])
UPPER_WORDS = st.sampled_from(["до", "дешевле", "не дороже", "не больше", "under", "up to"])
LOWER_WORDS = st.sampled_from(["от", "дороже", "не дешевле", "from", "over", "at least"])
THOUSANDS = st.sampled_from(["к", " к", "k", " k", "K", " тыс", " тыс.", " тысяч", " мың", " thousand"])  # fmt: skip


def grouped(amount: int, separator: str) -> str:
    return f"{amount:,}".replace(",", separator)


@given(st.integers(1000, 10**7), GROUP_SEPARATORS, CURRENCIES, UPPER_WORDS)
def test_an_upper_bound_in_tenge_is_read_whatever_the_spacing(amount, separator, unit, word):
    assert parse(f"{word} {grouped(amount, separator)}{unit}").price_max == amount * 100


@given(st.integers(1000, 10**7), GROUP_SEPARATORS, CURRENCIES, LOWER_WORDS)
def test_a_lower_bound_in_tenge_is_read_whatever_the_spacing(amount, separator, unit, word):
    understood = parse(f"{word} {grouped(amount, separator)}{unit}")
    assert (understood.price_min, understood.price_max) == (amount * 100, None)


@given(st.integers(1, 999), st.one_of(st.none(), st.integers(1, 9)), THOUSANDS, st.booleans())
def test_thousands_are_read_from_every_short_form(whole, tenth, thousands, comma):
    written = str(whole) if tenth is None else f"{whole}{',' if comma else '.'}{tenth}"
    expected = (whole * 1000 + (tenth or 0) * 100) * 100
    assert parse(f"до {written}{thousands}").price_max == expected
    assert parse(f"{written}{thousands}").price_max == expected  # on its own: a budget


@given(
    st.integers(1, 499), st.integers(500, 999), st.sampled_from(["от {} до {}", "{}-{}", "{} – {}"])
)
def test_a_range_in_thousands_gives_both_ends(low, high, pattern):
    understood = parse(pattern.format(low, high) + " тыс")
    assert (understood.price_min, understood.price_max) == (low * 100_000, high * 100_000)


@given(
    st.integers(1, 1001),
    st.sampled_from(["", " роз", " розы", " шт", " тюльпанов", " раушан", " roses"]),
)
def test_a_count_is_read_with_or_without_the_flower(count, noun):
    understood = parse(f"{count}{noun}")
    assert (understood.count, understood.price_max) == (count, None)


@given(st.text(max_size=200))
def test_any_text_gives_a_sensible_answer(text):
    understood = parse(text)
    assert understood.colour is None or understood.colour in NAMES
    if understood.price_min is not None and understood.price_max is not None:
        assert understood.price_min <= understood.price_max
    for price in (understood.price_min, understood.price_max):
        assert price is None or price > 0
    assert understood.count is None or 1 <= understood.count <= LARGEST_COUNT


@given(st.lists(st.sampled_from([
    "белые", "до", "20", "000", "тыс", "к", "51", "роза", "от", "-", "в", "коробке", "ақ", "дейін",
    "₸", "1,5", "мыңнан", "бастап", "under", "10k", "but", "white", "не", "красные", "101",
]), max_size=12))  # fmt: skip
def test_any_mix_of_lexicon_words_gives_a_sensible_answer(words):
    test_any_text_gives_a_sensible_answer.hypothesis.inner_test(" ".join(words))  # type: ignore[attr-defined]
