"""Geometric verification: "exact" means the query shows *this* photo's product, not a look-alike.

A cosine threshold cannot tell the same bouquet from a similar one (bouquets resemble each other
far more than the photos a model is trained on). Local features can: ORB keypoints of the query
are matched against those stored for a catalog photo, and RANSAC looks for one homography that
explains many matches — a photo of a screen, a crop, a tilt or a zoom all keep it; a different
bouquet of the same flowers does not. ORB (OpenCV) is free of patents, fast (~3 ms for a
320-pixel photo) and binary (32 bytes a keypoint), which keeps the store per photo small.

ORB sees brightness, not colour, so a recoloured copy of the bouquet verifies geometrically. So
each catalog photo also keeps a 20×20 grid of mean colours (1,200 bytes); the found
homography lays the query over it, and the cells of the product (not its background) must agree
once one white balance is allowed for: warm indoor light scales the channels, but no scaling of
the channels turns a purple bouquet white while its leaves stay green. On real photographs that
share of cells let a recoloured variant through (a cell's grey part and its flowers' colour mix),
so the hue of the chromatic cells, compared in Lab, must agree too (:func:`hue_agreement`).
"""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

FEATURE_SIZE = 320  # the longer side features are computed at
MAX_KEYPOINTS = 160  # stored per catalog photo: 160 x (32 + 4) bytes + a 1,200-byte grid
QUERY_KEYPOINTS = 400
RATIO = 0.82  # Lowe's ratio test on Hamming distances
REPROJECTION_PX = 5.0  # at FEATURE_SIZE
GRID = 20  # colour cells per side
COLOUR_TOLERANCE = 0.35  # relative error of a cell's colour (grey part removed), balanced
CHROMA_FLOOR = 40.0  # so that greys and whites compare loosely with each other
GREY_WEIGHT = 0.5  # how much a cell's grey part (lightness) counts against its hue
BACKGROUND = 32.0  # RGB distance from the edge colour under which a catalog cell is background
MAX_GAIN = 1.5  # the most warm or cold light scales red against blue (each way)
SAME_CELL = 20.0  # RGB distance under which two shop photos' cells show the same thing
HUE_TOLERANCE = 8.0  # Lab a*b* distance under which two cells have the same hue and strength
HUE_CHROMA = 15.0  # a*b* chroma at which a cell counts fully (greys and whites count little)
HUE_ANGLE = 8.0  # degrees: a cell washed out by glare keeps its hue, at up to half the chroma
GAIN_RANGE = (0.5, 2.0)  # the per-channel white balance the hue comparison allows

# One search verifies a handful of candidates in well under a millisecond each on one thread;
# OpenCV's own thread pool only adds hand-offs (knnMatch 1.3 ms with 2 threads, 0.7 ms with one)
# and would compete with the requests served in parallel.
cv2.setNumThreads(1)


