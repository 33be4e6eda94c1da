"""Experiment: the exact rule among colour variants, replayed on real_photos.py's observations.

``benchmarks/real_photos.py --dump FILE`` pickles every query's candidates as search saw them
(both halves); this replays the ranking and the exact rule with and without judging the match
where its variants differ (``descriptors/variants``), each calibrated on the even half as the
benchmark does (``calibration.sweep``), and prints the held-out figures and where ``exact``
errs. Pure arithmetic: seconds, not the benchmark's minutes.

Run: ``.venv/bin/python benchmarks/scripts/variants_replay.py FILE``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from _dump import HELP, read_dump

from vitrina.search.calibration import Observation, Seen, quality, replay, sweep


def without_variants(observations: list[Observation]) -> list[Observation]:
    """The same observations with nothing known where the variants differ: the rule before."""
    return [
        Observation(o.case, [replace(s, apart={}) for s in o.seen], o.cosine_only)
        for o in observations
    ]


def wrong_exact(observations: list[Observation], answers: list, group: dict[int, int]) -> str:
    kinds: dict[str, int] = {}
    for observation, answer in zip(observations, answers, strict=True):
        case = observation.case
        wrong = answer.exact - {case.product_id} if case.present else answer.exact
        for product in wrong:
            sibling = group[product] == group[case.product_id]
            key = f"{case.kind} ({'a variant' if sibling else 'another bouquet'})"
            kinds[key] = kinds.get(key, 0) + 1
    return ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())) or "none"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dump", help=HELP)
    args = parser.parse_args()
    calibrate, held_out, colours, group, shipped = read_dump(args.dump)
    assert all(isinstance(s, Seen) for o in calibrate[:1] for s in o.seen)
    for label, transform in (
        ("before (hue over all cells)", without_variants),
        ("where the variants differ", list),
    ):
        fit, test = transform(calibrate), transform(held_out)
        chosen, fitted = sweep(fit, shipped, colours)
        answers = [replay(o, chosen) for o in test]
        found = quality([o.case for o in test], answers, colours)
        defaults = [replay(o, shipped) for o in test]
        at_shipped = quality([o.case for o in test], defaults, colours)
        print(f"{label}:")
        print(
            f"  calibrated ({chosen.min_inliers} inliers, cells {chosen.colour_agree}, hue {chosen.hue_agree}; on its half {fitted.row()[1]}, {fitted.row()[2]})"
        )
        print(
            f"  held-out: product first {found.row()[0]}, exact {found.row()[1]}, recall {found.row()[2]}, colour@5 {found.row()[3]}"
        )
        print(f"  wrong exact: {wrong_exact(test, answers, group)}")
        print(f"  shipped defaults: {', '.join(at_shipped.row())}")
        kinds = sorted(found.by_kind)
        print("  per kind: " + ", ".join(f"{k} {found.by_kind[k]:.0%}" for k in kinds))


if __name__ == "__main__":
    main()
