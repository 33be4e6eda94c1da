"""Whether a product's own words (title, composition) say what the customer asked for.

Count and container words favour products that say so: «51 роза в коробке» puts «Букет из 51
розы в шляпной коробке» before a bouquet of 25 in paper. The product's text is read with the
same lexicon as the customer's, so «коробочка», «қорап» and «box» all say box.

A colour the title names is the bouquet's colour as the shop sees it: «Букет из белых роз» is
white even when its photo was taken under warm light or on a lawn and the photo's colour
descriptor names yellow or the grass.
"""

from __future__ import annotations

from vitrina.words.lexicon import lexicon
from vitrina.words.tokens import tokenize
from vitrina.words.understood import Understood, colour_mentions, containers_named

# A container asked for is also said by these (a hat box is a box).
_ALSO = {"box": {"hat_box"}}


def says_count(text: str, count: int) -> bool:
    """``text`` names the number ``count`` as a whole number (not a price with its unit)."""
    words = lexicon()
    tokens = tokenize(text)
    for at, token in enumerate(tokens):
        if token.number is None or token.number != count:
            continue
        after = tokens[at + 1].text if at + 1 < len(tokens) else ""
        if after in words.currency or after.startswith(words.currency_prefixes):
            continue
        return True
    return False


def says_container(text: str, container: str) -> bool:
    """``text`` names ``container`` (or a kind of it: a hat box is a box)."""
    named = containers_named([t.text for t in tokenize(text)], lexicon())
    return bool(named & ({container} | _ALSO.get(container, set())))


def colours_said(text: str) -> set[str]:
    """The colours ``text`` (a product's title, composition or colour field) names its flowers
    by: several for a mix («жёлтые и красные тюльпаны», «бело-розовый»), none for «Нежность».

    A colour said of a container («в красной коробке») is the box's, not the flowers'.
    """
    words = lexicon()
    texts = [t.text for t in tokenize(text)]
    return {
        name
        for _, end, name in colour_mentions(texts, words)
        if not containers_named(texts[end : end + 1], words)
    }


def agreement(understood: Understood, text: str) -> int:
    """How many of the count and the container asked for ``text`` says (0, 1 or 2)."""
    said = 0
    if understood.count is not None and says_count(text, understood.count):
        said += 1
    if understood.container is not None and says_container(text, understood.container):
        said += 1
    return said
