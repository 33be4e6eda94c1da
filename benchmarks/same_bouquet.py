"""Another real photo of the same bouquet: does it find the bouquet's catalog photo?

The catalog is ``real_photos.py``'s (84 real shop photographs, their colour variants and
warm-cast second photos) plus the catalog photo of each pair in ``same_bouquet/pairs.tsv``; each
pair's other photo is searched, and so is the one pair of ``real_photos/``. Reported: recall@1,
recall@5, how often the right bouquet is ``exact``, how often a wrong one is (never, is the
target), and the whole-photo cosine of the bundled model as the baseline in the same run.

Run: ``.venv/bin/python benchmarks/same_bouquet.py`` (photos: ``$VITRINA_SAME_BOUQUET`` or
``~/.cache/vitrina/same-bouquet``, and those of ``real_photos.py``; both READMEs say how).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quality import index_catalog, open_catalog, search_service, table
from real_photos import build_catalog, load_sources, photo_dir, shop_photo

from vitrina.images.decode import decode_image
from vitrina.search.calibration import Answer, answer_of
from vitrina.search.customer_photos import jpeg_bytes
from vitrina.vectors.base import SearchFilters

PAIRS = Path(__file__).resolve().parent / "same_bouquet" / "pairs.tsv"
FIRST_PAIR_ID = 10_001  # above every product real_photos.py makes
TOP = 20


def pairs_dir(given: str | None) -> Path:
    folder = Path(
        given
        or os.environ.get("VITRINA_SAME_BOUQUET")
        or Path.home() / ".cache/vitrina/same-bouquet"
    )
    if not folder.is_dir():
        sys.exit(f"no photos in {folder}: see benchmarks/same_bouquet/README.md")
    return folder


def load_pairs(folder: Path) -> list[tuple[bytes, bytes, str | None]]:
    """(catalog photo, query photo, colour) per pair, as JPEG bytes the way a shop serves them."""
    with PAIRS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [
        (
            jpeg_bytes(shop_photo(folder / row["catalog_file"]), 90),
            jpeg_bytes(shop_photo(folder / row["query_file"]), 90),
            None if row["colour"] == "-" else row["colour"],
        )
        for row in rows
    ]


def figures(answers: list[tuple[int, Answer]]) -> list[str]:
    n = len(answers)
    r1 = sum(a.ranked[:1] == [pid] for pid, a in answers) / n
    r5 = sum(pid in a.ranked[:5] for pid, a in answers) / n
    right = sum(pid in a.exact for pid, a in answers)
    wrong = sum(bool(a.exact - {pid}) for pid, a in answers)
    return [f"{r1:.2f}", f"{r5:.2f}", f"{right} of {n}", f"{wrong}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", help="the real_photos cache directory (holds media/)")
    parser.add_argument("--pairs", help="the same-bouquet cache directory")
    parser.add_argument("--embedder", default="effnet-lite0")
    args = parser.parse_args()
    catalog = build_catalog(load_sources(), photo_dir(args.photos))
    pairs = load_pairs(pairs_dir(args.pairs))
    products = list(catalog.products)
    colours = dict(catalog.colours)
    queries = list(catalog.same_bouquet)
    for n, (shot, query, colour) in enumerate(pairs):
        pid = FIRST_PAIR_ID + n
        products.append((pid, [shot]))
        queries.append((query, pid))
        if colour is not None:
            colours[pid] = colour

    with tempfile.TemporaryDirectory() as tmp:
        settings, engine, embedder = open_catalog(tmp, args.embedder)
        index_catalog(settings, embedder, engine, products, colours)
        service = search_service(settings, engine, embedder)
        searched = [
            (pid, answer_of(service.search(
                service.embed_bytes(data), top_k=TOP, threshold=None, filters=SearchFilters()
            )))
            for data, pid in queries
        ]  # fmt: skip

        def whole(data: bytes) -> np.ndarray:
            size = (embedder.decode_size, embedder.decode_size)
            return embedder.embed_images([decode_image(data, draft_size=size)])[0]

        ids = [pid for pid, _ in products]
        stored = np.stack([whole(photos[0]) for _, photos in products])
        cosine = []
        for data, pid in queries:
            similarity = stored @ whole(data)
            order = np.argsort(-similarity)[:TOP]
            ranked = [ids[i] for i in order]
            exact = {ranked[0]} if similarity[order[0]] >= embedder.exact_threshold else set()
            cosine.append((pid, Answer(ranked, exact)))

    print(
        f"catalog: {len(products)} products ({len(pairs)} of them the pairs' bouquets); "
        f"{len(queries)} queries, each another photo of a bouquet in the catalog; "
        f"embedder {embedder.name}"
    )
    for (pid, mine), (_, base) in zip(searched, cosine, strict=True):
        rank = mine.ranked.index(pid) + 1 if pid in mine.ranked else None
        base_rank = base.ranked.index(pid) + 1 if pid in base.ranked else None
        print(f"  bouquet {pid}: rank {rank} (cosine {base_rank}), exact {sorted(mine.exact)}")
    print(
        table(
            "another real photo of the same bouquet (targets: recall@1 ≥ 0.80, recall@5 ≥ 0.95, "
            "no wrong bouquet exact)",
            ["search", "recall@1", "recall@5", "right bouquet exact", "a wrong bouquet exact"],
            [
                ["Vitrina (regions, colour, verification; shipped thresholds)", *figures(searched)],
                [f"whole-photo cosine, exact ≥ {embedder.exact_threshold:.2f}", *figures(cosine)],
            ],
        )
    )


if __name__ == "__main__":
    main()
