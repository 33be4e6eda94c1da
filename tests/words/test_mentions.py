"""A product's title or composition says the count and the container a customer asked for."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vitrina.search.words import product_colour
from vitrina.words import parse
from vitrina.words.mentions import agreement, colours_said, says_container, says_count

# One adjective form of each flower colour, as titles use them («Букет из белых роз»).
FORMS = {
    "white": "белых",
    "red": "красных",
    "pink": "розовых",
    "orange": "оранжевых",
    "yellow": "жёлтых",
    "blue": "синих",
    "purple": "сиреневых",
}


def test_a_title_says_a_count_as_a_whole_number_not_as_a_price():
    assert says_count("Букет из 51 розы", 51)
    assert says_count("Розы (белые) — 51 шт.", 51)
    assert says_count("101 red roses", 101)
    assert not says_count("Букет из 15 роз", 51)
    assert not says_count("Букет за 51 ₸", 51)
    assert not says_count("Букет из 151 розы", 51)


def test_a_title_says_a_container_in_any_language_and_a_hat_box_is_a_box():
    assert says_container("Розы в коробке", "box")
    assert says_container("Шляпная коробка с пионами", "box")
    assert says_container("Шляпная коробка с пионами", "hat_box")
    assert not says_container("Розы в коробке", "hat_box")
    assert says_container("Қораптағы раушандар", "box")
    assert says_container("Roses in a basket", "basket")
    assert says_container("Монобукет из тюльпанов", "mono")
    assert not says_container("Букет в крафте", "box")


def test_agreement_counts_what_the_title_says_of_what_was_asked():
    asked = parse("51 роза в коробке")
    assert agreement(asked, "51 роза в шляпной коробке") == 2
    assert agreement(asked, "51 роза в крафте") == 1
    assert agreement(asked, "25 роз в корзине") == 0
    assert agreement(parse("белые"), "51 роза в коробке") == 0


def test_a_title_names_its_flowers_colours_in_any_language_and_a_boxs_colour_is_not_theirs():
    assert colours_said("Букет из 25 белых роз") == {"white"}
    assert colours_said("Ақ раушандар") == {"white"}
    assert colours_said("Sunflowers yellow") == {"yellow"}
    assert colours_said("Тюльпаны жёлтые и красные") == {"yellow", "red"}
    assert colours_said("Бело-розовый букет") == {"white", "pink"}
    assert colours_said("Розы в красной коробке") == set()
    assert colours_said("Белые розы в красной коробке") == {"white"}
    assert colours_said("Ақ раушандар, қою қызыл қорапта") == {"white"}  # a two-word colour
    assert colours_said("Қою қызыл раушандар") == {"red"}
    assert colours_said("Букет не красный") == set()
    assert colours_said("Букет «Нежность»") == set()


def test_the_shops_colour_field_then_the_title_then_the_composition_give_the_colour():
    assert product_colour("Букет «Нежность»", {"colors": ["розовый"]}) == "pink"
    assert product_colour("Красные розы", {"colors": "белый"}) == "white"
    assert product_colour("Красные розы", {"colors": False}) == "red"
    assert product_colour("Красные розы", {"composition": "розы, гипсофила белая"}) == "red"
    assert product_colour("Букет «Нежность»", {"composition": "розы белые, эвкалипт"}) == "white"
    assert product_colour("Букет с зелёным эвкалиптом", None) is None
    assert product_colour("Букет «Нежность»", {"colors": "белый, розовый"}) is None
    assert product_colour("Букет «Нежность»", {"colors": [1, None]}) is None
    assert product_colour("Собранный букет", None) is None


@given(
    first=st.sampled_from(sorted(FORMS)),
    second=st.sampled_from(sorted(FORMS)),
    count=st.integers(1, 101),
)
def test_one_colour_named_is_the_products_and_two_are_a_mix(first, second, count):
    assert product_colour(f"Букет из {count} {FORMS[first]} роз", None) == first
    mixed = product_colour(f"Букет из {FORMS[first]} и {FORMS[second]} тюльпанов", None)
    assert mixed == (first if first == second else None)
