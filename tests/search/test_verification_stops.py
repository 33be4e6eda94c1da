"""Verification that stops early gives the answer of checking every candidate in every pass.

Constructed candidate lists: each candidate's outcome per feature set (inliers, ratio-test
matches, colour and hue agreement), checked by the early-stopping flow and by the flow it
replaced (every leading candidate, every pass until a strong match whose colours pass).
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from vitrina.descriptors.verify import Verification
from vitrina.search.ranking import INLIER_SHARE, STRONG, Candidate, check_of, passes
from vitrina.search.thresholds import DEFAULTS
from vitrina.search.verification import Check, Need, check_passes, put_first
from vitrina.vectors.base import Hit

EXACT = DEFAULTS["effnet-lite0"]  # 18 inliers: 36 end the passes, 40 % of the strongest
Outcome = tuple[int, int, float, float]  # inliers, matches, colour agreement, hue agreement


def checked(outcome: Outcome, enough: int) -> Verification:
    """What :func:`verify` answers for ``outcome``: below ``enough`` matches, no homography;
    below ``enough`` inliers, no colours."""
    inliers, found, colour, hue = outcome
    if found < max(8, enough):
        return Verification(0, found)
    if inliers < enough:
        return Verification(inliers, found)
    return Verification(inliers, found, colour, hue)


@st.composite
def outcomes(draw: st.DrawFn) -> Outcome:
    inliers = draw(st.sampled_from([0, 9, 17, 18, 19, 25, 35, 36, 37, 45, 60, 90, 91, 150, 220]))
    found = inliers + draw(st.sampled_from([0, 1, 4, 20, 60, 140]))
    agreement = draw(st.sampled_from([0.0, 0.85, 0.9, 0.93, 1.0]))
    hue = draw(st.sampled_from([0.5, 0.8, 1.0]))
    return (inliers if found >= 8 else 0), found, agreement, hue


@st.composite
def searches(
    draw: st.DrawFn,
) -> tuple[list[tuple[float, float | None, float]], list[list[Outcome]]]:
    """Leading candidates nearest first (cosine, colour-name similarity, score), and each
    one's outcome in each of one to three passes."""
    n = draw(st.integers(1, 8))
    cosines = sorted(
        draw(st.lists(st.sampled_from([1.0, 0.99, 0.985, 0.9, 0.7]), min_size=n, max_size=n)),
        reverse=True,
    )
    leading = [
        (
            cosine,
            draw(st.sampled_from([None, 0.3, 0.9])),
            draw(st.sampled_from([0.2, 0.5, 0.9, 1.2])),
        )
        for cosine in cosines
    ]
    rounds = draw(st.integers(1, 3))
    return leading, [[draw(outcomes()) for _ in range(n)] for _ in range(rounds)]


def fresh(leading: list[tuple[float, float | None, float]]) -> list[Candidate]:
    return [
        Candidate(Hit(k + 1, k + 1, cosine), colour=colour, score=score)
        for k, (cosine, colour, score) in enumerate(leading)
    ]


def every_check(candidates: list[Candidate], rounds: list[list[Outcome]]) -> None:
    """The flow before issue 20: every candidate in every pass until a strong exact match."""
    for row in rounds:
        if any(
            c.exact and c.verification is not None and c.verification.inliers >= STRONG * 18
            for c in candidates
        ):
            break
        for candidate, outcome in zip(candidates, row, strict=True):
            found = checked(outcome, 0)
            if candidate.verification is None or found.inliers > candidate.verification.inliers:
                candidate.verification = found
            candidate.exact = passes(check_of(candidate.verification), EXACT)


def early(candidates: list[Candidate], rounds: list[list[Outcome]], need: Need) -> int:
    """The early-stopping flow; how many checks it ran."""
    ran = 0

    def run(outcome: Outcome) -> Callable[[int], Verification]:
        def check(enough: int) -> Verification:
            nonlocal ran
            ran += 1
            return checked(outcome, enough)

        return check

    passes_ = (
        [Check(c, o[1], run(o)) for c, o in zip(candidates, row, strict=True)] for row in rounds
    )
    check_passes(passes_, EXACT, need)
    return ran


def answer(candidates: list[Candidate]) -> tuple[list[int], list[int]]:
    """The order of the products, and the ones ``exact``."""
    put_first(candidates, list(candidates), EXACT)
    return [c.hit.product_id for c in candidates], [c.hit.product_id for c in candidates if c.exact]


