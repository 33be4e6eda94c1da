"""``vitrina calibrate``: search thresholds measured on the shop's own photos."""

from __future__ import annotations

import typer

from vitrina.cli.indexing import _settings
from vitrina.cli.output import err, out
from vitrina.cli.settings import migrated_database


def calibrate(
    photos: int = typer.Option(40, min=5, max=1000, help="How many of the shop's photos to use."),
    seed: int = typer.Option(0, help="Which photos and alterations (same seed, same queries)."),
    store: bool = typer.Option(False, "--store", help="Keep the thresholds (used at next start)."),
) -> None:
    """Make customer-style photos from indexed shop photos and report the thresholds for them.

    Each photo becomes a story screenshot, a zoom, a photo of a screen, a warm noisy JPEG, a
    photo with a hand or price tag, a tilted crop, a recoloured copy (must not be "exact") and a
    query with the product left out (must not be "exact").
    """
    from vitrina.db import make_sessionmaker, write_session
    from vitrina.errors import VitrinaError
    from vitrina.images.fetch import HttpPhotoFetcher
    from vitrina.runtime import build_indexing, build_search
    from vitrina.search.shop_calibration import calibrate_shop, store_calibration

    settings = _settings()
    with migrated_database(settings) as engine, HttpPhotoFetcher.from_settings(settings) as fetcher:
        indexing = build_indexing(settings, make_sessionmaker(engine), fetcher)
        service = build_search(settings, engine, indexing)
        try:
            with out().status("downloading photos and searching…") as status:
                found = calibrate_shop(
                    service,
                    photos=photos,
                    seed=seed,
                    progress=lambda done, total: status.update(f"photo {done} of {total}…"),
                )
        except VitrinaError as exc:
            err().print(f"[red]error:[/red] {exc.message}")
            raise typer.Exit(1) from None
        for problem in found.skipped:
            err().print(f"[yellow]skipped[/yellow] {problem}")
        out().print(found.report(), highlight=False)
        out().print(f"thresholds for {service.embedder.name}: {found.thresholds.to_json()}")
        if store:
            with write_session(service.sessions) as session:
                store_calibration(session, service.embedder.name, found)
            out().print("stored; restart the service and the worker to use them.")
        else:
            out().print("not stored (add --store to keep them).")
