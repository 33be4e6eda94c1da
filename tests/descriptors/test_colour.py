"""The colour descriptor names a bouquet's colour as a buyer would, and search ranks by it."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from sqlalchemy import insert
from sqlalchemy.orm import sessionmaker

from tests.support.recolour import warm_cast
from vitrina.catalog.models import Product, ProductImage
from vitrina.db import make_engine, write_session
from vitrina.descriptors.colour import (
    NAMES,
    colour_descriptor,
    colour_similarity,
    confident_colour,
    main_colour,
    pack_colour,
    unpack_colour,
)
from vitrina.descriptors.repository import (
    NewFeatures,
    colours,
    features_by_content,
    images_with_features,
    store_features,
)
from vitrina.images.regions import product_region
from vitrina.search.customer_photos import story, warm
from vitrina.search.ranking import ranking_score, the_match
from vitrina.search.thresholds import DEFAULTS
from vitrina.standin.photos import Bouquet, FlowerGroup, random_bouquet, render


def bouquet(kind: str, colour: str, wrap: str, wrap_colour: tuple[int, int, int]) -> Bouquet:
    """A one-flower bouquet of ``colour`` in ``wrap``, otherwise a drawn stand-in bouquet."""
    base = random_bouquet(random.Random(11))
    return replace(
        base,
        groups=(FlowerGroup(kind, colour, 15),),  # type: ignore[arg-type]
        wrap=wrap,  # type: ignore[arg-type]
        wrap_colour=wrap_colour,
        layout="dome",
        background=((246, 246, 243), (224, 224, 218)),
    )


KRAFT = (196, 160, 115)
PINK_ROSES = bouquet("rose", "pink", "kraft", KRAFT)


@pytest.mark.parametrize(
    ("flowers", "expected"),
    [
        (("rose", "pink", "kraft", KRAFT), "pink"),
        (("rose", "red", "paper", (40, 56, 96)), "red"),  # on navy paper
        (("chamomile", "white", "kraft", KRAFT), "white"),  # kraft is not orange
        (("tulip", "yellow", "basket", (168, 122, 72)), "yellow"),
        (("eustoma", "purple", "film", (232, 244, 250)), "purple"),
        (("chrysanthemum", "orange", "paper", (240, 188, 200)), "orange"),  # on pink paper
    ],
)
def test_a_shop_photo_is_named_by_its_flowers_not_its_wrapping(flowers, expected):
    photo = render(bouquet(*flowers), 0)
    assert main_colour(colour_descriptor(photo)) == expected


@pytest.mark.parametrize("seed", range(4))
def test_a_warm_light_photo_of_a_pink_bouquet_still_reads_pink(seed):
    photo = warm(render(PINK_ROSES, 0), random.Random(seed))
    assert main_colour(colour_descriptor(photo, query=True)) == "pink"


@pytest.mark.parametrize("seed", range(4))
def test_a_warm_light_photo_of_a_white_bouquet_reads_white_not_yellow(seed):
    white = render(bouquet("peony", "white", "paper", (246, 246, 246)), 0)
    photo = warm(white, random.Random(seed))
    assert main_colour(colour_descriptor(photo, query=True)) == "white"


@pytest.mark.parametrize(
    ("flowers", "expected"),
    [
        (("peony", "white", "paper", (246, 246, 246)), "white"),  # not yellow
        (("rose", "pink", "kraft", KRAFT), "pink"),  # not orange
        (("eustoma", "purple", "paper", (246, 246, 246)), "purple"),  # not pink
        (("hydrangea", "blue", "paper", (246, 246, 246)), "blue"),  # not yellow
        (("tulip", "yellow", "paper", (246, 246, 246)), "yellow"),  # still yellow
    ],
)
def test_a_shop_photo_taken_under_strong_warm_light_is_named_by_its_flowers(flowers, expected):
    """A catalog photo with an orange/yellow cast all over (a shop's second photo under a warm
    lamp) is named as its white-balanced twin, so ranking by the match's colour is not misled."""
    photo = warm_cast(render(bouquet(*flowers), 0))
    assert main_colour(colour_descriptor(photo)) == expected


