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


def _first(answer: httpx.Response) -> int | None:
    answer.raise_for_status()
    results = answer.json()["results"]
    return results[0]["product_id"] if results else None


def ask(client: httpx.Client, item: WordsCase, *, multipart: bool, words: bool) -> int | None:
    """The product the live server puts first for this photo (with or without its words)."""
    if multipart:
        form = {"top_k": "10", **({"text": item.text} if words else {})}
        files = {"file": ("photo.jpg", item.case.data, "image/jpeg")}
        return _first(client.post("/api/v1/search/upload", data=form, files=files))
    body = {"image_base64": base64.b64encode(item.case.data).decode(), "top_k": 10}
    if words:
        body["text"] = item.text
    return _first(client.post("/api/v1/search", json=body))


def words_row(base: str, items: Sequence[WordsCase]) -> dict[str, float]:
    """Share of queries whose wanted variant comes first: JSON and multipart with words, and
    the same photos without words (the baseline)."""
    right = {"json": 0, "multipart": 0, "baseline": 0}
    with httpx.Client(base_url=base, timeout=60) as client:
        for item in items:
            right["json"] += ask(client, item, multipart=False, words=True) == item.wanted
            right["multipart"] += ask(client, item, multipart=True, words=True) == item.wanted
            right["baseline"] += ask(client, item, multipart=False, words=False) == item.wanted
    return {k: v / max(1, len(items)) for k, v in right.items()}