@settings(max_examples=600, deadline=None)
@given(search=searches())
def test_stopping_early_never_changes_the_answer(search):
    leading, rounds = search
    before, after = fresh(leading), fresh(leading)
    every_check(before, rounds)
    ran = early(after, rounds, Need.ANSWER)
    assert answer(after) == answer(before)
    assert ran <= sum(len(row) for row in rounds)


@settings(max_examples=300, deadline=None)
@given(search=searches())
def test_every_match_is_kept_for_the_words_and_every_number_for_the_calibration(search):
    leading, rounds = search
    before = fresh(leading)
    every_check(before, rounds)
    matches, everything = fresh(leading), fresh(leading)
    early(matches, rounds, Need.MATCHES)
    early(everything, rounds, Need.EVERYTHING)
    for reference, kept, full in zip(before, matches, everything, strict=True):
        assert full.verification == reference.verification
        assert reference.verification is not None and kept.verification is not None
        if reference.verification.inliers >= EXACT.min_inliers:
            assert kept.verification == reference.verification
        else:
            assert kept.verification.inliers < EXACT.min_inliers


def test_a_decisive_match_ends_the_check_after_its_own():
    """The nearest candidate verifies with 150 inliers and its colours pass: the look-alikes
    (at most 40 matches, under 40 % of 150) are not checked, nor is any other feature set."""
    leading = [(0.99, None, 1.0)] + [(0.9, None, 0.5)] * 7
    strong: Outcome = (150, 170, 1.0, 1.0)
    look_alike: Outcome = (30, 40, 1.0, 1.0)
    rounds = [[strong] + [look_alike] * 7] * 3
    candidates = fresh(leading)
    assert early(candidates, rounds, Need.ANSWER) == 1
    order, exact = answer(candidates)
    assert order[0] == 1 and exact == [1]
    assert [c.verification for c in candidates[1:]] == [None] * 7


def test_a_strong_match_whose_colours_fail_lets_the_next_pass_find_a_stronger_one():
    """A recoloured look-alike with 60 inliers does not end the passes; the mirrored set then
    shows the product itself with 200, and that one is first and exact."""
    leading = [(0.9, None, 1.0), (0.85, None, 0.5)]
    rounds = [[(60, 70, 0.3, 0.2), (0, 10, 0.0, 0.0)], [(60, 70, 0.3, 0.2), (200, 210, 1.0, 1.0)]]
    candidates = fresh(leading)
    early(candidates, rounds, Need.ANSWER)
    order, exact = answer(candidates)
    assert order == [2, 1] and exact == [2]


@settings(max_examples=300, deadline=None)
@given(search=searches())
def test_every_variant_the_match_is_judged_against_keeps_the_same_check(search):
    """The match is judged against its colour variants where they differ
    (``descriptors/variants``), reading each one's homography from the feature set of the query
    that checked it: stopping early must leave every candidate :func:`the_match` reads (a match
    with at least the inlier share of the strongest) with the check of the same pass."""
    leading, rounds = search
    made_in: dict[int, int] = {}
    alive: list[Verification] = []

    def tagged(row: int, outcome: Outcome, enough: int) -> Verification:
        found = checked(outcome, enough)
        made_in[id(found)] = row
        alive.append(found)
        return found

    before, after = fresh(leading), fresh(leading)
    for row, outcomes_ in enumerate(rounds):
        if any(
            c.exact and c.verification is not None and c.verification.inliers >= STRONG * 18
            for c in before
        ):
            break
        for candidate, outcome in zip(before, outcomes_, strict=True):
            found = tagged(row, outcome, 0)
            if candidate.verification is None or found.inliers > candidate.verification.inliers:
                candidate.verification = found
            candidate.exact = passes(check_of(candidate.verification), EXACT)

    def run(row: int, outcome: Outcome) -> Callable[[int], Verification]:
        return lambda enough: tagged(row, outcome, enough)

    check_passes(
        (
            [Check(c, o[1], run(row, o)) for c, o in zip(after, outcomes_, strict=True)]
            for row, outcomes_ in enumerate(rounds)
        ),
        EXACT,
        Need.ANSWER,
    )
    inliers = [c.verification.inliers for c in before if c.verification is not None]
    most = max((n for n in inliers if n >= EXACT.min_inliers), default=0)
    for reference, kept in zip(before, after, strict=True):
        assert reference.verification is not None
        n = reference.verification.inliers
        if n >= EXACT.min_inliers and n >= INLIER_SHARE * most:
            assert kept.verification == reference.verification
            assert made_in[id(kept.verification)] == made_in[id(reference.verification)]
