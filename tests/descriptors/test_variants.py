"""Judging colour variants where they differ (issue 25): cells the variants share (leaves, wrap,
room) say nothing about which colour the customer has; the flowers, where they differ, do."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.bouquet import small_flowered_bouquet
from tests.support.recolour import colour_variant
from vitrina.descriptors.variants import apart, variant_agreement
from vitrina.descriptors.verify import QUERY_KEYPOINTS, local_features, verify

# Flower colours far apart in hue, as shops sell one arrangement in.
FLOWERS = {
    "red": (200, 30, 45),
    "pink": (235, 125, 175),
    "yellow": (240, 205, 40),
    "blue": (50, 90, 210),
    "purple": (125, 50, 160),
    "orange": (240, 125, 30),
    "white": (240, 240, 235),
}


@st.composite
def arrangements(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cells of one arrangement in three colours (the product, two variants): the same leaves,
    wrap and room everywhere, the flowers on 10-40 % of the cells, each in its colour."""
    cells = draw(st.integers(40, 300))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    shared = rng.uniform(25, 200, (cells, 3)).astype(np.float32)
    flowers = np.zeros(cells, bool)
    flowers[rng.permutation(cells)[: round(cells * draw(st.floats(0.1, 0.4)))]] = True
    names = draw(st.permutations(sorted(FLOWERS)))[:3]
    shading = rng.uniform(0.85, 1.0, (cells, 1))
    photos = []
    for name in names:
        photo = shared.copy()
        photo[flowers] = (np.array(FLOWERS[name]) * shading[flowers]).astype(np.float32)
        photos.append(photo)
    return photos[0], photos[1], photos[2], flowers


def warm_light(photo: np.ndarray, red: float, blue: float) -> np.ndarray:
    return np.clip(photo * np.array([red, 1.0, blue], np.float32), 0, 255).astype(np.float32)


@settings(max_examples=200, deadline=None)
@given(arrangement=arrangements(), red=st.floats(1.0, 1.15), blue=st.floats(0.8, 1.0))
def test_the_photographed_colour_agrees_where_the_variants_differ_and_no_other_does(
    arrangement, red, blue
):
    product, variant, other, _ = arrangement
    query = warm_light(product, red, blue)  # the product, under warm light
    assert variant_agreement(query, product, variant) >= 0.9
    assert variant_agreement(query, product, other) >= 0.9
    # The product absent: neither variant agrees where they differ from each other or from it.
    assert variant_agreement(query, variant, other) <= 0.2
    assert variant_agreement(query, variant, product) <= 0.2
    assert variant_agreement(query, other, variant) <= 0.2


@settings(max_examples=100, deadline=None)
@given(arrangement=arrangements())
def test_variants_that_do_not_differ_say_nothing(arrangement):
    """A recolour that moved nothing, or two products sharing one photo: no cells to judge."""
    product, _, _, _ = arrangement
    assert variant_agreement(product, product, product.copy()) is None


def test_the_shared_cells_alone_would_pass_a_variant():
    """What the hue over all cells cannot see: with the flowers a tenth of the cells, a variant
    agrees on nine cells of ten; where it differs from the product, on none."""
    rng = np.random.default_rng(7)
    shared = rng.uniform(40, 200, (200, 3)).astype(np.float32)
    flowers = np.arange(200) < 20
    red, pink = shared.copy(), shared.copy()
    red[flowers], pink[flowers] = FLOWERS["red"], FLOWERS["pink"]
    assert variant_agreement(red, pink, red) == 0.0
    assert variant_agreement(red, red, pink) == 1.0


def test_variants_photographed_apart_are_compared_point_for_point():
    """Laid over from one query, a variant photographed at another scale and place is read
    where the homographies put the same point of the query: the product agrees there, the
    variant does not."""
    product = small_flowered_bouquet()
    pink = colour_variant(product, "pink")
    # The pink one photographed closer and to the side: a crop, at the stored size.
    width, height = pink.size
    reframed = pink.crop((40, 20, width - 10, height - 60))
    query = local_features(product, keypoints=QUERY_KEYPOINTS, query=True)
    own = verify(query, local_features(product)).overlay
    other = verify(query, local_features(reframed)).overlay
    assert own is not None and other is not None
    assert (apart(own, other) or 0.0) >= 0.9
    assert (apart(other, own) or 1.0) <= 0.2
    # From another feature set of the query (another frame), they cannot be compared.
    mirrored = local_features(product, keypoints=QUERY_KEYPOINTS, query=True)
    elsewhere = verify(mirrored, local_features(product)).overlay
    assert elsewhere is not None and apart(elsewhere, other) is None
