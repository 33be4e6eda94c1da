"""A product's title or composition says the count and the container a customer asked for."""

from __future__ import annotations

from vitrina.words import parse
from vitrina.words.mentions import agreement, says_container, says_count


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
