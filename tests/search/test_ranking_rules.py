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


def test_a_variant_of_a_bouquet_the_catalog_lacks_is_not_exact_where_the_variants_differ():
    """The red bouquet photographed, only its pink, blue and yellow variants listed: the pink
    one agrees best (its name is nearest) and passes on all its cells (leaves, wrap and room
    agree cell for cell), but where the variants differ — the flowers — it does not agree."""
    pink, blue, yellow = (
        (108, 0.94, 0.9, 0.93, 0.93),
        (151, 0.9, 0.5, 0.93, 0.84),
        (
            105,
            0.95,
            0.6,
            0.93,
            0.88,
        ),
    )
    where = {(0, 1): 0.0, (0, 2): 0.14, (1, 0): 0.0, (1, 2): 0.0, (2, 0): 0.15, (2, 1): 0.2}
    assert the_match([pink, blue, yellow], EXACT) == ([0], True)  # the hue over every cell
    assert the_match([pink, blue, yellow], EXACT, lambda k, o: where[k, o]) == ([0], False)


def test_the_bouquet_photographed_is_exact_where_its_variants_differ():
    product, pink = (165, 1.0, 1.0, 0.99, 1.0), (108, 0.94, 0.9, 0.93, 0.93)
    where = {(0, 1): 1.0, (1, 0): 0.3}
    assert the_match([product, pink], EXACT, lambda k, o: where[k, o]) == ([0], True)
    # Variants that cannot be compared there (no common frame, no differing cells): as before.
    assert the_match([product, pink], EXACT, lambda k, o: None) == ([0], True)


def test_a_lone_match_keeps_the_hue_over_all_its_cells():
    def never(k: int, other: int) -> float | None:
        raise AssertionError("a lone match has no variant to compare")

    assert the_match([(108, 0.94, None, 0.93, 0.93)], EXACT, never) == ([0], True)
    assert the_match([(108, 0.94, None, 0.93, 0.5)], EXACT, never) == ([0], False)


@given(
    agreements=st.lists(st.floats(0.0, 1.0) | st.none(), min_size=1, max_size=7),
    hue=st.floats(0.0, 1.0),
)
def test_where_the_variants_differ_the_least_agreement_decides(agreements, hue):
    """The match is exact only when it agrees where it differs from every variant it can be
    compared with; when none can be, its hue over all cells decides."""
    match = (200, 1.0, None, 0.95, hue)
    others = [(150, 0.5, None, 0.9, 0.4) for _ in agreements]
    exact = the_match([match, *others], EXACT, lambda k, o: agreements[o - 1] if k == 0 else 0.0)
    known = [a for a in agreements if a is not None]
    assert exact == ([0], (min(known) if known else hue) >= EXACT.hue_agree)


def test_two_variants_agreeing_alike_where_they_differ_are_neither_exact():
    """A washed-out photo that fits white and pale pink peonies alike where they differ."""
    white, pink = (150, 0.95, None, 0.93, 0.95), (150, 0.93, None, 0.93, 0.95)
    assert the_match([white, pink], EXACT, lambda k, o: 0.9) == ([0], False)
    # Told apart where they differ, though the cells agree alike: the one agreeing there.
    assert the_match([white, pink], EXACT, lambda k, o: 0.9 if k == 0 else 0.1) == ([0], True)


def test_variants_verifying_with_the_same_inliers_and_cells_are_not_one_photo():
    """A tilted photo of a real dahlia: its red product and the orange variant (a recolour keeps
    the photo's keypoints) verify with 59 inliers and every cell agreeing, the hue 1.0 and 0.61.
    They are two colours, told apart where they differ, not products sharing a photo."""
    red, orange = (59, 1.0, 1.0, 0.888, 1.0), (59, 1.0, 0.92, 0.868, 0.61)
    where = {(0, 1): 1.0, (1, 0): 0.12}
    assert the_match([red, orange], EXACT, lambda k, o: where[k, o]) == ([0], True)
    assert the_match([orange, red], EXACT, lambda k, o: where[1 - k, 1 - o]) == ([1], True)
    # Products sharing one photo verify identically, hue and all: the match together.
    assert the_match([red, red], EXACT, lambda k, o: None) == ([0, 1], True)
