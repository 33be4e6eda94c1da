"""``vitrina calibrate``: customer-style queries from a shop's own indexed photos, the thresholds
they call for (:mod:`vitrina.search.calibration` measures and sweeps), and keeping them."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vitrina.catalog.models import Product, ProductImage
from vitrina.db import utcnow
from vitrina.descriptors.colour import main_colour, unpack_colour
from vitrina.descriptors.models import PhotoFeatures
from vitrina.errors import NotFound, VitrinaError
from vitrina.images.decode import decode_image
from vitrina.search.calibration import (
    Case,
    Quality,
    cosine_answer,
    customer_cases,
    observe,
    quality,
    replay,
    sweep,
)
from vitrina.search.models import SearchCalibration
from vitrina.search.service import SearchService
from vitrina.search.thresholds import Thresholds
from vitrina.vectors.models import ImageVector


@dataclass
class ShopCalibration:
    """What ``vitrina calibrate`` found for one shop's catalog."""

    thresholds: Thresholds
    calibrated: Quality
    current: Quality  # the thresholds in force now, on the same queries
    baseline: Quality  # whole-photo cosine with the embedder's cosine threshold
    photos: int
    skipped: list[str]

    def report(self) -> str:
        rows = [
            ("calibrated", self.calibrated),
            ("in force now", self.current),
            ("cosine threshold only", self.baseline),
        ]
        lines = [
            f"{self.calibrated.cases} customer-style queries from {self.photos} of the shop's "
            "photos (colour: the main colour of each photo's stored descriptor)",
            "thresholds             product first  exact precision      exact recall  colour@5",
        ]
        for name, q in rows:
            recall, precision, exact, colour = q.row()
            lines.append(f"{name:<22} {recall:>13}  {precision:>19}  {exact:>12}  {colour:>8}")
        return "\n".join(lines)


def calibrate_shop(
    service: SearchService, *, photos: int, seed: int, progress: Callable[[int, int], None]
) -> ShopCalibration:
    """Customer-style queries from a sample of the shop's own indexed photos, and thresholds.

    The photos are downloaded again (under the fetcher's rules): the index keeps vectors, not
    pixels. A photo that fails to download is skipped and named in the result.
    """
    rng = random.Random(seed)
    with service.sessions() as session:
        rows = session.execute(
            select(ProductImage.product_id, ProductImage.url, PhotoFeatures.colour)
            .join(ImageVector, ImageVector.image_id == ProductImage.id)
            .join(PhotoFeatures, PhotoFeatures.image_id == ProductImage.id)
            .join(Product, Product.id == ProductImage.product_id)
            .where(Product.enabled, ImageVector.model == service.embedder.name)
            .order_by(
                ProductImage.product_id, ProductImage.is_primary.desc(), ProductImage.position
            )
        ).all()
    colours: dict[int, str] = {}
    urls: dict[int, str] = {}
    for product_id, url, colour in rows:
        descriptor = unpack_colour(colour)
        if product_id not in urls and descriptor is not None:
            urls[product_id] = url
            colours[product_id] = main_colour(descriptor)
    chosen = rng.sample(sorted(urls), min(photos, len(urls)))
    cases: list[Case] = []
    skipped: list[str] = []
    for done, product_id in enumerate(chosen, 1):
        try:
            fetched = service.fetcher.fetch(urls[product_id])
            photo = decode_image(fetched.data, max_pixels=service.settings.image_max_pixels)
        except VitrinaError as exc:
            skipped.append(f"{urls[product_id]}: {exc.message}")
            continue
        cases += customer_cases(photo, product_id, rng, colours[product_id])
        progress(done, len(chosen))
    if not cases:
        raise NotFound("No indexed photo could be downloaded to calibrate with.")
    observations = observe(service, cases)
    current = service.thresholds
    thresholds, calibrated = sweep(observations, current, colours)
    return ShopCalibration(
        thresholds=thresholds,
        calibrated=calibrated,
        current=quality(cases, [replay(o, current) for o in observations], colours),
        baseline=quality(
            cases,
            [cosine_answer(o, service.embedder.exact_threshold) for o in observations],
            colours,
        ),
        photos=len(chosen) - len(skipped),
        skipped=skipped,
    )


def store_calibration(session: Session, embedder: str, found: ShopCalibration) -> None:
    """Keep the thresholds for this embedder (search reads them at start-up)."""
    row = session.get(SearchCalibration, embedder)
    if row is None:
        row = SearchCalibration(embedder=embedder)
        session.add(row)
    row.thresholds = found.thresholds.to_json()
    row.report = found.report()
    row.created_at = utcnow()
    session.flush()