def test_a_photo_whose_brightest_part_is_yellow_flowers_is_not_balanced_away():
    """Yellow flowers filling the photo are its brightest part, not a white under warm light."""
    close_up = Image.new("RGB", (200, 200), (60, 110, 40))
    draw = ImageDraw.Draw(close_up)
    for x in range(10, 200, 45):
        for y in range(10, 200, 45):
            draw.ellipse((x, y, x + 40, y + 40), fill=(250, 215, 40))
    assert main_colour(colour_descriptor(close_up)) == "yellow"


def flowers_before_the_sky(flower: tuple[int, int, int]) -> Image.Image:
    """Flowers on stems in a field, the sky above them (a shop's photo taken outdoors)."""
    rng = random.Random(0)
    photo = Image.new("RGB", (400, 400), (80, 140, 60))
    draw = ImageDraw.Draw(photo)
    for y in range(180):
        t = y / 180
        draw.line((0, y, 400, y), fill=(int(90 + 60 * t), int(150 + 50 * t), int(230 + 15 * t)))
    for _ in range(14):
        x, y, r = rng.randint(60, 340), rng.randint(100, 300), rng.randint(14, 26)
        draw.line((x, y, x + rng.randint(-10, 10), 400), fill=(60, 110, 40), width=4)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=flower)
    return photo


@pytest.mark.parametrize(
    ("flower", "expected"), [((200, 30, 40), "red"), ((240, 120, 30), "orange")]
)
def test_flowers_before_the_sky_are_named_by_the_flowers_not_the_sky(flower, expected):
    assert main_colour(colour_descriptor(flowers_before_the_sky(flower))) == expected


def test_warm_light_correction_never_warms_a_cold_photo():
    """A blue-lit photo is left as it is: only warm indoor light is corrected."""
    photo = np.asarray(render(PINK_ROSES, 0), dtype=np.float32)
    cold = Image.fromarray(np.clip(photo * [0.85, 1.0, 1.15], 0, 255).astype(np.uint8))
    assert np.allclose(colour_descriptor(cold, query=True), colour_descriptor(cold), atol=1e-6)


def test_the_story_frame_around_a_bouquet_does_not_colour_it():
    photo = story(render(PINK_ROSES, 0), random.Random(2))
    box = product_region(photo)
    assert box is not None
    crop = photo.crop((box.left, box.top, box.right, box.bottom))
    assert main_colour(colour_descriptor(crop, query=True)) == "pink"


def test_a_sticker_over_the_edge_of_a_story_photo_is_trimmed_off():
    frame = Image.new("RGB", (540, 960), (40, 90, 200))
    frame.paste(render(PINK_ROSES, 0).resize((400, 400)), (70, 300))
    ImageDraw.Draw(frame).ellipse((440, 400, 520, 480), fill=(250, 220, 30))  # over the right
    box = product_region(frame)
    assert box is not None
    assert abs(box.left - 70) <= 8 and abs(box.top - 300) <= 8
    assert abs(box.right - 470) <= 8 and abs(box.bottom - 700) <= 8


def test_the_same_colour_is_more_similar_than_another():
    red = colour_descriptor(render(bouquet("rose", "red", "kraft", KRAFT), 0))
    red_again = colour_descriptor(render(bouquet("tulip", "red", "paper", (246, 246, 246)), 1))
    purple = colour_descriptor(render(bouquet("rose", "purple", "kraft", KRAFT), 0))
    assert colour_similarity(red, red_again) > colour_similarity(red, purple) + 0.3
    assert confident_colour(red) == "red"


