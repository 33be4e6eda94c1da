"""Search relevance on real photographs: a real flower shop's catalog and customer-style queries.

The catalog: 84 real photographs of bouquets and flowers (``benchmarks/real_photos/``: where
they come from, their licences and how to put them in the cache this reads), each a product;
for every second photo whose flowers have a clear colour, three colour variants of the same
bouquet (its flower pixels turned to another colour, the leaves, paper and background kept) as
separate products, as shops list them; and for every fourth photo a second catalog photo with a
strong orange/yellow cast (a shop photo taken under warm light: sunflowers, orange roses).

Queries: every product's photo as customers send it (``vitrina.search.customer_photos``: story
frame, zoom, photo of a screen, warm light + noise + JPEG, hand or price tag, tilted crop), the
negatives (a recoloured copy and the product absent: never ``exact``), an identical copy of every
catalog photo (first through that very photo with similarity ≥ 0.99, the only product in
``exact``), and another real photograph of the same bouquet (a person holding it in the street;
the catalog holds the bouquet on a table).

Bouquets (with their variants and second photos) of even number calibrate the thresholds, odd
ones are held out and reported, as in ``benchmarks/quality.py`` (the generated set), whose
figures are the second row of ``docs/operations.md``'s table.

Run: ``.venv/bin/python benchmarks/real_photos.py [--photos DIR]`` (the cache directory:
``$VITRINA_REAL_PHOTOS`` or ``~/.cache/vitrina/real-photos``).
"""

from __future__ import annotations

import argparse
import csv
import os
import pickle
import random
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _server import vitrina_server
from _words_row import words_cases, words_row
from quality import index_catalog, open_catalog, search_service, table, words_table
from tests.support.recolour import (
    MOVED_SHARE,
    VARIANT_COLOURS,
    colour_variant,
    moved_share,
    warm_cast,
)

from vitrina.search.calibration import (
    TOP,
    Answer,
    Case,
    answer_of,
    confirm,
    cosine_answer,
    customer_cases,
    median,
    observe,
    quality,
    replay,
    sweep,
)
from vitrina.search.customer_photos import jpeg_bytes
from vitrina.search.service import SearchService
from vitrina.vectors.base import SearchFilters

SOURCES = Path(__file__).resolve().parent / "real_photos" / "sources.tsv"
CATALOG_SIDE = 800  # shop photos are served about this large


@dataclass(frozen=True, slots=True)
class Source:
    """One photograph of the set, as ``real_photos/sources.tsv`` lists it."""

    file: str
    kind: str  # "bouquet" or "flowers"
    colour: str | None  # the family a buyer names it by; None for a mix
    same_as: str | None  # another photo of the same bouquet (queried, not indexed)
    licence: str
    origin: str


def load_sources(path: Path = SOURCES) -> list[Source]:
    with path.open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    return [
        Source(f, kind, None if c == "-" else c, None if s == "-" else s, lic, origin)
        for f, kind, c, s, lic, origin in rows
    ]


def photo_dir(given: str | None) -> Path:
    folder = Path(
        given or os.environ.get("VITRINA_REAL_PHOTOS") or Path.home() / ".cache/vitrina/real-photos"
    )
    if not (folder / "media").is_dir():
        sys.exit(
            f"no photos in {folder}/media: see benchmarks/real_photos/README.md to put them there"
        )
    return folder / "media"


def shop_photo(path: Path) -> Image.Image:
    image = Image.open(path).convert("RGB")
    image.thumbnail((CATALOG_SIDE, CATALOG_SIDE), Image.Resampling.LANCZOS)
    return image


@dataclass
class Catalog:
    products: list[tuple[int, list[bytes]]]
    colours: dict[int, str]
    group: dict[int, int]  # product -> the bouquet it is made from (the split's unit)
    kind: dict[int, str]  # product -> "studio", "variant"
    photos: dict[int, Image.Image]  # product -> its first photo, decoded
    same_bouquet: list[tuple[bytes, int]]  # another photo of a bouquet, and its product


