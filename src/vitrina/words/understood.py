"""What a customer's few words beside a photo ask for: a colour, a price bound, a count, a box.

«такой же, но белый, до 20 000» is a photo search with a colour and a budget; search turns the
colour into a re-ranking by the bouquets' stored colour names, the price into filters, and the
count and the container into a preference for products whose title says so. The rules are
small and told in the answer (``understood``), so a customer sees what was taken and can say it
differently; a word not in the lexicon is ignored, never guessed.

How amounts are read (the lexicon holds the words):
- a price word before the amount («до», «дешевле», «от», «under») or after it (Kazakh «дейін»,
  «бастап», «арзан»; «и дешевле», «or less») makes it a bound; «от 10 до 15 тыс» and «10-15к»
  are both ends, the first taking the second's unit when it is smaller («10» → 10 000);
- a Kazakh amount in the ablative («10 мыңнан», «5 000-нан») is a lower bound unless a word
  after it says cheaper («15 000 теңгеден арзан»);
- an amount followed by a flower or «шт» is a count; a bare whole number up to
  ``largest_bare`` (1001) is a count too («101»), a bigger one or one with a unit is a budget;
- a bound without a unit under 1000 is in thousands («до 20» is 20 000 ₸); with ₸ it is as
  written. A date, an age or a height («к 8 марта», «на 50 лет», «70 см») is none of these.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Literal

from vitrina.db import MAX_PRICE_MINOR
from vitrina.words.lexicon import Lexicon, Phrase, lexicon
from vitrina.words.tokens import Token, tokenize

LARGEST_COUNT = 100_000
_ABLATIVE = ("нан", "нен", "дан", "ден", "тан", "тен")
Bound = Literal["min", "max"]


@dataclass(frozen=True)
class Understood:
    """What the words asked for; prices in minor units (1 ₸ = 100), like search ``filters``."""

    colour: str | None = None  # a name of vitrina.descriptors.colour.NAMES
    price_min: int | None = None
    price_max: int | None = None
    count: int | None = None
    container: str | None = None  # hat_box, box, basket, vase or mono

    def as_dict(self) -> dict[str, str | int]:
        """Only what was understood (the answer's ``understood``)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class _Amount:
    """One amount in the text and what surrounds it."""

    start: int
    end: int  # the token after the amount and its units
    value: Decimal
    multiplier: int = 1
    currency: bool = False
    ablative: bool = False
    bound: Bound | None = None

    @property
    def has_unit(self) -> bool:
        return self.multiplier != 1 or self.currency

    def minor(self) -> int:
        return int(self.value * self.multiplier * 100)


def parse(text: str) -> Understood:
    """What ``text`` asks for (fields it does not mention are ``None``)."""
    words = lexicon()
    tokens = tokenize(text)
    texts = [t.text for t in tokens]
    price_min, price_max, count = _amounts(tokens, words)
    if price_min is not None and price_max is not None and price_min > price_max:
        price_min, price_max = price_max, price_min
    return Understood(
        colour=_colour(texts, words),
        price_min=price_min,
        price_max=price_max,
        count=count,
        container=_container(texts, words),
    )


def _longest(texts: list[str], at: int, entries: Collection[Phrase], longest: int) -> int:
    """How many words of the longest entry start at ``at`` (0: none)."""
    for size in range(min(longest, len(texts) - at), 0, -1):
        if tuple(texts[at : at + size]) in entries:
            return size
    return 0


def _ends_with(texts: list[str], end: int, entries: Collection[Phrase], longest: int) -> Phrase:
    """The longest entry that ends just before ``end`` (empty: none)."""
    for size in range(min(longest, end), 0, -1):
        if (candidate := tuple(texts[end - size : end])) in entries:
            return candidate
    return ()


def _colour(texts: list[str], words: Lexicon) -> str | None:
    """The colour asked for: the first one named after «но»/«but», else the first named."""
    found = colour_mentions(texts, words)
    contrast = max((at for at, text in enumerate(texts) if text in words.contrast), default=-1)
    wanted = [name for at, _, name in found if at > contrast] or [name for _, _, name in found]
    return wanted[0] if wanted else None


def colour_mentions(texts: list[str], words: Lexicon) -> list[tuple[int, int, str]]:
    """Every colour the words name and where, as ``(first word, the word after, name)`` (a
    colour may be a phrase: «крем түсті»), leaving out the negated ones («не красный», «қызыл
    емес»)."""
    found: list[tuple[int, int, str]] = []
    at = 0
    while at < len(texts):
        size = _longest(texts, at, words.colours, words.longest_phrase)
        if size == 0:
            at += 1
            continue
        negated = (at > 0 and texts[at - 1] in words.negation_before) or (
            at + size < len(texts) and texts[at + size] in words.negation_after
        )
        if not negated:
            found.append((at, at + size, words.colours[tuple(texts[at : at + size])]))
        at += size
    return found


def _container(texts: list[str], words: Lexicon) -> str | None:
    """The most specific container or kind named («шляпная коробка» is a hat box)."""
    named = containers_named(texts, words)
    return next((name for name in words.container_order if name in named), None)


def containers_named(texts: list[str], words: Lexicon) -> set[str]:
    """Every container or kind the words name (a product title may name several)."""
    named: set[str] = set()
    for at, text in enumerate(texts):
        size = _longest(texts, at, words.container_phrases, words.longest_phrase)
        if size:
            named.add(words.container_phrases[tuple(texts[at : at + size])])
        for name, prefixes in words.container_prefixes.items():
            if text.startswith(prefixes):
                named.add(name)
    return named


def _read_amount(tokens: list[Token], at: int, words: Lexicon) -> _Amount:
    """The amount at ``at`` with its units: «20 тыс», «20к», «20 000 ₸», «20 мыңға», «5 000-нан»."""
    value = tokens[at].number
    assert value is not None
    amount = _Amount(start=at, end=at + 1, value=value)
    texts = [t.text for t in tokens]
    following = texts[amount.end] if amount.end < len(texts) else ""
    if value < 1000 and (
        following in words.thousands or following.startswith(words.thousands_prefixes)
    ):
        amount.multiplier, amount.end = 1000, amount.end + 1
    elif value < 1000 and following.startswith(words.millions_prefixes):
        amount.multiplier, amount.end = 1_000_000, amount.end + 1
    following = texts[amount.end] if amount.end < len(texts) else ""
    if following in words.currency or following.startswith(words.currency_prefixes):
        amount.currency, amount.end = True, amount.end + 1
    unit = texts[amount.end - 1] if amount.has_unit else ""
    ending = texts[amount.end : amount.end + 2]
    if len(ending) == 2 and ending[0] == "-" and ending[1] in words.case_endings:
        unit = ending[1]
        amount.end += 2
    amount.ablative = unit.endswith(_ABLATIVE)
    return amount


def _follows(texts: list[str], amount: _Amount, prefixes: tuple[str, ...]) -> bool:
    return amount.end < len(texts) and texts[amount.end].startswith(prefixes)


def _bound(texts: list[str], amount: _Amount, words: Lexicon) -> Bound | None:
    """The bound the words around ``amount`` make of it, if any."""
    longest = words.longest_phrase
    before = _ends_with(texts, amount.start, words.max_before | words.min_before, longest)
    if before:
        return "max" if before in words.max_before else "min"
    size = _longest(texts, amount.end, words.max_after | words.min_after, longest)
    if size:
        return "max" if tuple(texts[amount.end : amount.end + size]) in words.max_after else "min"
    return "min" if amount.ablative else None


def _amounts(tokens: list[Token], words: Lexicon) -> tuple[int | None, int | None, int | None]:
    """The price bounds (minor units) and the count the amounts in ``tokens`` give."""
    texts = [t.text for t in tokens]
    prices: list[_Amount] = []
    count: int | None = None
    at = 0
    while at < len(tokens):
        if tokens[at].number is None:
            at += 1
            continue
        amount = _read_amount(tokens, at, words)
        at = amount.end
        if not amount.has_unit and _follows(texts, amount, words.count_prefixes):
            count = count or _whole(amount.value, LARGEST_COUNT)
            continue
        if not amount.has_unit and _follows(texts, amount, words.not_count_prefixes):
            continue
        second = _range_end(tokens, amount, words)
        if second is not None:
            amount.bound, second.bound = "min", "max"
            if not amount.has_unit and second.has_unit and amount.value < second.value:
                amount.multiplier, amount.currency = second.multiplier, second.currency
            prices += [amount, second]
            at = second.end
            continue
        amount.bound = _bound(texts, amount, words)
        if amount.bound is None and not amount.has_unit:
            bare = _whole(amount.value, words.largest_bare_count)
            if bare is not None:
                count = count or bare
                continue
        prices.append(amount)
    return (*_price_bounds(prices, words), count)


def _range_end(tokens: list[Token], first: _Amount, words: Lexicon) -> _Amount | None:
    """The upper end when ``first`` starts a range («от 10 до 15 тыс», «10-15к»), else None."""
    texts = [t.text for t in tokens]
    joiner = first.end
    if not (
        joiner + 1 < len(tokens)
        and texts[joiner] in words.range_joiners
        and tokens[joiner + 1].number is not None
    ):
        return None
    second = _read_amount(tokens, joiner + 1, words)
    if _follows(texts, second, words.count_prefixes + words.not_count_prefixes):
        return None
    opened = _ends_with(texts, first.start, words.min_before, words.longest_phrase)
    if opened or first.has_unit or second.has_unit:
        return second
    return None


def _price_bounds(prices: list[_Amount], words: Lexicon) -> tuple[int | None, int | None]:
    """The first lower and the first upper bound, in minor units; a lone amount is a budget."""
    lowest = next((a for a in prices if a.bound == "min"), None)
    highest = next((a for a in prices if a.bound != "min"), None)
    for amount, other in ((highest, lowest), (lowest, highest)):
        if amount is None or amount.has_unit or amount.value >= words.thousands_below:
            continue
        in_thousands = amount.value * 1000 * 100
        if amount.bound == "min" and other is not None and in_thousands > other.minor():
            continue  # «от 500 до 2 тыс»: 500 ₸, not 500 000 ₸
        amount.multiplier = 1000
    return _minor(lowest), _minor(highest)


def _minor(amount: _Amount | None) -> int | None:
    if amount is None:
        return None
    minor = amount.minor()
    return minor if 0 < minor <= MAX_PRICE_MINOR else None


def _whole(value: Decimal, largest: int) -> int | None:
    """``value`` as a count: a whole number from 1 to ``largest``, else None."""
    if value != value.to_integral_value() or not 1 <= value <= largest:
        return None
    return int(value)
