"""Ranking rules measured on real photographs (issue 25): colour re-ranks look-alikes but does
not bury the photo clearly nearest in shape, and of a bouquet's verified colour variants the
one whose cells *and* hue agree comes first."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from vitrina.search.ranking import (
    CLEAR_LEAD,
    clear_nearest,
    ranking_score,
    ranking_scores,
    the_match,
)
from vitrina.search.thresholds import DEFAULTS, Thresholds

SHIPPED = DEFAULTS["effnet-lite0"]


@dataclass(frozen=True)
class Found:
    similarity: float
    colour: float | None
    same_colour: bool = False


def test_another_photo_of_a_bouquet_clearly_nearest_in_shape_is_not_buried_by_colour():
    """White daisies beside a red box, photographed again: the nearest photo by far, but its
    colours read 0.49 alike, and look-alikes of the query's colour crowded it out of the top 20."""
    found = [
        Found(0.800, 0.491),  # its bouquet
        Found(0.609, 0.535),
        Found(0.574, 0.796, True),
        Found(0.494, 0.994, True),  # another bouquet, of the colour the query reads as
        Found(0.453, 0.976, True),
    ]
    scores = ranking_scores(found, SHIPPED)
    assert max(range(len(found)), key=scores.__getitem__) == 0
    # Without the lead, colour decides among the look-alikes as before.
    near = [Found(0.800, 0.491), Found(0.760, 0.99, True)]
    assert ranking_scores(near, SHIPPED) == [
        ranking_score(f.similarity, f.colour, f.same_colour, SHIPPED) for f in near
    ]
    assert ranking_scores(near, SHIPPED)[1] > ranking_scores(near, SHIPPED)[0]


found_lists = st.lists(
    st.builds(
        Found,
        st.floats(-1.0, 1.0),
        st.one_of(st.none(), st.floats(0.0, 1.0)),
        st.booleans(),
    ),
    max_size=8,
)


@given(found_lists)
def test_only_a_clear_lead_in_shape_waives_colour_and_only_for_the_leader(found):
    scores = ranking_scores(found, SHIPPED)
    clear = clear_nearest([f.similarity for f in found])
    for k, (f, score) in enumerate(zip(found, scores, strict=True)):
        plain = ranking_score(f.similarity, f.colour, f.same_colour, SHIPPED)
        if k == clear:
            assert score == ranking_score(f.similarity, 1.0, f.same_colour, SHIPPED)
            assert all(f.similarity - o.similarity >= CLEAR_LEAD for o in found if o is not f)
        else:
            assert score == plain


@given(found_lists, st.floats(0.0, 2.0), st.floats(0.0, 0.5))
def test_the_clear_leader_outranks_every_candidate_colour_cannot_lift_past_it(found, weight, gate):
    """Colour can only move a candidate up by the gate, so the clear leader stays above all
    whose cosine plus the gate is below its own: nothing far in shape is put over it."""
    thresholds = Thresholds(0.5, 0.3, 18, 0.9, weight, gate, 0.8)
    scores = ranking_scores(found, thresholds)
    clear = clear_nearest([f.similarity for f in found])
    if clear is None:
        return
    for k, f in enumerate(found):
        if k != clear and f.similarity + gate * f.same_colour < found[clear].similarity:
            assert scores[clear] > scores[k]


# (inliers, cell agreement, colour-name similarity, cosine, hue agreement) of real photographs
EXACT = Thresholds(0.5, 0.3, 14, 0.6, 1.5, 0.2, 0.85)


def test_a_variant_agreeing_a_hundredth_better_in_cells_but_not_in_hue_does_not_come_first():
    """A story frame of a real bouquet: its product and a recoloured variant both verify; the
    variant's cells agree as well (leaves, wrap, background), its hue does not."""
    product = (148, 0.970, 1.0, 0.974, 0.96)
    variant = (97, 0.972, 0.909, 0.939, 0.53)
    assert the_match([product, variant], EXACT)[0] == [0]
    assert the_match([variant, product], EXACT)[0] == [1]


def test_when_hue_agrees_alike_the_cells_still_decide():
    assert the_match([(150, 0.90, None, 0.9, 0.95), (150, 0.97, None, 0.9, 0.95)], EXACT)[0] == [1]
