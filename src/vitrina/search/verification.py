"""The geometric check of the leading candidates, stopped as soon as the answer is known.

What the check decides — which product goes first and whether it is ``exact``
(:func:`~vitrina.search.ranking.the_match`) — reads only the candidates that match: at least
``min_inliers`` RANSAC inliers, and at least :data:`INLIER_SHARE` of the strongest match's
(fewer is a look-alike). A candidate's ratio-test matches bound its inliers and cost a fraction
of the rest of the check (the homography, laying the query over its colour grid), so each pass
matches every candidate first, then checks them strongest first, and leaves out the ones whose
matches could no longer reach that share of the strongest inliers found so far: whatever they
would verify with, they are look-alikes beside it. A candidate keeps its best check over the
passes, so a later pass does not check it again when its matches cannot beat that; one with
fewer matches than ``min_inliers`` is told so without a homography, and colours are compared
only for a match.

The passes themselves (region, whole photo, mirrored region: :meth:`QueryPhoto.feature_sets`)
end, as before, at a match with twice the inlier threshold whose colours pass; a candidate left
out of a pass is checked after all when it alone could be that match. So the answer is the one
checking every candidate in every pass gives (``tests/search/test_verification_stops.py``).
Issue 20's profile: 11.7 checks and three ORB passes a query, 42 % of a customer's search.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum

from sqlalchemy.orm import Session

from vitrina.descriptors.repository import keypoints
from vitrina.descriptors.variants import apart
from vitrina.descriptors.verify import LocalFeatures, Matches, Verification, matches, verify
from vitrina.search.ranking import (
    INLIER_SHARE,
    STRONG,
    Candidate,
    QueryPhoto,
    check_of,
    nearest_in_shape,
    passes,
    the_match,
)
from vitrina.search.thresholds import Thresholds


class Need(Enum):
    """How much of each candidate's check the caller reads."""

    ANSWER = "answer"  # the first place and ``exact`` (:func:`the_match`): a search
    MATCHES = "matches"  # every match, however weaker (words choose among a colour's matches)
    EVERYTHING = "everything"  # every number of every candidate (the calibration's replays)


@dataclass(frozen=True, slots=True)
class Check:
    """One candidate against one feature set of the query, before the costly part: ``bound``
    (its ratio-test matches) caps the inliers, ``run(enough)`` checks it (:func:`verify`)."""

    candidate: Candidate
    bound: int
    run: Callable[[int], Verification]


def verify_leading(
    session: Session,
    photo: QueryPhoto,
    candidates: list[Candidate],
    thresholds: Thresholds,
    need: Need = Need.ANSWER,
) -> set[int]:
    """Geometric check of the leading candidates; the product photographed moves to the
    front, exact or not (:func:`the_match`), and its product ids are returned (none when
    nothing verified). Candidates the answer did not need keep ``verification`` ``None``."""
    if photo.description is None or not candidates:
        return set()
    leading = [
        c for c in nearest_in_shape(candidates) if c.hit.similarity >= thresholds.verify_floor
    ]
    stored = keypoints(session, [c.hit.image_id for c in leading])
    checking = [(c, stored[c.hit.image_id]) for c in leading if c.hit.image_id in stored]
    if checking:  # else no feature set is worth computing
        check_passes((against(f, checking) for f in photo.feature_sets()), thresholds, need)
    return put_first(candidates, leading, thresholds)


def against(
    features: LocalFeatures, checking: list[tuple[Candidate, LocalFeatures]]
) -> list[Check]:
    """Each candidate matched with one feature set of the query (the cheap part)."""

    def check(stored: LocalFeatures, pairs: Matches) -> Callable[[int], Verification]:
        return lambda enough: verify(features, stored, enough=enough, found=pairs)

    return [
        Check(candidate, len(pairs), check(stored, pairs))
        for candidate, stored in checking
        for pairs in [matches(features, stored)]
    ]


