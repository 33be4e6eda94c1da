"""The others ranked by the matched product's colour (issue 25): the pure pieces."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from vitrina.descriptors.colour import NAMES, main_colour, similarities
from vitrina.search.ranking import Candidate, colours_of_the_match, rank_by_the_match
from vitrina.search.thresholds import DEFAULTS
from vitrina.vectors.base import Hit

SHIPPED = DEFAULTS["effnet-lite0"]


def named(colour: str, share: float = 0.8) -> np.ndarray:
    """A descriptor with ``share`` of ``colour`` and the rest green (leaves)."""
    descriptor = np.zeros(len(NAMES), np.float32)
    descriptor[NAMES.index(colour)] = share
    descriptor[NAMES.index("green")] = 1.0 - share
    return descriptor


descriptors = st.lists(st.floats(0.0, 1.0), min_size=len(NAMES), max_size=len(NAMES)).map(
    lambda v: np.asarray(v, np.float32) / max(sum(v), 1e-3)
)


@given(descriptors, st.lists(st.none() | descriptors, max_size=8))
def test_each_candidate_is_named_by_the_matchs_colour_or_unknown(match, stored):
    found = colours_of_the_match(match, stored)
    assert len(found) == len(stored)
    for descriptor, (agreement, same) in zip(stored, found, strict=True):
        if descriptor is None:
            assert (agreement, same) == (None, False)
        else:
            assert agreement == float(similarities(match, descriptor[None, :])[0])
            assert same == (main_colour(descriptor) == main_colour(match))


def test_a_pink_match_names_pink_bouquets_alike_and_purple_ones_not():
    found = colours_of_the_match(named("pink"), [named("pink", 0.6), named("purple"), None])
    assert found[0][1] and not found[1][1]
    assert found[0][0] is not None and found[1][0] is not None
    assert found[0][0] > 0.99 > found[1][0]


def candidate(product_id: int, similarity: float, colour: str | None) -> Candidate:
    stored = None if colour is None else named(colour)
    return Candidate(Hit(product_id * 10, product_id, similarity), catalog_colour=stored)


def test_the_others_follow_the_match_and_the_match_stays_first():
    """The query read purple (purple bouquets scored ahead); the match is pink."""
    found = [
        candidate(1, 0.70, "pink"),  # the match, put first by verification
        candidate(2, 0.65, "purple"),
        candidate(3, 0.64, "purple"),
        candidate(4, 0.60, "pink"),
        candidate(5, 0.62, None),
    ]
    rank_by_the_match(found, {1}, SHIPPED)
    assert [c.hit.product_id for c in found] == [1, 4, 5, 2, 3]


def test_nothing_moves_without_a_match_or_without_its_colour():
    found = [candidate(1, 0.7, "pink"), candidate(2, 0.6, "purple"), candidate(3, 0.5, "pink")]
    for front in (set(), {9}):
        rank_by_the_match(found, front, SHIPPED)
        assert [c.hit.product_id for c in found] == [1, 2, 3]
    found[1].catalog_colour = None
    rank_by_the_match(found, {2}, SHIPPED)
    assert [c.hit.product_id for c in found] == [1, 2, 3]


@given(
    st.lists(
        st.tuples(st.floats(-1.0, 1.0), st.sampled_from([None, "pink", "purple", "red", "white"])),
        min_size=1,
        max_size=10,
    ),
    st.data(),
)
def test_the_match_is_first_and_the_rest_best_score_first(rows, data):
    found = [candidate(k + 1, s, colour) for k, (s, colour) in enumerate(rows)]
    front = {data.draw(st.sampled_from([c.hit.product_id for c in found]))}
    found.sort(key=lambda c: c.hit.product_id in front, reverse=True)  # as verification puts it
    before = [c.hit.product_id for c in found]
    rank_by_the_match(found, front, SHIPPED)
    assert found[0].hit.product_id in front
    if found[0].catalog_colour is None:  # nothing to name the others by: nothing moves
        assert [c.hit.product_id for c in found] == before
    else:
        rest = [c.score for c in found[1:]]
        assert rest == sorted(rest, reverse=True)