def test_a_red_query_ranks_a_red_bouquet_above_a_purple_one_of_the_same_shape():
    """The model sees the two as near twins (cosine within a few hundredths); colour decides."""
    thresholds = DEFAULTS["effnet-lite0"]
    red_photo = render(bouquet("rose", "red", "kraft", KRAFT), 1)
    query = colour_descriptor(warm(red_photo, random.Random(0)), query=True)
    red = colour_descriptor(render(bouquet("rose", "red", "kraft", KRAFT), 0))
    purple = colour_descriptor(render(bouquet("rose", "purple", "kraft", KRAFT), 0))
    clear = confident_colour(query)
    assert clear == "red"

    def score(cosine: float, stored: np.ndarray) -> float:
        same = main_colour(stored) == clear
        return ranking_score(cosine, colour_similarity(query, stored), same, thresholds)

    assert score(0.70, red) > score(0.75, purple)


@given(
    cosine=st.floats(-1, 1),
    colour=st.one_of(st.none(), st.floats(0, 1)),
    better=st.floats(0, 1),
    same=st.booleans(),
)
def test_ranking_score_never_prefers_less_agreement(cosine, colour, better, same):
    thresholds = DEFAULTS["effnet-lite0"]
    low = 0.0 if colour is None else min(colour, better)
    high = max(low, better)
    assert ranking_score(cosine, high, same, thresholds) >= ranking_score(
        cosine, low, same, thresholds
    )
    assert ranking_score(cosine, colour, True, thresholds) >= ranking_score(
        cosine, colour, False, thresholds
    )


@given(st.lists(st.floats(0, 1), min_size=len(NAMES), max_size=len(NAMES)))
def test_stored_descriptor_round_trips(values):
    descriptor = np.asarray(values, dtype=np.float32)
    back = unpack_colour(pack_colour(descriptor))
    assert back is not None
    assert np.allclose(back, descriptor, atol=1e-3)


def test_features_of_the_old_descriptor_are_described_again_not_mixed(sqlite_url):
    """Photos indexed before this descriptor (a 78-byte hue histogram) read as unknown colour
    and are left for the next reindex to describe again; their bytes are never reused."""
    engine = make_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(
            insert(Product),
            [{"id": 1, "shop_id": 1, "name": "Розы", "price": 500000, "enabled": True,
              "type": "vitrina", "image": "https://shop.example/1.jpg", "source_payload": {}}],
        )  # fmt: skip
        conn.execute(
            insert(ProductImage),
            [
                {"id": i, "product_id": 1, "position": i, "url": f"https://shop.example/{i}.jpg",
                 "is_primary": i == 1}
                for i in (1, 2)
            ],
        )  # fmt: skip
    fresh = pack_colour(colour_descriptor(render(PINK_ROSES, 0)))
    old = np.full(39, 1 / 39, dtype="<f2").tobytes()
    sessions = sessionmaker(engine)
    with write_session(sessions) as session:
        store_features(
            session, [NewFeatures(1, "new", fresh, b"k"), NewFeatures(2, "old", old, b"k")]
        )
    with sessions() as session:
        assert images_with_features(session, [1, 2]) == {1}
        assert set(colours(session, [1, 2])) == {1}
    assert set(features_by_content(sessions, ["new", "old"])) == {"new"}


EXACT = DEFAULTS["effnet-lite0"]


# A customer's photo lies well under a near-duplicate's cosine.
PHOTO = 0.8


def test_of_two_colour_variants_that_verify_the_closer_colour_is_first_and_exact():
    # (inliers, colour cells agreeing, colour names, cosine, hue agreeing) of the pink and the white variant
    assert the_match([(140, 0.6, 0.5, PHOTO, 1.0), (150, 0.95, 0.9, PHOTO, 1.0)], EXACT) == (
        [1],
        True,
    )
    # White and pale pink peonies pass the colour cells alike; the names tell them apart.
    assert the_match([(150, 1.0, 0.95, PHOTO, 1.0), (140, 0.99, 0.55, PHOTO, 1.0)], EXACT) == (
        [0],
        True,
    )


