"""Which photo stands for a product in the ranking: the query photo itself, whatever the colours
say (a warm-cast shop photo, cut to a region by the query's framing, read its colours nearer the
product's plain photo, which then stood for it at cosine 0.95 instead of itself at 1.0)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from vitrina.search.ranking import NEAR_DUPLICATE, Candidate, represents
from vitrina.vectors.base import Hit


def candidate(image_id: int, similarity: float, score: float) -> Candidate:
    return Candidate(Hit(image_id, 1, similarity), score=score)


def test_the_query_photo_itself_stands_for_its_product_against_a_better_coloured_twin():
    itself = candidate(2, 1.0, 0.6)  # colours penalised: the query's region read warmer
    plain = candidate(1, 0.95, 1.1)  # the same bouquet's plain photo, colours agree
    assert max([plain, itself], key=represents) is itself


def test_without_a_near_duplicate_the_best_score_stands_for_the_product():
    near = candidate(1, NEAR_DUPLICATE - 0.01, 0.7)
    better = candidate(2, 0.9, 0.9)
    assert max([near, better], key=represents) is better


@given(st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(-2.0, 2.0)), min_size=1, max_size=8))
def test_the_chosen_photo_is_a_near_duplicate_whenever_one_exists(photos):
    candidates = [candidate(k, s, score) for k, (s, score) in enumerate(photos)]
    chosen = max(candidates, key=represents)
    duplicates = [c for c in candidates if c.similarity >= NEAR_DUPLICATE]
    if duplicates:
        assert chosen.similarity >= NEAR_DUPLICATE
        assert chosen.score == max(c.score for c in duplicates)
    else:
        assert chosen.score == max(c.score for c in candidates)
