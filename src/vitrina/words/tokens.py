"""A customer's few words as tokens: words, amounts and the signs that matter for prices.

Amounts are written every way people write them on a phone: ``20000``, ``20 000`` (with a
space, a no-break space, a narrow or thin space), ``20.000``, ``20,000``, ``1,5`` and ``1.5``.
Only ASCII digits count (``"٤٢"`` is not 42). A glued unit is split off: ``20к`` is ``20`` ``к``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

# Kazakh letters → the Russian letters typed for them on a Russian keyboard.
_FOLDS = str.maketrans("ёқғңөұүһіә", "екгноуухиа")
_SPACES = " \u00a0\u202f\u2009\u2007"  # space, no-break, narrow no-break, thin, figure
_TOKEN = re.compile(
    rf"""
    (?P<spaced>[0-9]{{1,3}}(?:[{_SPACES}'’][0-9]{{3}}(?![0-9]))+(?:[.,][0-9]{{1,2}}(?![0-9]))?)
    | (?P<dotted>[0-9]{{1,3}}(?:\.[0-9]{{3}}(?![0-9]))+(?:,[0-9]{{1,2}}(?![0-9]))?)
    | (?P<commas>[0-9]{{1,3}}(?:,[0-9]{{3}}(?![0-9]))+(?:\.[0-9]{{1,2}}(?![0-9]))?)
    | (?P<plain>[0-9]+(?:[.,][0-9]+)?)
    | (?P<word>[^\W\d_]+)
    | (?P<sign>\.\.\.|[₸<>≤≥+%\-–—])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    """One word (folded), sign, or amount (``number`` set)."""

    text: str
    number: Decimal | None = None


def fold(text: str) -> str:
    """``text`` in the spelling words are compared in: lower case, ё → е, Kazakh letters folded."""
    return text.lower().translate(_FOLDS)


def _amount(kind: str, text: str) -> Decimal:
    """The value of one matched amount, by how its groups and its decimals are marked."""
    if kind == "plain":
        return Decimal(text.replace(",", "."))
    if kind == "spaced":  # groups apart by spaces; a final . or , with 1-2 digits is decimal
        digits = re.sub(rf"[{_SPACES}'’]", "", text)
        return Decimal(digits.replace(",", "."))
    mark = "," if kind == "dotted" else "."
    whole, _, fraction = text.partition(mark)
    return Decimal(f"{re.sub('[.,]', '', whole)}.{fraction or '0'}")


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, folded; a hyphen between two words is dropped («бело-розовый»)."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(fold(text)):
        kind = match.lastgroup or "sign"
        if kind in ("word", "sign"):
            tokens.append(Token(match.group()))
        else:
            tokens.append(Token(match.group(), _amount(kind, match.group())))
    kept: list[Token] = []
    for i, token in enumerate(tokens):
        joins_words = (
            token.text == "-"
            and 0 < i < len(tokens) - 1
            and tokens[i - 1].number is None
            and tokens[i + 1].number is None
        )
        if not joins_words:
            kept.append(token)
    return kept


def phrase(text: str) -> tuple[str, ...]:
    """A lexicon entry as the token texts it matches, tokenized the way the customer's text is."""
    return tuple(t.text for t in tokenize(text))