def test_when_two_colours_fit_the_photo_alike_neither_is_exact():
    match, exact = the_match([(150, 0.95, None, PHOTO, 1.0), (140, 0.93, None, PHOTO, 1.0)], EXACT)
    assert match == [0]  # still first: it is this arrangement, in one of its colours
    assert not exact


def test_the_shops_own_photo_is_exact_whatever_colours_of_it_fit_alike():
    """A near-duplicate of one variant's photo is that variant, not a tie between colours."""
    found = [
        (150, 0.95, None, 0.93, 1.0),
        (160, 0.97, None, 0.999, 1.0),
        (150, 0.96, None, 0.95, 1.0),
    ]
    assert the_match(found, EXACT) == ([1], True)
    # ... but only when its colours pass: a recoloured copy is no near-duplicate's twin.
    assert the_match([(150, 0.5, None, 0.99, 1.0), (150, 0.96, None, 0.9, 1.0)], EXACT) == (
        [0],
        False,
    )


def test_a_geometric_match_whose_colours_disagree_is_first_but_not_exact():
    """A recoloured copy, or a screen photo washed out by glare: the arrangement is found."""
    assert the_match([(9, 0.9, 0.9, PHOTO, 1.0), (90, 0.3, 0.2, PHOTO, 1.0)], EXACT) == ([1], False)


def test_a_match_whose_cells_agree_but_whose_hue_does_not_is_first_but_not_exact():
    """A recoloured variant with the product itself absent: leaves and wrap agree cell for
    cell, the flowers' hue does not."""
    assert the_match([(150, 0.95, None, PHOTO, 0.3)], EXACT) == ([0], False)
    assert the_match([(150, 0.95, None, PHOTO, 1.0)], EXACT) == ([0], True)


def test_products_sharing_one_photo_are_exact_together():
    shared = (120, 0.97, 0.9, PHOTO, 1.0)
    assert the_match([shared, shared, (60, 0.5, 0.4, PHOTO, 1.0)], EXACT) == ([0, 1], True)
    copy = (120, 0.97, 0.9, 0.999, 1.0)
    assert the_match([copy, copy, (60, 0.5, 0.4, PHOTO, 1.0)], EXACT) == ([0, 1], True)


def test_a_far_weaker_look_alike_is_no_rival():
    assert the_match([(150, 0.9, 0.9, PHOTO, 1.0), (20, 0.95, 0.9, PHOTO, 1.0)], EXACT) == (
        [0],
        True,
    )
    assert the_match([(5, 1.0, 1.0, 1.0, 1.0)], EXACT) == ([], False)


checks = st.tuples(
    st.integers(0, 400),
    st.floats(0, 1),
    st.one_of(st.none(), st.floats(0, 1)),
    st.floats(0, 0.98),  # customers' photos, no near-duplicates
    st.floats(0, 1),
)


@given(st.lists(checks, min_size=1, max_size=8), checks)
def test_a_colour_variant_that_fits_as_well_takes_exact_away(found, rival):
    """Whatever the candidates, an exact match stays exact only while no other product of
    comparable strength agrees as well in colour (and is not the same photo)."""
    match, exact = the_match(found, EXACT)
    assert all(found[k][0] >= EXACT.min_inliers for k in match)
    if not exact:
        return
    inliers, agreement, names, cosine, hue = found[match[0]]
    twin = (max(inliers + 1, EXACT.min_inliers), agreement, names, cosine, hue)  # another photo
    assert the_match([*found, twin], EXACT)[1] is False


@given(st.lists(checks, max_size=8), st.integers(0, 400), st.floats(0, 1), st.floats(0, 1))
def test_a_near_duplicate_that_passes_is_exact_whatever_else_verifies(
    others, inliers, agreement, hue
):
    """The shop's own photo searched as it is: no colour variant takes its exact match away."""
    copy = (max(inliers, EXACT.min_inliers) + 400, agreement, None, 0.999, hue)
    match, exact = the_match([*others, copy], EXACT)
    assert match == [len(others)]
    assert exact == (agreement >= EXACT.colour_agree and hue >= EXACT.hue_agree)
