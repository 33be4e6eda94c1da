"""The words a customer types beside a photo are understood in Russian, Kazakh and English."""

from __future__ import annotations

import pytest

from vitrina.descriptors.colour import NAMES
from vitrina.words import Understood, parse
from vitrina.words.lexicon import lexicon

RUSSIAN_COLOURS = {
    "white": ["белый", "белая", "белое", "белые", "белых", "белым", "белыми", "белую", "белого",
              "кремовые", "кремовых", "бежевые", "цвета слоновой кости"],
    "red": ["красный", "красная", "красные", "красных", "бордовые", "бордовая", "бордо", "алые"],
    "pink": ["розовый", "розовая", "розовые", "розовых", "нежно-розовые", "пудровые"],
    "yellow": ["жёлтый", "желтый", "жёлтые", "желтые", "жёлтых", "золотистые"],
    "orange": ["оранжевый", "оранжевая", "оранжевые", "оранжевых", "коралловые"],
    "blue": ["синий", "синяя", "синие", "синих", "голубой", "голубая", "голубые", "голубых"],
    "purple": ["фиолетовый", "фиолетовые", "сиреневый", "сиреневая", "сиреневые", "лиловые"],
    "green": ["зелёный", "зеленый", "зелёные", "зеленых"],
}  # fmt: skip
KAZAKH_COLOURS = {
    "white": ["ақ", "ак", "аппақ", "кремді"],
    "red": ["қызыл", "кызыл", "қою қызыл", "бордо"],
    "pink": ["қызғылт", "кызгылт"],
    "orange": ["қызғылт сары", "апельсин түсті"],
    "yellow": ["сары", "сарғыш"],
    "blue": ["көк", "көгілдір", "ашық көк"],
    "purple": ["күлгін", "ақшыл күлгін"],
    "green": ["жасыл"],
}
ENGLISH_COLOURS = {
    "white": ["white", "cream", "ivory", "off-white"],
    "red": ["red", "burgundy", "maroon", "crimson"],
    "pink": ["pink", "fuchsia", "light pink"],
    "orange": ["orange", "coral"],
    "yellow": ["yellow", "golden"],
    "blue": ["blue", "light blue", "navy"],
    "purple": ["purple", "violet", "lilac", "lavender"],
    "green": ["green", "mint"],
}


def _cases(table: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(word, name) for name, words in table.items() for word in words]


@pytest.mark.parametrize(("word", "colour"), _cases(RUSSIAN_COLOURS))
def test_russian_colour_words_in_every_common_form(word, colour):
    assert parse(word).colour == colour
    assert parse(f"такой же, но {word}").colour == colour
    assert parse(f"{word.capitalize()} розы").colour == colour


@pytest.mark.parametrize(("word", "colour"), _cases(KAZAKH_COLOURS))
def test_kazakh_colour_words(word, colour):
    assert parse(word).colour == colour
    assert parse(f"дәл осындай, бірақ {word}").colour == colour
    assert parse(f"{word} раушандар").colour == colour


@pytest.mark.parametrize(("word", "colour"), _cases(ENGLISH_COLOURS))
def test_english_colour_words(word, colour):
    assert parse(word).colour == colour
    assert parse(f"same but {word}").colour == colour
    assert parse(f"{word.upper()} roses").colour == colour


def test_the_colour_asked_for_is_the_one_after_but_and_never_a_negated_one():
    assert parse("такой же красный, но белый").colour == "white"
    assert parse("белые, а не красные").colour == "white"
    assert parse("не красные").colour is None
    assert parse("қызыл емес, ақ").colour == "white"
    assert parse("same as this red one but in white").colour == "white"
    assert parse("бело-розовые").colour == "white"  # the first named when none is contrasted


def test_words_that_look_like_colours_are_not():
    assert parse("розы").colour is None  # roses, not pink
    assert parse("51 роза").colour is None
    assert parse("roses").colour is None
    assert parse("синтетика, серия").colour is None


def test_every_colour_word_names_a_colour_search_stores():
    assert set(lexicon().colours.values()) <= set(NAMES)
    assert {"white", "red", "pink", "orange", "yellow", "blue", "purple", "green"} <= set(
        lexicon().colours.values()
    )


