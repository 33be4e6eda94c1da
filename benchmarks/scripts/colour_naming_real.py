"""How often the colour descriptor names a real photo's flowers as a buyer would (issue 25).

Colour precision@5 on real photographs rests on two namings: the stored descriptor of each
catalog photo (the ranking's gate and agreement) and the query's (what the customer sent, cut to
its product region and corrected for warm light). This prints, on ``real_photos.py``'s catalog,
how often each is named as labelled, per label, the confusion, and the misnamed shop photos with
their flower-colour shares, so a change to the descriptor is judged before the 10-minute
benchmark runs. No model and no database: only the descriptor.

Run: ``.venv/bin/python benchmarks/scripts/colour_naming_real.py [--queries] [--held-out]``
(photos as for ``real_photos.py``).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from real_photos import build_catalog, load_sources, photo_dir

from vitrina.descriptors.colour import FLOWER_NAMES, NAMES, confident_colour, flower_colours
from vitrina.descriptors.features import describe_catalog_photo, describe_query_photo, product_crop
from vitrina.embedding.preprocess import RESIZE_SHORT_SIDE
from vitrina.images.decode import decode_image
from vitrina.search.calibration import customer_cases
from vitrina.search.service import QUERY_DECODE_SIZE


def shares(descriptor: np.ndarray) -> str:
    flowers = flower_colours(descriptor)
    order = np.argsort(-flowers)[:3]
    return " ".join(f"{NAMES[i]} {flowers[i]:.2f}" for i in order if flowers[i] > 0.05)


def named(descriptor: np.ndarray | None) -> str:
    """The name the ranking's gate would use: the main colour when clear, else '?'."""
    if descriptor is None:
        return "?"
    return confident_colour(descriptor) or "?"


def report(title: str, pairs: list[tuple[str, str]]) -> None:
    """Accuracy per label and the confusion of (label, named) pairs."""
    right = sum(label == name for label, name in pairs)
    unclear = sum(name == "?" for _, name in pairs)
    print(f"\n{title}: {right}/{len(pairs)} named as labelled ({right / max(len(pairs), 1):.1%}),"
          f" {unclear} unclear (no colour clear enough to rank by)")  # fmt: skip
    labels = [n for n in FLOWER_NAMES if any(label == n for label, _ in pairs)]
    columns = [*FLOWER_NAMES, "?"]
    print(f"  {'label':<8} {'n':>4} {'right':>6}   " + " ".join(f"{c[:6]:>6}" for c in columns))
    for label in labels:
        row = Counter(name for lab, name in pairs if lab == label)
        n = sum(row.values())
        print(f"  {label:<8} {n:>4} {row[label] / n:>6.0%}   "
              + " ".join(f"{row[c]:>6}" for c in columns))  # fmt: skip


def generated() -> None:
    """The same for ``quality.py``'s generated catalog (default size and seed)."""
    from quality import build_catalog as generated_catalog

    products, colours = generated_catalog(80, 12)
    pairs = []
    for pid, shots in products:
        if pid in colours:
            for data in shots:
                image = decode_image(data, draft_size=(RESIZE_SHORT_SIDE, RESIZE_SHORT_SIDE))
                pairs.append((colours[pid], named(describe_catalog_photo(image).colour)))
    report("generated catalog photos (quality.py)", pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", help="the cache directory (holds media/)")
    parser.add_argument("--queries", action="store_true", help="also the customer-style queries")
    parser.add_argument("--held-out", action="store_true", help="only the odd (held-out) bouquets")
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument(
        "--generated", action="store_true", help="also quality.py's generated catalog photos"
    )
    args = parser.parse_args()
    if args.generated:
        generated()
    sources = load_sources()
    catalog = build_catalog(sources, photo_dir(args.photos))
    studio, variants, warm = [], [], []
    misnamed = []
    files = [s.file for s in sources if s.same_as is None]
    for pid, shots in catalog.products:
        label = catalog.colours.get(pid)
        if label is None or (args.held_out and catalog.group[pid] % 2 == 0):
            continue
        for k, data in enumerate(shots):
            image = decode_image(data, draft_size=(RESIZE_SHORT_SIDE, RESIZE_SHORT_SIDE))
            descriptor = describe_catalog_photo(image).colour
            name = named(descriptor)
            (warm if k else variants if catalog.kind[pid] == "variant" else studio).append(
                (label, name)
            )
            if k == 0 and catalog.kind[pid] == "studio" and name != label:
                misnamed.append(
                    f"  {files[catalog.group[pid]]:<32} {label:<7} -> {name:<7} "
                    f"({shares(descriptor) if descriptor is not None else '-'})"
                )
    report("catalog: shop photos", studio)
    report("catalog: recoloured variants", variants)
    report("catalog: warm-cast second photos", warm)
    print("\nmisnamed shop photos (label -> named, flower-colour shares):")
    print("\n".join(misnamed))
    if not args.queries:
        return
    rng = random.Random(args.seed)
    by_kind: dict[str, list[tuple[str, str]]] = {}
    either: list[tuple[str, str]] = []
    for pid, _ in catalog.products:
        label = catalog.colours.get(pid)
        cases = customer_cases(catalog.photos[pid], pid, rng, label)
        if label is None or (args.held_out and catalog.group[pid] % 2 == 0):
            continue
        for case in cases:
            if not case.present:
                continue
            image = decode_image(case.data, draft_size=(QUERY_DECODE_SIZE, QUERY_DECODE_SIZE))
            crop, _ = product_crop(image)
            description = describe_query_photo(crop)
            name = named(description.colour)
            by_kind.setdefault(case.kind, []).append((label, name))
            # The ranking's gate takes the query's clear name corrected or as taken.
            names = {name, named(description.as_taken)} - {"?"}
            either.append((label, label if label in names else name))
    for kind, pairs in sorted(by_kind.items()):
        report(f"queries: {kind}", pairs)
    report("queries: all kinds", [p for pairs in by_kind.values() for p in pairs])
    report("queries: all kinds, corrected or as taken", either)


if __name__ == "__main__":
    main()
