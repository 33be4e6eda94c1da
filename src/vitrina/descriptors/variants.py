"""Telling colour variants of one arrangement apart where they differ (issue 25).

A shop sells one arrangement in several colours, and a customer's photo verifies against each.
The hue check (``verify.hue_agreement``) counts every chromatic cell the query covers, and on a
real photo the flowers are 10-40 % of them: the leaves, wrap, vase and background agree cell for
cell, so a recoloured variant can pass when the product photographed is not in the catalog.
Between two variants, the cells whose colours differ are the flowers: the cells that tell which
colour the customer has. So each variant is judged again on those cells only, weighted by how
much the two differ there (:func:`variant_agreement`). Nothing is stored for it and no keypoint
is matched again: the catalog photos' colour grids and the homographies are there already.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from vitrina.descriptors.verify import (
    GRID,
    HUE_TOLERANCE,
    Overlay,
    ab,
    same_hue,
    white_balance,
)

# How many cells' worth of difference (weights summed) two variants need before their
# difference says anything: fewer, and they are the same colours (a recolour that moved
# nothing, or two products sharing one photo), which this cannot tell apart.
DIFFERING_CELLS = 2.0
# Share of the cells where the two variants must agree for the query's light to be read there.
LIGHT_SHARE = 0.25
# Offsets, in cells, at which the other variant is read around each cell: the centre first.
NEIGHBOURHOOD = [(0, 0), *((dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if dx or dy)]


def variant_agreement(
    query: NDArray[np.float32], own: NDArray[np.float32], other: NDArray[np.float32]
) -> float | None:
    """How well the query agrees in hue with ``own`` on the cells where ``own`` and ``other``
    (two catalog photos of one arrangement) differ, as a share weighted by how much they differ
    there; ``None`` when they hardly differ anywhere, or nearly everywhere.

    ``query`` and ``own`` are RGB rows of the same cells; ``other`` too, or several such
    readings (``(k, n, 3)``: ``other`` around each cell), and a cell differs only as much as
    the nearest of them: a variant photographed apart lines up with ``own`` to within a cell,
    and an edge between leaves and flowers that moved by a cell is no difference. Each white
    balance is taken out first: ``other`` against ``own`` over all the cells (variants
    photographed apart may be lit differently), the query against ``own`` over the cells where
    the two variants agree.
    """
    if len(query) < 6:
        return None
    readings = other[None] if other.ndim == 2 else other
    mine, gains = ab(own), white_balance(readings[0], own)
    theirs = ab((readings * gains).reshape(-1, 3)).reshape(len(readings), -1, 2)
    differs = np.linalg.norm(theirs - mine, axis=2).min(axis=0)
    # Clearly different hues only: a cell differing by the hue tolerance counts nothing, one
    # by twice that counts fully.
    weight = np.clip(differs / HUE_TOLERANCE - 1.0, 0.0, 1.0)
    if weight.sum() < DIFFERING_CELLS:
        return None
    # The query's light is read where the variants agree (leaves, wrap, room): where they
    # differ on most cells (a zoom into the flowers), a balance over those few would take a
    # recolour for light (a zoomed orange zinnia agreed 0.86 with its yellow variant where
    # the yellow and red ones differ, 24 cells of 344 agreeing), so nothing is judged.
    light = weight == 0.0
    if light.sum() < max(6, LIGHT_SHARE * len(light)):
        return None
    agree = same_hue(ab(query), ab(own * white_balance(own[light], query[light])))
    return float((weight * agree).sum() / weight.sum())


def apart(own: Overlay, other: Overlay) -> float | None:
    """:func:`variant_agreement` of the query with ``own``'s photo against ``other``'s, on
    ``own``'s cells: ``other``'s grid is read where the two homographies put the same point of
    the query (shops photograph each variant separately). ``None`` when the two were laid over
    from different feature sets of the query (no common frame) or overlap too little."""
    if own.query is not other.query:
        return None
    rows, cols = np.nonzero(own.usable)
    width, height = own.candidate.size
    centres = np.stack([(cols + 0.5) * width / GRID, (rows + 0.5) * height / GRID], axis=1)
    try:
        back = np.linalg.inv(own.homography)
    except np.linalg.LinAlgError:
        return None
    in_query = cv2.perspectiveTransform(centres.reshape(-1, 1, 2).astype(np.float64), back)
    there = cv2.perspectiveTransform(in_query, other.homography).reshape(-1, 2)
    other_width, other_height = other.candidate.size
    x = there[:, 0] * GRID / other_width - 0.5
    y = there[:, 1] * GRID / other_height - 0.5
    inside = (x > -0.5) & (x < GRID - 0.5) & (y > -0.5) & (y < GRID - 0.5)
    if inside.sum() < 6:
        return None
    # ``other`` at the point and a cell around it (3 x 3 readings): photographed apart, the
    # two grids line up to within a cell.
    shifts = np.array(NEIGHBOURHOOD, np.float32)[:, None, :]  # (k, 1, 2)
    points = np.stack([x[inside], y[inside]], axis=1).astype(np.float32) + shifts
    readings = cv2.remap(
        other.candidate.grid.astype(np.float32),
        points[..., 0].reshape(-1, 1),
        points[..., 1].reshape(-1, 1),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    ).reshape(len(NEIGHBOURHOOD), -1, 3)
    query, stored = own.cells()
    return variant_agreement(query[inside], stored[inside], np.asarray(readings, np.float32))
