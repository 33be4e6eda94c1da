"""The projection a large catalog's graph walks in: its vectors' principal directions.

The embeddings' variance lies in few directions (the bundled model's participation ratio is ~17
of 1280), so a rotation onto the first 256 principal directions keeps the neighbourhoods and the
graph walk reads a fifth of the bytes (``vectors/graph.py``); the index trains it on the table's
first vectors when the catalog is large enough (``vectors/hnsw_index.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

REDUCED_DIM = 256
# A projection is used only if its directions hold this share of the vectors' energy: the bundled
# model's embeddings (spectrum-matched) keep ~96 % in 256 of 1280; vectors spread evenly (the
# benchmark's isotropic kind, ~60 %) keep the full width, or their neighbourhoods would be lost.
MIN_KEPT = 0.9


@dataclass(frozen=True)
class Projection:
    """Where a model's vectors lie: the ``width`` directions that hold most of their energy
    (eigenvectors of the uncentred second moment, so inner products, not distances to a mean,
    are kept) as a ``dim × width`` matrix, and the share of the energy they hold."""

    matrix: NDArray[np.float32]
    kept: float

    @property
    def worth_it(self) -> bool:
        """Vectors spread over many more directions would lose their neighbourhoods."""
        return self.kept >= MIN_KEPT


def train_projection(batches: Iterable[NDArray[np.float32]], width: int) -> Projection | None:
    """The projection of the vectors in ``batches``, None without any. The moment is summed
    batch by batch: no copy of the sample is held."""
    moment: NDArray[np.float64] | None = None
    for x in batches:
        part = (x.T @ x).astype(np.float64)
        moment = part if moment is None else moment + part
    if moment is None:
        return None
    values, vectors = np.linalg.eigh(moment)  # ascending eigenvalues
    kept = float(values[::-1][:width].sum() / max(values.sum(), 1e-30))
    return Projection(np.ascontiguousarray(vectors[:, ::-1][:, :width], dtype=np.float32), kept)
