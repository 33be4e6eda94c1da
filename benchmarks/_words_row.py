"""The photo-plus-words row of ``benchmarks/quality.py``: «такой же, но <colour>» over HTTP.

For every bouquet offered in two colours (a product and its colour variant), each customer-style
photo of one is sent to a live ``vitrina serve`` with the words «такой же, но <the other's
colour>» (Russian, Kazakh and English in turn), as JSON (``image_base64``) and as multipart
(``file``); the answer is right when the variant of that colour comes first. The same photos
without words, in the same run, are the baseline: how often the other colour came first anyway.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from vitrina.search.calibration import Case

# The colour word for each family, as customers type it after «такой же, но» / «бірақ» / «but».
WORDS = {
    "ru": {"white": "белый", "red": "красный", "pink": "розовый", "orange": "оранжевый",
           "yellow": "жёлтый", "blue": "синий", "purple": "фиолетовый"},
    "kk": {"white": "ақ", "red": "қызыл", "pink": "қызғылт", "orange": "қызғылт сары",
           "yellow": "сары", "blue": "көк", "purple": "күлгін"},
    "en": {"white": "white", "red": "red", "pink": "pink", "orange": "orange",
           "yellow": "yellow", "blue": "blue", "purple": "purple"},
}  # fmt: skip
PHRASE = {"ru": "такой же, но {}", "kk": "дәл осындай, бірақ {}", "en": "the same but {}"}
LANGUAGES = ("ru", "kk", "en")


@dataclass(frozen=True)
class WordsCase:
    """A customer photo of one colour of a bouquet, asking for ``wanted`` (another product)."""

    case: Case
    wanted: int
    colour: str
    language: str

    @property
    def text(self) -> str:
        return PHRASE[self.language].format(WORDS[self.language][self.colour])


def words_cases(
    cases: Sequence[Case], pairs: Sequence[tuple[int, int]], colours: dict[int, str]
) -> list[WordsCase]:
    """Both directions of every pair, for every customer style of the photographed one."""
    by_product: dict[int, list[Case]] = {}
    for case in cases:
        if case.present:
            by_product.setdefault(case.product_id, []).append(case)
    found: list[WordsCase] = []
    for first, second in pairs:
        if colours[first] == colours[second]:
            continue
        for shown, wanted in ((first, second), (second, first)):
            for case in by_product.get(shown, []):
                language = LANGUAGES[len(found) % len(LANGUAGES)]
                found.append(WordsCase(case, wanted, colours[wanted], language))
    return found


def _answer(answer: httpx.Response) -> dict[str, Any]:
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body


def ask(client: httpx.Client, item: WordsCase, *, multipart: bool, words: bool) -> dict[str, Any]:
    """The live server's answer for this photo (with or without its words)."""
    if multipart:
        form = {"top_k": "10", **({"text": item.text} if words else {})}
        files = {"file": ("photo.jpg", item.case.data, "image/jpeg")}
        return _answer(client.post("/api/v1/search/upload", data=form, files=files))
    body = {"image_base64": base64.b64encode(item.case.data).decode(), "top_k": 10}
    if words:
        body["text"] = item.text
    return _answer(client.post("/api/v1/search", json=body))


def first(answer: dict[str, Any]) -> int | None:
    """The product an answer puts first."""
    results = answer["results"]
    return int(results[0]["product_id"]) if results else None


def miss(item: WordsCase, answer: dict[str, Any]) -> str:
    """One line saying what a wrong answer put where (for ``quality.py --only words``)."""
    ranked = [r["product_id"] for r in answer["results"]]
    place = ranked.index(item.wanted) + 1 if item.wanted in ranked else None
    exact = [r["product_id"] for r in answer["exact"]]
    return (
        f"{item.case.kind:>8} {item.case.product_id:>3} -> {item.wanted:>3} "
        f"({item.colour}, {item.language}): first {first(answer)}, wanted at {place}, "
        f"exact {exact}"
    )


def words_row(
    base: str, items: Sequence[WordsCase], misses: list[str] | None = None
) -> dict[str, float]:
    """Share of queries whose wanted variant comes first: JSON and multipart with words, and
    the same photos without words (the baseline); ``misses`` collects the JSON misses."""
    right = {"json": 0, "multipart": 0, "baseline": 0}
    with httpx.Client(base_url=base, timeout=60) as client:
        for item in items:
            answer = ask(client, item, multipart=False, words=True)
            right["json"] += first(answer) == item.wanted
            if misses is not None and first(answer) != item.wanted:
                misses.append(miss(item, answer))
            answer = ask(client, item, multipart=True, words=True)
            right["multipart"] += first(answer) == item.wanted
            answer = ask(client, item, multipart=False, words=False)
            right["baseline"] += first(answer) == item.wanted
    return {k: v / max(1, len(items)) for k, v in right.items()}
