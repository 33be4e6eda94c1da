"""Ranking rules measured on real photographs (issue 25): of a bouquet's verified colour
variants the one whose cells *and* hue agree comes first."""

from __future__ import annotations

from vitrina.search.ranking import the_match
from vitrina.search.thresholds import Thresholds

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
