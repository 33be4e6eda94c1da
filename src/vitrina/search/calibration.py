"""Measuring search quality on customer-style queries and choosing thresholds from it.

Shared by ``benchmarks/quality.py`` (generated bouquets and bundled photos) and ``vitrina
calibrate`` (the shop's own indexed photos): both make :class:`Case` queries with
:mod:`vitrina.search.customer_photos`, run them through the real search once recording every
leading candidate (:func:`observe`), then replay the ranking and the exact rule for a grid of
thresholds (:func:`sweep`) — replaying is pure arithmetic, so hundreds of threshold settings cost
nothing. The chosen thresholds are then confirmed through ``SearchService.search`` itself.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from PIL import Image

from vitrina.descriptors.colour import ColourDescriptor
from vitrina.search.customer_photos import CUSTOMER_STYLES, jpeg_bytes, recoloured
from vitrina.search.ranking import (
    QueryPhoto,
    colours_of_the_match,
    nearest_in_shape,
    ranking_scores,
    the_match,
)
from vitrina.search.schemas import SearchResponse
from vitrina.search.service import SearchService
from vitrina.search.thresholds import Thresholds
from vitrina.search.verification import Need, variants_apart
from vitrina.vectors.base import SearchFilters

TOP = 20
EXACT_PRECISION = 0.98  # the share of "exact" listings that must be the product photographed


@dataclass(frozen=True, slots=True)
class Case:
    """One query: a customer-style photo of ``product_id`` and what a right answer is."""

    kind: str  # a customer style, "recoloured" or "absent"
    data: bytes  # the JPEG a customer would upload
    product_id: int
    colour: str | None = None  # the product's main colour, where known

    @property
    def present(self) -> bool:
        """The product photographed is in the catalog as photographed."""
        return self.kind not in ("recoloured", "absent")

    @property
    def filters(self) -> SearchFilters:
        # "absent" asks for a product the catalog does not have: its own row is filtered out.
        return SearchFilters(exclude_product_id=self.product_id if self.kind == "absent" else None)


def customer_cases(
    photo: Image.Image, product_id: int, rng: random.Random, colour: str | None = None
) -> list[Case]:
    """Every customer style of one shop photo, plus a recoloured copy and the product absent."""
    cases = [
        Case(kind, jpeg_bytes(style(photo, rng)), product_id, colour)
        for kind, style in CUSTOMER_STYLES.items()
    ]
    cases.append(Case("recoloured", jpeg_bytes(recoloured(photo, rng)), product_id))
    cases.append(Case("absent", jpeg_bytes(CUSTOMER_STYLES["warm"](photo, rng)), product_id))
    return cases


@dataclass(frozen=True, slots=True)
class Seen:
    """One candidate product as search saw it: cosine, colour, geometric check."""

    product_id: int
    similarity: float
    colour: float | None
    inliers: int | None
    agreement: float
    same_colour: bool = False
    hue: float = 0.0
    # the hue agreement where each other verified product, a variant of it, differs
    # (``descriptors/variants``), by product id; absent when they cannot be compared
    apart: dict[int, float] = field(default_factory=dict)
    # its photo's stored colour descriptor (the match's names the others' colour)
    catalog_colour: ColourDescriptor | None = field(default=None, compare=False)


@dataclass
class Observation:
    """A case's candidates under the new search, and its whole-photo cosine ranking (the old)."""

    case: Case
    seen: list[Seen]
    cosine_only: list[Seen]