def check_passes(passes: Iterable[list[Check]], thresholds: Thresholds, need: Need) -> None:
    """Check pass after pass (each a feature set of the query, computed only when reached).

    A match with few inliers may be a look-alike that the next feature set shows a far
    stronger match beside (the product itself, cut or tilted in the region): only a strong
    one whose colours pass ends the passes early.
    """
    for checks in passes:
        check_pass(checks, thresholds, need)
        if decided([c.candidate for c in checks], thresholds):
            break


def check_pass(checks: list[Check], thresholds: Thresholds, need: Need) -> None:
    """Check the candidates with one feature set, keeping each one's strongest check so far;
    with :attr:`Need.ANSWER`, only the ones that can still matter."""
    enough = 0 if need is Need.EVERYTHING else thresholds.min_inliers
    everyone = [c.candidate for c in checks]
    # Strongest first: a decisive match raises the share the rest must reach. (Stable: of
    # equals, the nearest by cosine first, as the candidates come.)
    left_out = []
    for check in sorted(checks, key=lambda c: c.bound, reverse=True):
        known = check.candidate.verification
        if known is not None and check.bound <= known.inliers:
            continue  # an earlier feature set did as well as this one can: it stays
        if need is Need.ANSWER and check.bound < INLIER_SHARE * strongest(everyone, thresholds):
            left_out.append(check)
        else:
            keep(check.candidate, check.run(enough), thresholds)
    # The passes end at a strong match whose colours pass: one left out could be it only
    # when its matches reach the strong inlier count, and then it is checked after all.
    for check in left_out:
        if decided(everyone, thresholds):
            break
        if check.bound >= STRONG * thresholds.min_inliers:
            keep(check.candidate, check.run(enough), thresholds)


def keep(candidate: Candidate, outcome: Verification, thresholds: Thresholds) -> None:
    """A candidate keeps its check with the most inliers over the feature sets (the first of
    equals), and whether that one passes as exact."""
    if candidate.verification is None or outcome.inliers > candidate.verification.inliers:
        candidate.verification = outcome
    candidate.exact = passes(check_of(candidate.verification), thresholds)


def strongest(candidates: Iterable[Candidate], thresholds: Thresholds) -> int:
    """The most inliers of a match so far (0 before the first: every candidate is needed)."""
    return max(
        (
            c.verification.inliers
            for c in candidates
            if c.verification is not None and c.verification.inliers >= thresholds.min_inliers
        ),
        default=0,
    )


def decided(candidates: Iterable[Candidate], thresholds: Thresholds) -> bool:
    """A match with :data:`STRONG` times the inlier threshold whose colours pass: the next
    feature set is not tried."""
    strong = STRONG * thresholds.min_inliers
    return any(
        c.exact and c.verification is not None and c.verification.inliers >= strong
        for c in candidates
    )


def put_first(
    candidates: list[Candidate], leading: list[Candidate], thresholds: Thresholds
) -> set[int]:
    """The match (:func:`the_match` over the checked leading candidates) first, in place, and
    ``exact`` on it alone; its product ids."""
    checked = [c for c in leading if c.verification is not None]
    first, exact = the_match(
        [
            check_of(c.verification, c.colour, c.similarity)
            for c in checked
            if c.verification is not None
        ],
        thresholds,
        lambda k, other: variants_apart(checked[k], checked[other]),
    )
    front = {checked[k].hit.product_id for k in first}  # one candidate per product
    for candidate in leading:
        candidate.exact = exact and candidate.hit.product_id in front
    candidates.sort(key=lambda c: (c.hit.product_id in front, c.score), reverse=True)
    return front


def variants_apart(own: Candidate, other: Candidate) -> float | None:
    """How the query agrees with ``own`` where ``other`` (a variant of it) differs
    (``descriptors/variants``); ``None`` when either was not laid over the query."""
    if own.verification is None or other.verification is None:
        return None
    if own.verification.overlay is None or other.verification.overlay is None:
        return None
    return apart(own.verification.overlay, other.verification.overlay)
