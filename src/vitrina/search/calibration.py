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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from PIL import Image

from vitrina.search.customer_photos import CUSTOMER_STYLES, jpeg_bytes, recoloured
from vitrina.search.schemas import SearchResponse
from vitrina.search.service import VARIANT_MARGIN, VERIFIED, QueryPhoto, SearchService
from vitrina.search.thresholds import Thresholds
from vitrina.vectors.base import SearchFilters

TOP = 20


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
            found = service.candidates(session, photo, case.filters, TOP, probe)
            plain = service.candidates(
                session,
                QueryPhoto(photo.vectors[:1]),
                case.filters,
                TOP,
                replace(probe, colour_weight=0.0),
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
    scored = sorted(
        observation.seen,
        key=lambda s: (
            s.similarity
            + thresholds.colour_weight * ((0.5 if s.colour is None else s.colour) - 1.0)
        ),
        reverse=True,
    )
    leading = [s for s in scored[:VERIFIED] if s.similarity >= thresholds.verify_floor]
    exact = [
        s
        for s in leading
        if s.inliers is not None
        and s.inliers >= thresholds.min_inliers
        and s.agreement >= thresholds.colour_agree
    ]
    if len(exact) > 1:
        best = max(s.agreement for s in exact)
        exact = [s for s in exact if s.agreement >= best - VARIANT_MARGIN]
    first = sorted(exact, key=lambda s: s.inliers or 0, reverse=True)
    ids = {s.product_id for s in first}
    ranked = [s.product_id for s in first] + [
        s.product_id for s in scored if s.product_id not in ids
    ]
    return Answer(ranked[:TOP], ids)


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


def sweep(
    observations: Sequence[Observation], base: Thresholds, colours: dict[int, str]
) -> tuple[Thresholds, Quality]:
    """The thresholds with the best exact recall at ≥ 98 % exact precision, then the colour
    weight with the best colour precision that keeps recall@1 within half a point of its best."""
    cases = [o.case for o in observations]

    def measure(thresholds: Thresholds) -> Quality:
        return quality(cases, [replay(o, thresholds) for o in observations], colours)

    best_exact: tuple[float, float, Thresholds] | None = None
    for inliers in (8, 10, 12, 14, 16, 18, 20, 24, 28, 32, 40):
        for agree in (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9):
            trial = replace(base, min_inliers=inliers, colour_agree=agree)
            q = measure(trial)
            key = (q.exact_recall if q.exact_precision >= 0.98 else -1.0, q.exact_precision)
            if best_exact is None or key > best_exact[:2]:
                best_exact = (*key, trial)
    assert best_exact is not None
    chosen = best_exact[2]
    weights = {w: measure(replace(chosen, colour_weight=w)) for w in (0.0, 0.1, 0.2, 0.3, 0.4, 0.6)}
    top_recall = max(q.recall_at_1 for q in weights.values())
    eligible = {w: q for w, q in weights.items() if q.recall_at_1 >= top_recall - 0.005}
    weight = max(eligible, key=lambda w: (eligible[w].colour_precision_at_5 or 0.0, -w))
    chosen = replace(chosen, colour_weight=weight)
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
