"""Experiment: colour precision@5 with the others ranked by the matched product's colour.

``benchmarks/real_photos.py --dump FILE`` pickles every query's candidates as search saw them
(with each candidate photo's stored colour descriptor); this replays the answers (as
``calibration.replay``) with the colour that ranks the products after the match taken from the
query photo (before) or from the matched product's catalog photo, optionally with the shop's
own word for the colour (the benchmark's label, as a Bitrix ``colors`` field would give it),
each calibrated on the even half as the benchmark does (``calibration.sweep``), and prints the
held-out figures, and the ceiling: how many other products of each labelled colour the catalog
holds (precision@5 cannot be 1 for a colour with fewer than 5). Seconds, not the benchmark's
minutes.

Run: ``.venv/bin/python benchmarks/scripts/colour_by_match_replay.py FILE``.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from _dump import HELP, read_dump

from vitrina.descriptors.colour import confident_colour, main_colour
from vitrina.search import calibration
from vitrina.search.calibration import Observation, Seen, quality, sweep
from vitrina.search.ranking import colours_of_the_match
from vitrina.search.thresholds import Thresholds

Namer = Callable[[Seen, list[Seen]], list[Seen]]


def query_side(match: Seen, scored: list[Seen]) -> list[Seen]:
    return scored  # the query photo's colour, as observed: main before this change


def match_side(match: Seen, scored: list[Seen]) -> list[Seen]:
    if match.catalog_colour is None:
        return scored
    named = colours_of_the_match(match.catalog_colour, [s.catalog_colour for s in scored])
    return [
        replace(s, colour=c, same_colour=same) for s, (c, same) in zip(scored, named, strict=True)
    ]


def match_side_confident(match: Seen, scored: list[Seen]) -> list[Seen]:
    """The gate only when the match's main colour clearly leads."""
    if match.catalog_colour is None:
        return scored
    found = match_side(match, scored)
    if confident_colour(match.catalog_colour) is None:
        return [replace(s, same_colour=False) for s in found]
    return found


def with_words(labels: dict[int, str], agreement_too: bool) -> Namer:
    """The shop's word for the colour (its label) as the gate's name on both sides, where given."""

    def name(match: Seen, scored: list[Seen]) -> list[Seen]:
        found = match_side(match, scored)
        said = labels.get(match.product_id)
        if said is None and match.catalog_colour is not None:
            said = main_colour(match.catalog_colour)
        if said is None:
            return found
        out = []
        for s in found:
            theirs = labels.get(s.product_id)
            if theirs is None:
                theirs = None if s.catalog_colour is None else main_colour(s.catalog_colour)
                out.append(replace(s, same_colour=theirs == said))
            elif agreement_too and labels.get(match.product_id) is not None:
                out.append(replace(s, colour=float(theirs == said), same_colour=theirs == said))
            else:
                out.append(replace(s, same_colour=theirs == said))
        return out

    return name


def replay_with(namer: Namer) -> Callable[..., calibration.Answer]:
    def replay(observation: Observation, thresholds: calibration.Thresholds) -> calibration.Answer:
        scores = calibration.ranking_scores(observation.seen, thresholds)
        order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
        scored = [observation.seen[k] for k in order]
        leading = [
            s
            for s in calibration.nearest_in_shape(scored)
            if s.similarity >= thresholds.verify_floor
        ]
        checked = [s for s in leading if s.inliers is not None]
        first, exact = calibration.the_match(
            [(s.inliers or 0, s.agreement, s.colour, s.similarity, s.hue) for s in checked],
            thresholds,
            lambda k, other: checked[k].apart.get(checked[other].product_id),
        )
        ids = [checked[k].product_id for k in first]
        if ids:
            scored = namer(checked[first[0]], scored)
            scores = calibration.ranking_scores(scored, thresholds)
            order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
            scored = [scored[k] for k in order]
        ranked = ids + [s.product_id for s in scored if s.product_id not in ids]
        return calibration.Answer(ranked[: calibration.TOP], set(ids) if exact else set())

    return replay


def ceiling(held_out: list[Observation], colours: dict[int, str]) -> float:
    """The best precision@5 the catalog allows: a colour with n products gives n - 1 others."""
    counts = Counter(colours.values())
    print("labelled products per colour (others for a query of that colour: n - 1):")
    print("  " + ", ".join(f"{c} {n}" for c, n in counts.most_common()))
    best = [
        min(counts[o.case.colour] - 1, 5) / 5
        for o in held_out
        if o.case.present and o.case.colour is not None
    ]
    return sum(best) / len(best)


def colour_sweep(
    observations: list[Observation], chosen: Thresholds, colours: dict[int, str]
) -> Thresholds:
    """The colour weight and gate as ``calibration.sweep`` chooses them (the exact thresholds
    kept: the colour of the others moves neither the first place nor ``exact``)."""
    cases = [o.case for o in observations]
    return calibration.colour_sweep(
        lambda t: quality(cases, [calibration.replay(o, t) for o in observations], colours), chosen
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dump", help=HELP)
    parser.add_argument(
        "--exact",
        help="the benchmark's calibrated inliers,cells,hue (e.g. 12,0.75,0.6): skips their sweep",
    )
    args = parser.parse_args()
    calibrate, held_out, colours, _group, shipped = read_dump(args.dump)
    best = ceiling(held_out, colours)
    print(f"achievable maximum of colour precision@5 on the held-out half: {best:.1%}", flush=True)
    if args.exact:
        inliers, cells, hue = args.exact.split(",")
        base = replace(
            shipped, min_inliers=int(inliers), colour_agree=float(cells), hue_agree=float(hue)
        )
    else:
        base, _ = sweep(calibrate, shipped, colours)
    variants: list[tuple[str, Namer]] = [
        ("query photo's colour (main)", query_side),
        ("the match's catalog colour", match_side),
        ("the match's, gate only when its colour is clear", match_side_confident),
        ("the match's, shop's word (label) as the gate's name", with_words(colours, False)),
        ("the match's, shop's word for gate and agreement", with_words(colours, True)),
    ]
    original = calibration.replay
    for label, namer in variants:
        calibration.replay = replay_with(namer)
        try:
            chosen = colour_sweep(calibrate, base, colours)
            test = [calibration.replay(o, chosen) for o in held_out]
            found = quality([o.case for o in held_out], test, colours)
            at_shipped = quality(
                [o.case for o in held_out],
                [calibration.replay(o, shipped) for o in held_out],
                colours,
            )
        finally:
            calibration.replay = original
        print(f"{label}:")
        print(
            f"  calibrated (weight {chosen.colour_weight}, gate {chosen.colour_gate}; "
            f"{chosen.min_inliers} inliers, cells {chosen.colour_agree}, hue {chosen.hue_agree})"
        )
        print("  held-out: " + ", ".join(found.row()))
        print("  shipped defaults: " + ", ".join(at_shipped.row()), flush=True)


if __name__ == "__main__":
    main()
