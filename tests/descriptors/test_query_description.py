"""A customer's photo described lazily: the same colours and local features as described at once.

Search ranks every query by its colours and verifies only some: the query's ORB features are
computed when verification first reads them (``QueryDescription``). Whatever is read must be
what the eager description gave: colours from one shared thumbnail, features from the region.
"""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from vitrina.descriptors.colour import colour_descriptor, colour_thumbnail
from vitrina.descriptors.features import describe_query_photo
from vitrina.descriptors.verify import QUERY_KEYPOINTS, local_features
from vitrina.search.customer_photos import story, warm
from vitrina.standin.photos import random_bouquet, render


def photo(seed: int, width: int, height: int, style: int) -> Image.Image:
    """A generated bouquet at ``width`` x ``height``, plain, as a story or under warm light."""
    rng = random.Random(seed)
    image = render(random_bouquet(rng), seed % 3, 240).resize((width, height))
    if style == 1:
        return story(image, rng)
    if style == 2:
        return warm(image, rng)
    return image


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(40, 700),
    st.integers(40, 700),
    st.integers(0, 2),
)
def test_lazy_description_reads_what_the_eager_one_computed(
    seed: int, width: int, height: int, style: int
) -> None:
    image = photo(seed, width, height, style)
    described = describe_query_photo(image)
    np.testing.assert_array_equal(described.colour, colour_descriptor(image, query=True))
    np.testing.assert_array_equal(described.as_taken, colour_descriptor(image))
    assert not described.features_computed
    eager = local_features(image, keypoints=QUERY_KEYPOINTS, query=True)
    lazy = described.features
    assert described.features_computed
    assert described.features is lazy  # computed once
    np.testing.assert_array_equal(lazy.points, eager.points)
    np.testing.assert_array_equal(lazy.descriptors, eager.descriptors)
    np.testing.assert_array_equal(lazy.grid, eager.grid)
    assert lazy.pixels is not None and eager.pixels is not None
    np.testing.assert_array_equal(lazy.pixels, eager.pixels)
    assert lazy.size == eager.size


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 900), st.integers(1, 900), st.sampled_from(["RGB", "L", "RGBA", "P"]))
def test_a_thumbnail_describes_as_its_photo(width: int, height: int, mode: str) -> None:
    """Describing the thumbnail equals describing the photo, whatever its size and mode."""
    rng = np.random.default_rng(width * 1000 + height)
    pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    image = Image.fromarray(pixels).convert(mode)
    thumbnail = colour_thumbnail(image)
    for query in (False, True):
        np.testing.assert_array_equal(
            colour_descriptor(thumbnail, query=query), colour_descriptor(image, query=query)
        )