def variants(photo: Image.Image, colour: str, rng: random.Random) -> list[tuple[str, Image.Image]]:
    """Three colour variants of a photo whose flowers are ``colour``, as a shop lists them: the
    flowers in another colour a buyer would name differently (a recolour that moves too little
    of the photo is the same colour, and the next colour is taken)."""
    found = []
    for other in rng.sample([c for c in VARIANT_COLOURS if c != colour], len(VARIANT_COLOURS) - 1):
        recoloured = colour_variant(photo, other, colour)
        if moved_share(photo, recoloured) >= MOVED_SHARE:
            found.append((other, recoloured))
        if len(found) == 3:
            break
    return found


def build_catalog(sources: Sequence[Source], folder: Path) -> Catalog:
    products: list[tuple[int, list[bytes]]] = []
    colours: dict[int, str] = {}
    group: dict[int, int] = {}
    kind: dict[int, str] = {}
    photos: dict[int, Image.Image] = {}
    indexed = [s for s in sources if s.same_as is None]
    by_file: dict[str, int] = {}
    coloured = 0
    for n, source in enumerate(indexed):
        pid = len(products) + 1
        photo = shop_photo(folder / source.file)
        shots = [jpeg_bytes(photo, 90)]
        if n % 4 == 1:
            shots.append(jpeg_bytes(warm_cast(photo), 90))
        products.append((pid, shots))
        photos[pid], group[pid], kind[pid], by_file[source.file] = photo, n, "studio", pid
        if source.colour is not None:
            colours[pid] = source.colour
        if source.colour in VARIANT_COLOURS:
            coloured += 1
            if coloured % 2 == 0:
                for colour, recoloured in variants(photo, source.colour, random.Random(n)):
                    vid = len(products) + 1
                    products.append((vid, [jpeg_bytes(recoloured, 90)]))
                    photos[vid], group[vid], kind[vid] = recoloured, n, "variant"
                    colours[vid] = colour
    same = [
        (jpeg_bytes(shop_photo(folder / s.file), 90), by_file[s.same_as])
        for s in sources
        if s.same_as is not None
    ]
    # The catalog shows the studio photo: of a pair, the one listed as same_as is the query.
    return Catalog(products, colours, group, kind, photos, same)


def recall_at(cases: Sequence[Case], answers: Sequence[Answer], k: int) -> float:
    present = [(c, a) for c, a in zip(cases, answers, strict=True) if c.present]
    return sum(c.product_id in a.ranked[:k] for c, a in present) / max(len(present), 1)


@dataclass
class Identical:
    """Identical copies of catalog photos: first through that photo, and the only exact."""

    total: int = 0
    first_by_photo: int = 0
    only_exact: int = 0
    failures: list[str] | None = None

    def row(self) -> list[str]:
        return [
            f"{self.total}",
            f"{self.first_by_photo / max(self.total, 1):.1%}",
            f"{self.only_exact / max(self.total, 1):.1%}",
        ]


def identical_copies(
    service: SearchService, catalog: Catalog, pids: set[int]
) -> dict[str, Identical]:
    """Search every catalog photo of ``pids`` with an identical copy of it."""
    rows: dict[str, Identical] = {}
    for pid, shots in catalog.products:
        if pid not in pids:
            continue
        for k, data in enumerate(shots):
            label = "warm-cast photo" if k else catalog.kind[pid]
            row = rows.setdefault(label, Identical(failures=[]))
            response = service.search(
                service.embed_bytes(data), top_k=TOP, threshold=None, filters=SearchFilters()
            )
            row.total += 1
            top = response.results[0] if response.results else None
            url = f"https://shop.example/{pid}/{k}.jpg"
            ok_first = (
                top is not None
                and top.product_id == pid
                and top.matched_image_url == url
                and top.similarity >= 0.99
            )
            ok_exact = [r.product_id for r in response.exact] == [pid]
            row.first_by_photo += ok_first
            row.only_exact += ok_exact
            if not (ok_first and ok_exact) and row.failures is not None:
                row.failures.append(
                    f"{pid}/{k}: first {top and (top.product_id, top.matched_image_url, top.similarity)}"
                    f", exact {[r.product_id for r in response.exact]}"
                )
    return rows


