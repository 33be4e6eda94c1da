"""The numbers that decide "exact" and "similar", per embedder.

Cosine similarities mean different things for different models (CLIP crowds everything into
0.7-0.95, EfficientNet spreads 0.1-1.0), so the cosine-based numbers are per embedder; the
verification numbers (inliers, colour agreement) are the embedder-independent part. Where they
come from, first wins: ``VITRINA_*`` settings, ``vitrina calibrate --store`` for this shop, the
defaults below (the effnet-lite0 ones calibrated by ``benchmarks/quality.py``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace

from sqlalchemy.orm import Session

from vitrina.config import Settings
from vitrina.search.models import SearchCalibration


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Everything search decides with, for one embedder."""

    similar: float  # cosine similarity at which a non-exact result is listed as "similar"
    verify_floor: float  # candidates below this cosine are not checked for an exact match
    min_inliers: int  # RANSAC inliers that make a geometric match
    colour_agree: float  # share of matched points whose colours agree, for an exact match
    colour_weight: float  # how much colour similarity moves the ranking score
    # added to the score of a bouquet of the query's main colour, when that colour is clear
    colour_gate: float = 0.0
    # share of the chromatic overlapping cells whose hue must agree, for an exact match
    hue_agree: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str, fallback: Thresholds) -> Thresholds:
        """Stored thresholds; a field a later version added (or dropped) takes ``fallback``'s."""
        stored = json.loads(text)
        known = {f.name for f in fields(cls)}
        return replace(fallback, **{k: v for k, v in stored.items() if k in known})


# effnet-lite0: calibrated by benchmarks/quality.py on the calibration halves of three generated
# catalogs (docs/operations.md). CLIP and Vertex: the same verification numbers (ORB and colour
# do not depend on the model); their cosine numbers keep each model's documented "similar"
# threshold, the verification floor sits well under its near-duplicate range, and the colour
# weight and gate are scaled to its narrower spread of cosines (CLIP puts unrelated photos at
# ~0.5-0.7 and near-duplicates at ~0.9, effnet at ~0.1-0.3 and ~0.8+).
DEFAULTS: dict[str, Thresholds] = {
    "effnet-lite0": Thresholds(
        similar=0.50,
        verify_floor=0.30,
        min_inliers=18,
        colour_agree=0.9,
        hue_agree=0.8,
        colour_weight=1.5,
        colour_gate=0.2,
    ),
    "clip": Thresholds(
        similar=0.75,
        verify_floor=0.60,
        min_inliers=18,
        colour_agree=0.9,
        hue_agree=0.8,
        colour_weight=0.3,
        colour_gate=0.03,
    ),
    "vertex": Thresholds(
        similar=0.65,
        verify_floor=0.45,
        min_inliers=18,
        colour_agree=0.9,
        hue_agree=0.8,
        colour_weight=0.5,
        colour_gate=0.05,
    ),
}


def default_thresholds(embedder: str, similar_fallback: float) -> Thresholds:
    """The documented defaults for ``embedder`` (matched by its name's family)."""
    for family, thresholds in DEFAULTS.items():
        if embedder.startswith(family):
            return thresholds
    return replace(DEFAULTS["effnet-lite0"], similar=similar_fallback)


def stored_thresholds(session: Session, embedder: str, fallback: Thresholds) -> Thresholds | None:
    """What ``vitrina calibrate --store`` saved for this embedder, if anything."""
    row = session.get(SearchCalibration, embedder)
    return None if row is None else Thresholds.from_json(row.thresholds, fallback)


def resolve(settings: Settings, base: Thresholds) -> Thresholds:
    """``base`` with every ``VITRINA_*`` override applied."""
    overrides: dict[str, float | int] = {}
    if settings.similar_threshold is not None:
        overrides["similar"] = settings.similar_threshold
    if settings.exact_threshold is not None:
        overrides["verify_floor"] = settings.exact_threshold
    if settings.exact_min_inliers is not None:
        overrides["min_inliers"] = settings.exact_min_inliers
    if settings.exact_colour_agree is not None:
        overrides["colour_agree"] = settings.exact_colour_agree
    if settings.colour_weight is not None:
        overrides["colour_weight"] = settings.colour_weight
    return replace(base, **overrides)  # type: ignore[arg-type]
