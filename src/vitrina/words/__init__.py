"""A few words beside a photo («такой же, но белый, до 20 000»), read with a lexicon."""

from vitrina.words.understood import Understood, parse

__all__ = ["Understood", "parse"]
