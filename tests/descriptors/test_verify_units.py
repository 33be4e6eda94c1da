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
from vitrina.descriptors.verify import GRID, LocalFeatures, shared_cells, verify
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
