"""The words customers type beside a photo, read once from ``lexicon.toml``.

The vocabulary is data so that a shop manager or a translator can add «персиковый» or a Kazakh
form without touching the parser; this module only folds spellings and builds lookups. Words are
compared after :func:`fold`, so the lexicon and the customer's text meet in the same spelling.
"""

from __future__ import annotations

import functools
import importlib.resources
import tomllib
from dataclasses import dataclass
from typing import Any

from vitrina.words.tokens import fold, phrase

Phrase = tuple[str, ...]
_CUES = ("max_before", "min_before", "max_after", "min_after")


@dataclass(frozen=True)
class Lexicon:
    """Lookups built from the data file."""

    colours: dict[Phrase, str]  # every form of a colour word → the stored colour name
    contrast: frozenset[str]
    negation_before: frozenset[str]
    negation_after: frozenset[str]
    container_order: tuple[str, ...]
    container_prefixes: dict[str, tuple[str, ...]]
    container_phrases: dict[Phrase, str]
    count_prefixes: tuple[str, ...]
    not_count_prefixes: tuple[str, ...]
    largest_bare_count: int
    max_before: frozenset[Phrase]
    min_before: frozenset[Phrase]
    max_after: frozenset[Phrase]
    min_after: frozenset[Phrase]
    range_joiners: frozenset[str]
    case_endings: frozenset[str]
    thousands: frozenset[str]
    thousands_prefixes: tuple[str, ...]
    millions_prefixes: tuple[str, ...]
    currency: frozenset[str]
    currency_prefixes: tuple[str, ...]
    thousands_below: int

    longest_phrase: int  # the most words an entry has, so matching knows how far to look


def _words(items: list[str]) -> frozenset[str]:
    return frozenset(fold(w) for w in items)


def _prefixes(items: list[str]) -> tuple[str, ...]:
    return tuple(sorted({fold(w) for w in items}, key=len, reverse=True))


def _phrases(items: list[str]) -> frozenset[Phrase]:
    return frozenset(phrase(p) for p in items)


def _colour_forms(data: dict[str, Any]) -> dict[Phrase, str]:
    """Every form of every colour word, refusing a form claimed by two colours."""
    russian = data["russian"]
    forms: dict[Phrase, str] = {}

    def add(entry: Phrase, name: str) -> None:
        if forms.setdefault(entry, name) != name:
            raise ValueError(f"lexicon: {' '.join(entry)!r} is both {forms[entry]} and {name}")

    ru = data["colour"]["ru"]
    for table, endings in (
        ("adjective_stems", russian["hard_endings"]),
        ("soft_adjective_stems", russian["soft_endings"]),
    ):
        for name, stems in ru[table].items():
            for stem in stems:
                for ending in endings:
                    add(phrase(stem + ending), name)
    for language in ("ru", "kk", "en"):
        for name, entries in data["colour"][language]["words"].items():
            for entry in entries:
                add(phrase(entry), name)
    return forms


@functools.cache
def _data() -> dict[str, Any]:
    source = importlib.resources.files(__package__) / "lexicon.toml"
    return tomllib.loads(source.read_text(encoding="utf-8"))


def said(language: str) -> dict[str, Any]:
    """How understood words are told back in ``language`` (``ru``, ``kk``, ``en``; else ``ru``)."""
    texts: dict[str, dict[str, Any]] = _data()["said"]
    return texts.get(language, texts["ru"])


@functools.cache
def lexicon() -> Lexicon:
    """The lexicon shipped with the package (read and checked once per process)."""
    data = _data()
    containers = data["container"]
    order = tuple(containers["order"])
    container_phrases: dict[Phrase, str] = {}
    for name in order:
        for entry in containers[name]["phrases"]:
            container_phrases.setdefault(phrase(entry), name)
    price, count = data["price"], data["count"]
    colours = _colour_forms(data)
    return Lexicon(
        colours=colours,
        contrast=_words(data["contrast"]["words"]),
        negation_before=_words(data["negation"]["before"]),
        negation_after=_words(data["negation"]["after"]),
        container_order=order,
        container_prefixes={n: _prefixes(containers[n]["prefixes"]) for n in order},
        container_phrases=container_phrases,
        count_prefixes=_prefixes(count["prefixes"]),
        not_count_prefixes=_prefixes(count["not_after"]),
        largest_bare_count=int(count["largest_bare"]),
        max_before=_phrases(price["max_before"]),
        min_before=_phrases(price["min_before"]),
        max_after=_phrases(price["max_after"]),
        min_after=_phrases(price["min_after"]),
        range_joiners=_words(price["range_joiners"]),
        case_endings=_words(price["case_endings"]),
        thousands=_words(price["thousands"]),
        thousands_prefixes=_prefixes(price["thousands_prefixes"]),
        millions_prefixes=_prefixes(price["millions_prefixes"]),
        currency=_words(price["currency"]),
        currency_prefixes=_prefixes(price["currency_prefixes"]),
        thousands_below=int(price["thousands_below"]),
        longest_phrase=max(
            len(entry)
            for entries in (colours, container_phrases, *(_phrases(price[k]) for k in _CUES))
            for entry in entries
        ),
    )
