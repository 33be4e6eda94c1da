"""What was understood, told back in the page's language: «Понял: белые, до 20 000 ₸».

The customer sees which words counted, so a misread («до 20» taken as 20 000 ₸) is visible and
can be typed differently; the texts are in ``lexicon.toml`` (``[said.*]``).
"""

from __future__ import annotations

from vitrina.catalog.money import format_tenge
from vitrina.words.lexicon import said
from vitrina.words.understood import Understood


def describe(understood: Understood, language: str = "ru") -> str | None:
    """One line for the customer, or ``None`` when nothing was understood."""
    texts = said(language)
    parts: list[str] = []
    if understood.colour is not None:
        parts.append(texts["colour"].get(understood.colour, understood.colour))
    if understood.count is not None:
        parts.append(texts["count"].format(understood.count))
    if understood.container is not None:
        parts.append(texts["container"].get(understood.container, understood.container))
    low, high = understood.price_min, understood.price_max
    if low is not None and high is not None:
        parts.append(texts["price_range"].format(_tenge(low, bare=True), _tenge(high)))
    elif low is not None:
        parts.append(texts["price_min"].format(_tenge(low)))
    elif high is not None:
        parts.append(texts["price_max"].format(_tenge(high)))
    return str(texts["understood"]).format(", ".join(parts)) if parts else None


def _tenge(minor: int, *, bare: bool = False) -> str:
    """``4 950 ₸``; ``bare`` leaves the sign to the range's other end («от 10 000 до 15 000 ₸»)."""
    text = format_tenge(minor)
    return text.removesuffix(" ₸") if bare else text