def observe(service: SearchService, cases: Iterable[Case]) -> list[Observation]:
    """Run each case once, verifying the leading candidates whatever the thresholds."""
    probe = replace(service.thresholds, verify_floor=-1.0, min_inliers=10**6)
    observations = []
    for case in cases:
        photo = service.embed_bytes(case.data)
        with service.sessions() as session:
            found = service.candidates(
                session, photo, case.filters, TOP, probe, need=Need.EVERYTHING
            )
            plain = service.candidates(
                session,
                QueryPhoto(photo.vectors[:1]),
                case.filters,
                TOP,
                replace(probe, colour_weight=0.0, colour_gate=0.0),
            )
        observations.append(
            Observation(
                case,
                [
                    Seen(
                        c.hit.product_id,
                        c.hit.similarity,
                        c.colour,
                        None if c.verification is None else c.verification.inliers,
                        0.0 if c.verification is None else c.verification.colour_agreement,
                        c.same_colour,
                        0.0 if c.verification is None else c.verification.hue_agreement,
                        {
                            other.hit.product_id: value
                            for other in found
                            if other is not c
                            for value in [variants_apart(c, other)]
                            if value is not None
                        },
                        c.catalog_colour,
                    )
                    for c in found
                ],
                [Seen(c.hit.product_id, c.hit.similarity, None, None, 0.0) for c in plain],
            )
        )
    return observations


@dataclass(frozen=True, slots=True)
class Answer:
    """What a customer sees: products in order, and the ones listed as exact."""

    ranked: list[int]
    exact: set[int]


def replay(observation: Observation, thresholds: Thresholds) -> Answer:
    """The answer search would give with ``thresholds`` (the same rules as the service)."""
    scores = ranking_scores(observation.seen, thresholds)
    order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
    scored = [observation.seen[k] for k in order]
    leading = [s for s in nearest_in_shape(scored) if s.similarity >= thresholds.verify_floor]
    checked = [s for s in leading if s.inliers is not None]
    first, exact = the_match(
        [(s.inliers or 0, s.agreement, s.colour, s.similarity, s.hue) for s in checked],
        thresholds,
        lambda k, other: checked[k].apart.get(checked[other].product_id),
    )
    ids = [checked[k].product_id for k in first]
    match = next(
        (checked[k].catalog_colour for k in first if checked[k].catalog_colour is not None), None
    )
    if match is not None:  # the others by the matched product's colour (as the service does)
        named = colours_of_the_match(match, [s.catalog_colour for s in scored])
        scored = [
            replace(s, colour=c, same_colour=same)
            for s, (c, same) in zip(scored, named, strict=True)
        ]
        scores = ranking_scores(scored, thresholds)
        order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
        scored = [scored[k] for k in order]
    ranked = ids + [s.product_id for s in scored if s.product_id not in ids]
    return Answer(ranked[:TOP], set(ids) if exact else set())


def cosine_answer(observation: Observation, exact_threshold: float) -> Answer:
    """Yesterday's search: whole-photo cosine order, "exact" above a cosine threshold."""
    ranked = [s.product_id for s in observation.cosine_only][:TOP]
    exact = {s.product_id for s in observation.cosine_only if s.similarity >= exact_threshold}
    return Answer(ranked, exact)


def answer_of(response: SearchResponse) -> Answer:
    return Answer([r.product_id for r in response.results], {r.product_id for r in response.exact})


@dataclass
class Quality:
    """The figures the issue asks for, over one set of cases."""

    recall_at_1: float
    exact_precision: float
    exact_recall: float
    colour_precision_at_5: float | None
    exact_listed: int
    cases: int
    by_kind: dict[str, float] = field(default_factory=dict)  # recall@1 (present) / no-exact rate

    def row(self) -> list[str]:
        colour = "—" if self.colour_precision_at_5 is None else f"{self.colour_precision_at_5:.1%}"
        return [
            f"{self.recall_at_1:.1%}",
            f"{self.exact_precision:.1%} ({self.exact_listed} listed)",
            f"{self.exact_recall:.1%}",
            colour,
        ]


def quality(cases: Sequence[Case], answers: Sequence[Answer], colours: dict[int, str]) -> Quality:
    """recall@1, precision and recall of "exact", colour precision@5 among other products."""
    first = correct = listed = found = positives = 0
    same_colour = coloured = 0
    kinds: dict[str, list[bool]] = {}
    for case, answer in zip(cases, answers, strict=True):
        listed += len(answer.exact)
        if case.present:
            positives += 1
            hit = bool(answer.ranked) and answer.ranked[0] == case.product_id
            first += hit
            kinds.setdefault(case.kind, []).append(hit)
            if case.product_id in answer.exact:
                found += 1
                correct += 1
            if case.colour is not None:
                others = [p for p in answer.ranked if p != case.product_id and p in colours][:5]
                coloured += len(others)
                same_colour += sum(colours.get(p) == case.colour for p in others)
        else:
            kinds.setdefault(case.kind, []).append(case.product_id not in answer.exact)
    return Quality(
        recall_at_1=first / max(positives, 1),
        exact_precision=correct / listed if listed else 1.0,
        exact_recall=found / max(positives, 1),
        colour_precision_at_5=same_colour / coloured if coloured else None,
        exact_listed=listed,
        cases=len(cases),
        by_kind={kind: sum(v) / len(v) for kind, v in kinds.items()},
    )


