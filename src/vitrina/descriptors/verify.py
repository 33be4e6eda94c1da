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
the channels turns a purple bouquet white while its leaves stay green.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

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


_MATCHER = cv2.BFMatcher(cv2.NORM_HAMMING)


def verify(query: LocalFeatures, candidate: LocalFeatures) -> Verification:
    """How many ratio-test matches one RANSAC homography explains (0 when too few to try)."""
    if len(query) < 8 or len(candidate) < 8:
        return Verification(0, 0)
    pairs = _MATCHER.knnMatch(query.descriptors, candidate.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < 8:
        return Verification(0, len(good))
    source = query.points[[m.queryIdx for m in good]]
    target = candidate.points[[m.trainIdx for m in good]]
    # USAC (OpenCV's modern RANSAC) is ~100x faster than cv2.RANSAC on these few matches.
    homography, mask = cv2.findHomography(
        source, target, cv2.USAC_FAST, REPROJECTION_PX, maxIters=1000
    )
    if homography is None or mask is None or not _plausible(np.asarray(homography, np.float64)):
        return Verification(0, len(good))
    # A stored photo used as the query (search by product id) has its grid, not its pixels.
    pixels = query.pixels
    if pixels is None:
        pixels = np.asarray(cv2.resize(query.grid, query.size, interpolation=cv2.INTER_NEAREST))
    agreement = colour_agreement(pixels, np.asarray(homography, np.float64), candidate)
    return Verification(int(mask.sum()), len(good), agreement)


def colour_agreement(
    pixels: NDArray[np.uint8], homography: NDArray[np.float64], candidate: LocalFeatures
) -> float:
    """Share of the candidate's product cells whose colour the query, laid over it, matches.

    The white balance is the per-channel median ratio, clipped to what real light does; a
    recolour changes some parts (the flowers) and not others (leaves, wrap), so no single
    balance explains both. Background cells (the colour of the photo's edge) are left out.
    """
    width, height = candidate.size
    warped = cv2.warpPerspective(pixels, homography, (width, height)).astype(np.float32)
    cover = cv2.warpPerspective(np.ones(pixels.shape[:2], np.float32), homography, (width, height))
    area = cv2.resize(cover, (GRID, GRID), interpolation=cv2.INTER_AREA)
    sums = cv2.resize(warped, (GRID, GRID), interpolation=cv2.INTER_AREA)
    stored = candidate.grid.astype(np.float32)
    edge = np.concatenate([stored[0], stored[-1], stored[:, 0], stored[:, -1]])
    product = np.linalg.norm(stored - np.median(edge, axis=0), axis=2) > BACKGROUND
    usable = (area > 0.9) & product
    if usable.sum() < 6:
        return 0.0
    q = sums[usable] / area[usable, None] + 8.0
    c = stored[usable] + 8.0
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
    difference = np.sqrt(
        (chroma**2).sum(axis=1) + (GREY_WEIGHT * (query_grey - stored_grey)) ** 2
    )
    stored_chroma = balanced - stored_grey[:, None]
    error = difference / (np.linalg.norm(stored_chroma, axis=1) + CHROMA_FLOOR)
    return float((error < COLOUR_TOLERANCE).mean())


def _plausible(homography: NDArray[np.float64]) -> bool:
    """A real view change: no flip, no collapse to a line, at most 6x zoom either way."""
    determinant = float(np.linalg.det(homography[:2, :2]))
    return 1 / 36 < determinant < 36