@dataclass(frozen=True, slots=True)
class LocalFeatures:
    """Keypoint positions (``(n, 2)`` pixels at :data:`FEATURE_SIZE`), ORB descriptors, the
    :data:`GRID` x :data:`GRID` mean colours of the photo and its size at that scale; a query
    also keeps its pixels at that scale (to lay them over a candidate's grid), never stored."""

    points: NDArray[np.float32]
    descriptors: NDArray[np.uint8]
    grid: NDArray[np.uint8]
    size: tuple[int, int]
    pixels: NDArray[np.uint8] | None = None

    def __len__(self) -> int:
        return len(self.points)

    def pack(self) -> bytes:
        """``n``, width, height (uint16), float16 positions, descriptors, grid: as stored."""
        return (
            struct.pack("<HHH", len(self.points), *self.size)
            + self.points.astype("<f2").tobytes()
            + self.descriptors.astype(np.uint8).tobytes()
            + self.grid.astype(np.uint8).tobytes()
        )

    @classmethod
    def unpack(cls, data: bytes) -> LocalFeatures:
        n, width, height = struct.unpack_from("<HHH", data)
        points = np.frombuffer(data, dtype="<f2", count=2 * n, offset=6).reshape(n, 2)
        descriptors = np.frombuffer(data, dtype=np.uint8, count=32 * n, offset=6 + 4 * n)
        grid = np.frombuffer(data, dtype=np.uint8, count=GRID * GRID * 3, offset=6 + 36 * n)
        return cls(
            points.astype(np.float32),
            descriptors.reshape(n, 32),
            grid.reshape(GRID, GRID, 3),
            (width, height),
        )


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of matching a query against one catalog photo."""

    inliers: int
    matches: int
    colour_agreement: float = 0.0  # share of inliers whose colours agree after white balance
    hue_agreement: float = 0.0  # share of the chromatic cells whose hue agrees (Lab a*b*)
    # Where the query lay over the photo: what comparing it with its colour variants reads
    # (``descriptors/variants``); not part of the outcome's value.
    overlay: Overlay | None = field(default=None, compare=False, repr=False)

    @property
    def inlier_ratio(self) -> float:
        return self.inliers / self.matches if self.matches else 0.0


def local_features(
    image: Image.Image, *, keypoints: int = MAX_KEYPOINTS, query: bool = False
) -> LocalFeatures:
    """The ``keypoints`` strongest ORB features of ``image`` at :data:`FEATURE_SIZE`."""
    scale = FEATURE_SIZE / max(image.size)
    rgb = image.convert("RGB").resize(
        (max(32, round(image.width * scale)), max(32, round(image.height * scale))),
        Image.Resampling.BILINEAR,
    )
    grey = rgb.convert("L")
    orb = cv2.ORB.create(
        nfeatures=keypoints,
        scaleFactor=1.25,
        nlevels=6,
        edgeThreshold=19,
        patchSize=19,
        fastThreshold=8,
    )
    found, descriptors = orb.detectAndCompute(np.asarray(grey), None)
    pixels = np.asarray(rgb, dtype=np.uint8)
    grid = np.asarray(cv2.resize(pixels, (GRID, GRID), interpolation=cv2.INTER_AREA), np.uint8)
    if descriptors is None or not found:
        points, descriptors = np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8)
    else:
        points = np.array([kp.pt for kp in found], dtype=np.float32)
    return LocalFeatures(
        points, np.asarray(descriptors, dtype=np.uint8), grid, rgb.size, pixels if query else None
    )


def mirrored(image: Image.Image) -> LocalFeatures:
    """Features of the mirrored photo (a selfie-camera shot): computed afresh, ORB is not
    mirror-invariant."""
    return local_features(
        image.transpose(Image.Transpose.FLIP_LEFT_RIGHT), keypoints=QUERY_KEYPOINTS, query=True
    )


@dataclass(frozen=True, slots=True)
class Matches:
    """The ratio-test matches of a query against one catalog photo, as point pairs in the
    query's order. RANSAC's inliers are some of them, so their count bounds the inliers: what
    lets search skip a candidate that could not change its answer (``search/verification``) at
    the cost of the matching alone (~1 ms of the ~3-5 ms of a whole check)."""

    source: NDArray[np.float32]  # in the query
    target: NDArray[np.float32]  # in the catalog photo

    def __len__(self) -> int:
        return len(self.source)


def matches(query: LocalFeatures, candidate: LocalFeatures) -> Matches:
    """Each query keypoint's nearest catalog keypoint (Hamming), kept when clearly nearer than
    the second nearest (Lowe's ratio test); none when either side has fewer than eight."""
    if len(query) < 8 or len(candidate) < 8:
        return Matches(np.zeros((0, 2), np.float32), np.zeros((0, 2), np.float32))
    # The two nearest as arrays (what BFMatcher.knnMatch computes, without a Python object
    # per pair); ties between them fail the ratio test, so their order never matters.
    distances, nearest = cv2.batchDistance(
        query.descriptors, candidate.descriptors, cv2.CV_32S, normType=cv2.NORM_HAMMING, K=2
    )
    good = distances[:, 0] < RATIO * distances[:, 1]
    return Matches(query.points[good], candidate.points[nearest[good, 0]])


def verify(
    query: LocalFeatures,
    candidate: LocalFeatures,
    *,
    enough: int = 0,
    found: Matches | None = None,
) -> Verification:
    """How many ratio-test matches one RANSAC homography explains (0 when too few to try),
    and how well the colours agree where it lays the query over the candidate.

    With ``enough`` (the inliers that make a match), a check that cannot reach it stops early:
    no homography is sought with fewer matches, no colours compared with fewer inliers (they
    read 0). ``found``: the :func:`matches`, when the caller has them already.
    """
    pairs = matches(query, candidate) if found is None else found
    if len(pairs) < max(8, enough):
        return Verification(0, len(pairs))
    # USAC (OpenCV's modern RANSAC) is ~100x faster than cv2.RANSAC on these few matches.
    homography, mask = cv2.findHomography(
        pairs.source, pairs.target, cv2.USAC_FAST, REPROJECTION_PX, maxIters=1000
    )
    if homography is None or mask is None or not _plausible(np.asarray(homography, np.float64)):
        return Verification(0, len(pairs))
    inliers = int(mask.sum())
    if inliers < enough:
        return Verification(inliers, len(pairs))
    # A stored photo used as the query (search by product id) has its grid, not its pixels.
    pixels = query.pixels
    if pixels is None:
        pixels = np.asarray(cv2.resize(query.grid, query.size, interpolation=cv2.INTER_NEAREST))
    overlay = laid_over(pixels, np.asarray(homography, np.float64), candidate, query)
    if overlay is None:
        return Verification(inliers, len(pairs))
    cells = overlay.cells()
    return Verification(
        inliers, len(pairs), colour_agreement(*cells), hue_agreement(*cells), overlay
    )


@dataclass(frozen=True, slots=True, eq=False)
class Overlay:
    """The query laid over one catalog photo by the homography RANSAC found: the query's mean
    colour in each of the photo's product cells it covers (``usable``)."""

    query: LocalFeatures  # the query's feature set: its frame (the region, the whole photo)
    homography: NDArray[np.float64]  # query pixels -> catalog photo pixels
    candidate: LocalFeatures
    colours: NDArray[np.float32]  # GRID x GRID x 3, the query's colour over each cell
    usable: NDArray[np.bool_]  # GRID x GRID: covered, and the product (not the background)

    def cells(self) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """``(query, candidate)`` RGB rows of the usable cells."""
        return self.colours[self.usable], self.candidate.grid.astype(np.float32)[self.usable]


def laid_over(
    pixels: NDArray[np.uint8],
    homography: NDArray[np.float64],
    candidate: LocalFeatures,
    query: LocalFeatures,
) -> Overlay | None:
    """The query's mean colour over each product cell of the candidate it covers (``None``
    when fewer than six overlap). Background cells (the colour of the photo's edge) are left
    out."""
    width, height = candidate.size
    warped = cv2.warpPerspective(pixels, homography, (width, height)).astype(np.float32)
    cover = cv2.warpPerspective(np.ones(pixels.shape[:2], np.float32), homography, (width, height))
    area = cv2.resize(cover, (GRID, GRID), interpolation=cv2.INTER_AREA)
    sums = cv2.resize(warped, (GRID, GRID), interpolation=cv2.INTER_AREA)
    usable = (area > 0.9) & _product_cells(candidate.grid.astype(np.float32))
    if usable.sum() < 6:
        return None
    colours = np.asarray(sums / np.maximum(area, 1e-6)[..., None], np.float32)
    return Overlay(query, homography, candidate, colours, usable)


def colour_agreement(query: NDArray[np.float32], stored: NDArray[np.float32]) -> float:
    """Share of the candidate's product cells whose colour the query, laid over it, matches.

    The white balance is the per-channel median ratio, clipped to what real light does; a
    recolour changes some parts (the flowers) and not others (leaves, wrap), so no single
    balance explains both.
    """
    q = query + 8.0
    c = stored + 8.0
    # Light only moves colours along the warm-cool axis (red up and blue down, or back);
    # turning pink into lilac also needs more green, which no light does.
    ratio = (q[:, 0] / c[:, 0]) / (q[:, 2] / c[:, 2])
    warmth = float(np.clip(np.sqrt(np.median(ratio)), 1 / MAX_GAIN, MAX_GAIN))
    balanced = c * np.array([warmth, 1.0, 1 / warmth], dtype=np.float32)
    balanced *= float(np.median(q.sum(axis=1) / balanced.sum(axis=1)))  # exposure
    # The grey part of each cell counts less than its hue and strength: glare on a screen or
    # haze adds the same to every channel (but only to a few cells), while pink and burgundy
    # differ mostly in it (in every cell of the flowers).
    query_grey, stored_grey = q.min(axis=1), balanced.min(axis=1)
    chroma = (q - query_grey[:, None]) - (balanced - stored_grey[:, None])
    difference = np.sqrt((chroma**2).sum(axis=1) + (GREY_WEIGHT * (query_grey - stored_grey)) ** 2)
    stored_chroma = balanced - stored_grey[:, None]
    error = difference / (np.linalg.norm(stored_chroma, axis=1) + CHROMA_FLOOR)
    return float((error < COLOUR_TOLERANCE).mean())


def hue_agreement(query: NDArray[np.float32], stored: NDArray[np.float32]) -> float:
    """Share of the overlapping cells, weighted by how chromatic they are, whose hue and
    strength (Lab a*b*) agree once each channel is balanced by its median ratio.

    What tells a recoloured variant from the bouquet photographed: warm light or a screen
    scales the channels of every cell alike, which the balance takes out, while a recolour
    moves the flowers' hue and leaves the leaves and wrap. Lightness is left out (glare, shade),
    and so is a loss of chroma that keeps the hue angle (glare on a screen); greys and whites
    count little (their a*b* is noise). Nothing chromatic to compare: 1.0
    (the cell shares above still decide). On real photographs (issue 25), of the variants that
    verify, it let 5 % through where the cell shares let 23 % through, each at the level that
    95 % of the products themselves pass.
    """
    ours, theirs = ab(query), ab(balanced(stored, query))
    chromas = np.linalg.norm(ours, axis=1), np.linalg.norm(theirs, axis=1)
    weight = np.clip(np.maximum(*chromas) / HUE_CHROMA, 0.0, 1.0)
    if weight.sum() < 3.0:
        return 1.0
    return float((weight * same_hue(ours, theirs)).sum() / weight.sum())


def white_balance(colours: NDArray[np.float32], to: NDArray[np.float32]) -> NDArray[np.float32]:
    """Each channel's median ratio of ``to`` to ``colours`` (row for row), within what light
    does: one white balance for the whole photo."""
    return np.asarray(np.clip(np.median((to + 8.0) / (colours + 8.0), axis=0), *GAIN_RANGE))


def balanced(colours: NDArray[np.float32], to: NDArray[np.float32]) -> NDArray[np.float32]:
    """``colours`` under ``to``'s light (:func:`white_balance`)."""
    return np.asarray(colours * white_balance(colours, to), np.float32)


def same_hue(ours: NDArray[np.float32], theirs: NDArray[np.float32]) -> NDArray[np.bool_]:
    """Which a*b* rows have the same hue and strength (within :data:`HUE_TOLERANCE`), or the
    same hue angle at up to half the chroma: glare on a screen adds white, the chroma falls
    and the hue angle stays (a recolour turns it)."""
    same = np.linalg.norm(ours - theirs, axis=1) < HUE_TOLERANCE
    chromas = np.linalg.norm(ours, axis=1), np.linalg.norm(theirs, axis=1)
    weaker, stronger = np.minimum(*chromas), np.maximum(*chromas)
    cosine = (ours * theirs).sum(axis=1) / np.maximum(weaker * stronger, 1e-6)
    turned = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
    return np.asarray(same | ((weaker > 8.0) & (turned < HUE_ANGLE) & (stronger < 2.0 * weaker)))


def ab(rgb: NDArray[np.float32]) -> NDArray[np.float32]:
    """The a*b* (hue and strength, no lightness) of RGB rows in 0-255."""
    unit = np.clip(rgb, 0.0, 255.0).astype(np.float32)[None] / 255.0
    return np.asarray(cv2.cvtColor(unit, cv2.COLOR_RGB2Lab)[0, :, 1:], np.float32)


def shared_cells(a: LocalFeatures, b: LocalFeatures) -> float:
    """Share of two photos' product cells whose colours are the same, cell for cell.

    How a colour variant is recognised from the shop's photos alone: recoloured, the
    arrangement keeps its leaves, wrap, ribbon and background where they were, so most cells
    outside the flowers stay the same; another bouquet's rarely line up. (ORB cannot tell: a
    red and a yellow rose differ in brightness, and the model's vectors move with the colour.)
    A variant shot under other light shifts every cell alike: the share is also counted with
    the second photo balanced to the first by each channel's median ratio over the product
    cells, and the larger counts (balanced alone, a bouquet mostly of flowers, recoloured,
    would be balanced by its flowers).
    """
    return float(shared_cells_each(a, b.grid[None])[0])


def shared_cells_each(a: LocalFeatures, grids: NDArray[np.uint8]) -> NDArray[np.float64]:
    """:func:`shared_cells` of ``a`` with each of ``grids`` (stacked colour grids) at once: a
    search with colour words compares one product's photos with some hundred others'."""
    first, second = a.grid.astype(np.float32), grids.astype(np.float32)
    product = _product_cells(first)[None] | _product_cells(second)
    cells = product.sum(axis=(1, 2))
    ratios = np.where(product[..., None], (first + 8.0) / (second + 8.0), np.nan)
    with warnings.catch_warnings():  # a grid with no product cell: all-NaN, its share is 0
        warnings.simplefilter("ignore", RuntimeWarning)
        medians = np.nanmedian(ratios.reshape(len(grids), -1, 3), axis=1)
    gains = np.clip(np.nan_to_num(medians, nan=1.0), *GAIN_RANGE).astype(np.float32)
    shares = [
        ((np.linalg.norm(first - seen, axis=3) < SAME_CELL) & product).sum(axis=(1, 2))
        for seen in (second, (second + 8.0) * gains[:, None, None, :] - 8.0)
    ]
    return np.where(cells > 0, np.maximum(*shares) / np.maximum(cells, 1), 0.0)


def _product_cells(grid: NDArray[np.float32]) -> NDArray[np.bool_]:
    """Cells that differ from the colour of the photo's edge (the product, not its background);
    of one grid or of a stack of them."""
    edge = np.concatenate(
        [grid[..., 0, :, :], grid[..., -1, :, :], grid[..., :, 0, :], grid[..., :, -1, :]], axis=-2
    )
    background = np.median(edge, axis=-2)[..., None, None, :]
    return np.asarray(np.linalg.norm(grid - background, axis=-1) > BACKGROUND)


def _plausible(homography: NDArray[np.float64]) -> bool:
    """A real view change: no flip, no collapse to a line, at most 6x zoom either way."""
    determinant = float(np.linalg.det(homography[:2, :2]))
    return 1 / 36 < determinant < 36
