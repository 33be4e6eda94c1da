"""What was understood is told back in the page's language."""

from __future__ import annotations

from vitrina.words import Understood, parse
from vitrina.words.describe import describe


def test_the_issue_example_is_told_back_in_russian_kazakh_and_english():
    understood = parse("такой же, но белые, до 20 000")
    assert describe(understood) == "Понял: белые, до 20 000 ₸"
    assert describe(understood, "kk") == "Түсіндім: ақ, 20 000 ₸ дейін"
    assert describe(understood, "en") == "Understood: white, up to 20 000 ₸"


def test_every_part_is_told_and_an_unknown_language_reads_russian():
    understood = parse("от 10 до 15 тыс, 51 роза в корзине, красные")
    assert describe(understood, "de") == (
        "Понял: красные, 51 шт., в корзине, от 10 000 до 15 000 ₸"
    )
    assert describe(Understood(price_min=500_000), "en") == "Understood: from 5 000 ₸"


def test_nothing_understood_says_nothing():
    assert describe(parse("красивый букет")) is None