@pytest.mark.parametrize(
    ("text", "price_min", "price_max"),
    [
        ("до 20 000", None, 2_000_000),
        ("до 20 000 ₸", None, 2_000_000),
        ("до 20000 тенге", None, 2_000_000),
        ("до 20", None, 2_000_000),  # no bouquet costs 20 ₸
        ("до 500 ₸", None, 50_000),  # with the currency, as written
        ("дешевле 15000 ₸", None, 1_500_000),
        ("не дороже 20 тыс", None, 2_000_000),
        ("15 000 и дешевле", None, 1_500_000),
        ("20к", None, 2_000_000),
        ("20 к", None, 2_000_000),
        ("1,5 тыс", None, 150_000),
        ("от 15000", 1_500_000, None),
        ("дороже 10 тыс", 1_000_000, None),
        ("от 10 до 15 тыс", 1_000_000, 1_500_000),
        ("от 10 000 до 15 000", 1_000_000, 1_500_000),
        ("от 5000 до 15 тыс", 500_000, 1_500_000),
        ("от 500 до 2 тыс", 50_000, 200_000),
        ("10-15к", 1_000_000, 1_500_000),
        ("между 10 и 15 тыс", 1_000_000, 1_500_000),
        ("20 000", None, 2_000_000),  # a bare big amount is a budget
    ],
)
def test_russian_price_bounds(text, price_min, price_max):
    understood = parse(text)
    assert (understood.price_min, understood.price_max) == (price_min, price_max)


@pytest.mark.parametrize(
    ("text", "price_min", "price_max"),
    [
        ("20 000 теңгеге дейін", None, 2_000_000),
        ("20 000-ға дейін", None, 2_000_000),
        ("20 мыңға дейін", None, 2_000_000),
        ("15 000 теңгеден арзан", None, 1_500_000),
        ("10 000-нан бастап", 1_000_000, None),
        ("10 мыңнан бастап", 1_000_000, None),
        ("10 мыңнан 15 мыңға дейін", 1_000_000, 1_500_000),
    ],
)
def test_kazakh_price_bounds(text, price_min, price_max):
    understood = parse(text)
    assert (understood.price_min, understood.price_max) == (price_min, price_max)


@pytest.mark.parametrize(
    ("text", "price_min", "price_max"),
    [
        ("under 20k", None, 2_000_000),
        ("up to 20,000 tenge", None, 2_000_000),
        ("20k or less", None, 2_000_000),
        ("less than 15000 KZT", None, 1_500_000),
        ("from 10k", 1_000_000, None),
        ("between 10k and 15k", 1_000_000, 1_500_000),
        ("from 10 to 15 thousand", 1_000_000, 1_500_000),
    ],
)
def test_english_price_bounds(text, price_min, price_max):
    understood = parse(text)
    assert (understood.price_min, understood.price_max) == (price_min, price_max)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("51 роза", 51),
        ("101 розу", 101),
        ("25 тюльпанов", 25),
        ("букет из 51 розы", 51),
        ("51 белая роза", 51),
        ("101", 101),
        ("25 шт", 25),
        ("51 раушан", 51),
        ("15 дана", 15),
        ("51 roses", 51),
        ("25 tulips", 25),
    ],
)
def test_counts(text, count):
    assert parse(text).count == count


def test_dates_ages_heights_and_bouquets_are_not_counts_nor_prices():
    for text in ("к 8 марта", "на 50 лет", "высота 70 см", "8 наурыз", "2 букета", "for 8 march"):
        understood = parse(text)
        assert (understood.count, understood.price_min, understood.price_max) == (None,) * 3, text


@pytest.mark.parametrize(
    ("text", "container"),
    [
        ("в коробке", "box"),
        ("в коробочке", "box"),
        ("в корзине", "basket"),
        ("корзинка", "basket"),
        ("шляпная коробка", "hat_box"),
        ("в шляпной коробке", "hat_box"),
        ("монобукет", "mono"),
        ("моно букет", "mono"),
        ("қорапта", "box"),
        ("қораптағы", "box"),
        ("себетте", "basket"),
        ("шляпа қорабы", "hat_box"),
        ("шляпалы қорапта", "hat_box"),
        ("қалпақ қорапта", "hat_box"),
        ("бір түрлі гүлден", "mono"),
        ("in a box", "box"),
        ("hat box", "hat_box"),
        ("hatbox", "hat_box"),
        ("basket", "basket"),
        ("mono bouquet", "mono"),
    ],
)
def test_containers_and_kinds(text, container):
    assert parse(text).container == container


def test_the_issue_example_is_understood_whole():
    understood = parse("такой же, но белый, до 20 000, 51 роза в коробке")
    assert understood == Understood(colour="white", price_max=2_000_000, count=51, container="box")
    assert understood.as_dict() == {
        "colour": "white",
        "price_max": 2_000_000,
        "count": 51,
        "container": "box",
    }
    assert parse("ақ, 20 мыңға дейін, қораптағы 51 раушан") == understood
    assert parse("same but white, under 20k, 51 roses in a box") == understood


def test_words_it_does_not_know_are_left_out():
    assert parse("") == Understood()
    assert parse("красивый букет для мамы").as_dict() == {}
    assert parse("٤٢ роза").count is None  # only ASCII digits are numbers