def exact_by_kind(
    cases: Sequence[Case], answers: Sequence[Answer], catalog: Catalog
) -> list[list[str]]:
    """Per query kind: exact listed, how many wrong (a colour variant of the same bouquet, or
    another bouquet) and exact recall: where the exact rule errs on real photos."""
    rows: dict[str, list[int]] = {}
    for case, answer in zip(cases, answers, strict=True):
        row = rows.setdefault(case.kind, [0, 0, 0, 0, 0])
        row[0] += 1
        row[1] += len(answer.exact)
        wrong = answer.exact - {case.product_id} if case.present else answer.exact
        row[2] += sum(catalog.group[p] == catalog.group[case.product_id] for p in wrong)
        row[3] += sum(catalog.group[p] != catalog.group[case.product_id] for p in wrong)
        row[4] += case.present and case.product_id in answer.exact
    return [
        [kind, str(n), str(listed), str(sibling), str(other), f"{found / n:.0%}"]
        for kind, (n, listed, sibling, other, found) in sorted(rows.items())
    ]


def words_only(database_url: str, embedder: str, cases: list[Case], catalog: Catalog) -> None:
    """The photo-plus-words row on real photographs: each bouquet photographed in one colour,
    asking for each of its other colours (a shop photo and its variants, both ways)."""
    studio = {catalog.group[p]: p for p, kind in catalog.kind.items() if kind == "studio"}
    pairs = [(studio[catalog.group[v]], v) for v, kind in catalog.kind.items() if kind == "variant"]
    asked = words_cases(cases, pairs, catalog.colours)
    env = {"VITRINA_DATABASE_URL": database_url, "VITRINA_EMBEDDER": embedder,
           "VITRINA_SEARCH_RATE_LIMIT": "0"}  # fmt: skip
    misses: list[str] = []
    with vitrina_server(env, "--no-worker") as base:
        words = words_row(base, asked, misses)
    print(words_table(words, len(asked), len(pairs), "pairs of colours of a real bouquet"))
    print(f"\nmisses ({len(misses)}):", *misses, sep="\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", help="the cache directory (holds media/)")
    parser.add_argument("--embedder", default="effnet-lite0")
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument(
        "--words",
        action="store_true",
        help="run only the photo-plus-words row: «такой же, но <colour>» over HTTP, a shop photo"
        " of a bouquet asking for each of its colour variants and back (shipped defaults)",
    )
    parser.add_argument(
        "--dump",
        help="pickle the observations (both halves) to this file, to replay rules offline",
    )
    args = parser.parse_args()
    folder = photo_dir(args.photos)
    sources = load_sources()

    with tempfile.TemporaryDirectory() as tmp:
        settings, engine, embedder = open_catalog(tmp, args.embedder)
        catalog = build_catalog(sources, folder)
        cost = index_catalog(settings, embedder, engine, catalog.products, catalog.colours)
        service = search_service(settings, engine, embedder)
        rng = random.Random(args.seed)
        cases: list[Case] = []
        for pid, _ in catalog.products:
            cases += customer_cases(catalog.photos[pid], pid, rng, catalog.colours.get(pid))
        if args.words:
            words_only(settings.database_url, args.embedder, cases, catalog)
            return
        held = {pid for pid, g in catalog.group.items() if g % 2 == 1}
        calibrate = [c for c in cases if c.product_id not in held]
        held_out = [c for c in cases if c.product_id in held]

        shipped = service.thresholds
        observed = observe(service, calibrate)
        chosen, fitted = sweep(observed, shipped, catalog.colours)
        old_obs = observe(service, held_out)
        if args.dump:
            with open(args.dump, "wb") as handle:
                pickle.dump((observed, old_obs, catalog.colours, catalog.group, shipped), handle)
        defaults = quality(held_out, [replay(o, shipped) for o in old_obs], catalog.colours)
        cosine = [cosine_answer(o, embedder.exact_threshold) for o in old_obs]
        old = quality(held_out, cosine, catalog.colours)
        service.use_thresholds(chosen)
        answers, timings = confirm(service, held_out)
        new = quality(held_out, answers, catalog.colours)
        identical = identical_copies(service, catalog, set(catalog.group))
        same_answers = []
        for data, pid in catalog.same_bouquet:
            response = service.search(
                service.embed_bytes(data), top_k=TOP, threshold=None, filters=SearchFilters()
            )
            same_answers.append((pid, answer_of(response)))

    print(
        f"catalog: {len(catalog.products)} products ({sum(k == 'variant' for k in catalog.kind.values())}"
        f" colour variants), {cost['photos']:.0f} photos; {len(calibrate)} calibration queries, "
        f"{len(held_out)} held-out queries; embedder {embedder.name}"
    )
    header = ["search (held-out half)", "product first", "exact precision", "exact recall",
              "colour precision@5", "recall@5"]  # fmt: skip
    print(
        table(
            "real photographs, held-out queries (targets: ≥97 %, ≥98 %, ≥85 %, ≥80 %)",
            header,
            [
                ["verified + regions + colour (calibrated)", *new.row(),
                 f"{recall_at(held_out, answers, 5):.1%}"],
                ["the shipped defaults (replayed)", *defaults.row(), "—"],
                [f"whole-photo cosine, exact ≥ {embedder.exact_threshold:.2f}", *old.row(),
                 f"{recall_at(held_out, cosine, 5):.1%}"],
                ["calibration half, fitted", *fitted.row(), "—"],
            ],
        )
    )  # fmt: skip
    print(
        table(
            "exact per query kind (calibrated): where it errs",
            ["kind", "queries", "exact listed", "wrong: a colour variant of it",
             "wrong: another bouquet", "exact recall"],
            exact_by_kind(held_out, answers, catalog),
        )
    )  # fmt: skip
    kinds = sorted(new.by_kind)
    print(
        table(
            "per query kind: recall@1 (present) or share without a false exact (negatives)",
            ["search", *kinds],
            [
                ["calibrated", *(f"{new.by_kind[k]:.0%}" for k in kinds)],
                ["whole-photo cosine", *(f"{old.by_kind.get(k, 0):.0%}" for k in kinds)],
            ],
        )
    )
    print(
        table(
            "identical copy of a catalog photo (all products)",
            ["catalog photo", "searched", "first through that photo, similarity ≥ 0.99",
             "the only exact"],
            [[label, *row.row()] for label, row in sorted(identical.items())],
        )
    )  # fmt: skip
    if args.show_failures:
        for label, row in identical.items():
            for failure in row.failures or []:
                print(f"  {label}: {failure}")
    if same_answers:
        r1 = sum(a.ranked[:1] == [pid] for pid, a in same_answers) / len(same_answers)
        r5 = sum(pid in a.ranked[:5] for pid, a in same_answers) / len(same_answers)
        right = sum(a.exact == {pid} for pid, a in same_answers)
        wrong = sum(bool(a.exact - {pid}) for pid, a in same_answers)
        print(
            f"\nanother real photo of the same bouquet: {len(same_answers)} queries, recall@1 "
            f"{r1:.2f}, recall@5 {r5:.2f}, exact for the right bouquet {right}, "
            f"a wrong bouquet exact {wrong}"
        )
    print(f"\ncalibrated thresholds: {chosen.to_json()}")
    print(
        f"the descriptor names a labelled catalog photo's main colour as labelled for "
        f"{cost['named']:.0%} of them"
    )
    print(
        f"search incl. query processing: p50 {median(timings):.1f} ms over {len(timings)} queries"
    )


if __name__ == "__main__":
    main()
