"""How sure a calibration can be of its ``exact`` precision: resampling its queries by bouquet.

The calibration picks the thresholds with the best ``exact`` recall whose precision reaches the
target on its own queries. Taken at face value, that picks a setting that reaches it by luck:
on the real photographs the calibration half read 98.0 % and the held-out half gave 96.0 %
(issue 25). The wrong ``exact`` come in clusters — a bouquet whose colour variants a photo
cannot tell apart is wrong in most of its customer styles — so the sample is the bouquets, not
the queries. A setting qualifies only when its precision reaches the target in
:data:`CONFIDENCE` of the calibration half resampled by bouquet with replacement (a one-sided
bootstrap bound); the level is fixed here, not chosen by any held-out figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

CONFIDENCE = 0.95  # the share of resamples in which the precision must reach the target
RESAMPLES = 400  # enough for the 5th percentile to move by less than a tenth of a point
SEED = 25  # the same resamples for every setting: settings are compared, not the draws


@dataclass(frozen=True, slots=True)
class Resamples:
    """Resamples of a set of queries by unit (a bouquet with its colour variants, or a
    product): each row says how often each unit is drawn."""

    unit: NDArray[np.intp]  # query -> its unit
    draws: NDArray[np.float64]  # (resamples, units)

    @classmethod
    def of(
        cls, products: Sequence[int], groups: Mapping[int, int] | None = None, seed: int = SEED
    ) -> Resamples:
        """Resamples of queries of ``products`` (one per query), a unit per group of
        ``groups`` (product -> group; a product its own unit when absent)."""
        keys = [(groups or {}).get(p, -1 - p) for p in products]
        labels = {key: n for n, key in enumerate(dict.fromkeys(keys))}
        unit = np.array([labels[key] for key in keys], np.intp)
        rng = np.random.default_rng(seed)
        draws = rng.multinomial(len(labels), np.full(len(labels), 1 / len(labels)), RESAMPLES)
        return cls(unit, draws.astype(np.float64))

    def precision_bound(self, listed: Sequence[int], correct: Sequence[int]) -> float:
        """The precision (``correct`` over ``listed``, per query) reached in
        :data:`CONFIDENCE` of the resamples: its lower percentile. A resample listing
        nothing is precise."""
        units = self.draws.shape[1]
        per_listed = np.bincount(self.unit, np.asarray(listed, np.float64), units)
        per_correct = np.bincount(self.unit, np.asarray(correct, np.float64), units)
        listed_drawn, correct_drawn = self.draws @ per_listed, self.draws @ per_correct
        precision = np.where(listed_drawn > 0, correct_drawn / np.maximum(listed_drawn, 1), 1.0)
        return float(np.quantile(precision, 1 - CONFIDENCE))