# The grid of the exact rule's thresholds the sweep replays.
INLIERS = (8, 10, 12, 14, 16, 18, 20, 24, 28, 32, 40)
CELLS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
HUES = (0.0, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9)


def exact_trials(base: Thresholds) -> list[Thresholds]:
    """``base`` with every inlier, colour-cell and hue threshold of the grid."""
    return [
        replace(base, min_inliers=inliers, colour_agree=agree, hue_agree=hue)
        for inliers in INLIERS
        for agree in CELLS
        for hue in HUES
    ]


def most_recall(found: Sequence[tuple[float, float, Thresholds]]) -> Thresholds:
    """Of ``(precision, recall, thresholds)`` per setting, the best recall at ≥ 98 % precision
    (or, if none is that precise, at the best precision found); several settings often give
    the same answers (a plateau), and the one in its middle is the least likely to be an
    accident of the sample."""
    precise = min(EXACT_PRECISION, max(precision for precision, _, _ in found) - 0.005)
    qualified = [(recall, trial) for precision, recall, trial in found if precision >= precise]
    best = max(recall for recall, _ in qualified)
    plateau = [trial for recall, trial in qualified if recall >= best - 0.005]
    return plateau[len(plateau) // 2]


def colour_sweep(measure: Callable[[Thresholds], Quality], chosen: Thresholds) -> Thresholds:
    """``chosen`` with the colour weight and gate ``measure`` finds best.

    Colour moves the ranking (weight) and puts the query's main colour first (gate); the pair
    with the best colour precision whose recall@1 stays within a point of the best (a point is
    two or three queries of a benchmark half; half a point chose by noise).
    """
    trials = {
        (w, g): measure(replace(chosen, colour_weight=w, colour_gate=g))
        for w in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.5)
        for g in (0.0, 0.1, 0.2, 0.3, 0.5)
    }
    top_recall = max(q.recall_at_1 for q in trials.values())
    eligible = {k: q for k, q in trials.items() if q.recall_at_1 >= top_recall - 0.01}
    weight, gate = max(
        eligible, key=lambda k: (eligible[k].colour_precision_at_5 or 0.0, -k[0], -k[1])
    )
    return replace(chosen, colour_weight=weight, colour_gate=gate)


def sweep(
    observations: Sequence[Observation], base: Thresholds, colours: dict[int, str]
) -> tuple[Thresholds, Quality]:
    """The thresholds with the best exact recall at ≥ 98 % exact precision (:func:`most_recall`),
    then the colour weight and gate with the best colour precision that keep recall@1 near its
    best."""
    cases = [o.case for o in observations]

    def measure(thresholds: Thresholds) -> Quality:
        return quality(cases, [replay(o, thresholds) for o in observations], colours)

    chosen = most_recall(
        [(q.exact_precision, q.exact_recall, t) for t in exact_trials(base) for q in [measure(t)]]
    )
    chosen = colour_sweep(measure, chosen)
    return chosen, measure(chosen)


def confirm(service: SearchService, cases: Sequence[Case]) -> tuple[list[Answer], list[float]]:
    """Every case through ``SearchService`` as a request would go: answers and milliseconds
    (query decoding, regions, model, index, verification, catalog join)."""
    answers, timings = [], []
    for case in cases:
        started = time.perf_counter()
        response = service.search(
            service.embed_bytes(case.data), top_k=TOP, threshold=None, filters=case.filters
        )
        timings.append((time.perf_counter() - started) * 1000)
        answers.append(answer_of(response))
    return answers, timings


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0
