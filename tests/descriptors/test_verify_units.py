"""The pure parts of verified matching: the stored format, the colour check, the region finder."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.support.photos import sample_photos
from tests.support.recolour import warm_cast
from vitrina.descriptors.features import describe_catalog_photo, describe_query_photo
from vitrina.descriptors.verify import (
    BACKGROUND,
    GAIN_RANGE,
    GRID,
    SAME_CELL,
    LocalFeatures,
    shared_cells,
    shared_cells_each,
    verify,
)
from vitrina.images.regions import product_region
from vitrina.search.customer_photos import recoloured, warm
from vitrina.search.thresholds import DEFAULTS
from vitrina.standin.photos import KIND_COLOURS, random_bouquet, render

EXACT = DEFAULTS["effnet-lite0"]
BOUQUET = render(random_bouquet(random.Random(3)), 0)
STORED = describe_catalog_photo(BOUQUET.resize((320, 320)))


@settings(max_examples=50, deadline=None)
@given(n=st.integers(0, 300), width=st.integers(1, 2000), height=st.integers(1, 2000))
def test_stored_features_round_trip(n, width, height):
    rng = np.random.default_rng(n)
    features = LocalFeatures(
        rng.uniform(0, 320, (n, 2)).astype(np.float32),
        rng.integers(0, 256, (n, 32), dtype=np.uint8),
        rng.integers(0, 256, (GRID, GRID, 3), dtype=np.uint8),
        (width, height),
    )
    back = LocalFeatures.unpack(features.pack())
    assert back.size == (width, height)
    assert np.array_equal(back.descriptors, features.descriptors)
    assert np.array_equal(back.grid, features.grid)
    assert np.allclose(back.points, features.points, atol=0.25)


def test_warm_light_agrees_but_a_recolour_does_not():
    warm_query = describe_query_photo(warm(BOUQUET, random.Random(1)))
    matched = verify(warm_query.features, STORED.features)
    assert matched.inliers >= 40
    assert matched.colour_agreement >= EXACT.colour_agree
    recolour_query = describe_query_photo(recoloured(BOUQUET, random.Random(1)))
    recolour = verify(recolour_query.features, STORED.features)
    assert recolour.inliers >= EXACT.min_inliers  # the shapes are the same bouquet's...
    assert recolour.colour_agreement < EXACT.colour_agree  # ...the colours are not


def test_another_photo_does_not_verify():
    other = describe_query_photo(sample_photos()["chelsea"])
    assert verify(other.features, STORED.features).inliers < EXACT.min_inliers


@pytest.mark.parametrize("light", ["as shot", "warm lamp"])
def test_a_colour_variant_shares_more_cells_than_another_bouquet(light):
    """How words find «the same, but white» when only the photographed colour verifies. A shop
    photographs each colour on its own day: a variant under a warm lamp is still recognised as
    the bouquet's variant (every cell shifted alike), not a stranger."""
    rng = random.Random(11)
    bouquets = [random_bouquet(rng) for _ in range(8)]
    stored = [describe_catalog_photo(render(b, 0)).features for b in bouquets]
    for n, bouquet in enumerate(bouquets):
        main = bouquet.groups[0]
        other = next((c for c in KIND_COLOURS[main.kind] if c != main.colour), None)
        if other is None:
            continue
        variant = render(replace(bouquet, groups=(replace(main, colour=other), *bouquet.groups[1:])))
        seen = describe_catalog_photo(warm_cast(variant) if light == "warm lamp" else variant)
        strangers = [shared_cells(seen.features, s) for k, s in enumerate(stored) if k != n]
        assert shared_cells(stored[n], stored[n]) == 1.0
        assert shared_cells(seen.features, stored[n]) > max(strangers), (main, other)


def test_region_is_the_photo_inside_a_story_frame():
    frame = Image.new("RGB", (540, 960), (250, 120, 170))
    frame.paste(BOUQUET.resize((400, 400)), (70, 300))
    box = product_region(frame)
    assert box is not None
    assert abs(box.left - 70) <= 8 and abs(box.top - 300) <= 8
    assert abs(box.right - 470) <= 8 and abs(box.bottom - 700) <= 8


def test_a_plain_photo_has_no_separate_region():
    assert product_region(sample_photos()["coffee"]) is None
    assert product_region(BOUQUET) is None


def _one_pair(first: np.ndarray, second: np.ndarray) -> float:
    """The share of product cells alike, one pair at a time, written out plainly (the oracle)."""

    def product(grid: np.ndarray) -> np.ndarray:
        edge = np.concatenate([grid[0], grid[-1], grid[:, 0], grid[:, -1]])
        return np.linalg.norm(grid - np.median(edge, axis=0), axis=2) > BACKGROUND

    first, second = first.astype(np.float32), second.astype(np.float32)
    cells = product(first) | product(second)
    if not cells.any():
        return 0.0
    gains = np.clip(np.median((first[cells] + 8.0) / (second[cells] + 8.0), axis=0), *GAIN_RANGE)
    return max(
        float(((np.linalg.norm(first - seen, axis=2) < SAME_CELL) & cells).sum() / cells.sum())
        for seen in (second, (second + 8.0) * gains - 8.0)
    )


grids = st.builds(
    lambda seed, flat: (
        np.full((GRID, GRID, 3), 200, np.uint8)
        if flat
        else np.random.default_rng(seed).integers(0, 256, (GRID, GRID, 3), dtype=np.uint8)
    ),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)


@settings(max_examples=50, deadline=None)
@given(mine=grids, theirs=st.lists(grids, min_size=1, max_size=5))
def test_shared_cells_of_many_photos_at_once_are_each_pair_s(mine, theirs):
    """A search with colour words compares one product's photos with a hundred others' at once;
    each share must be what the pair alone gives."""
    features = LocalFeatures(
        np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), mine, (1, 1)
    )
    found = shared_cells_each(features, np.stack(theirs))
    assert found == pytest.approx([_one_pair(mine, t) for t in theirs], abs=1e-9)
