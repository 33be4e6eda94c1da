"""Geometric verification: "exact" means the query shows *this* photo's product, not a look-alike.

A cosine threshold cannot tell the same bouquet from a similar one (bouquets resemble each other
far more than the photos a model is trained on). Local features can: ORB keypoints of the query
are matched against those stored for a catalog photo, and RANSAC looks for one homography that
explains many matches — a photo of a screen, a crop, a tilt or a zoom all keep it; a different
bouquet of the same flowers does not. ORB (OpenCV) is free of patents, fast (~3 ms for a
320-pixel photo) and binary (32 bytes a keypoint), which keeps the store per photo small.

ORB sees brightness, not colour, so a recoloured copy of the bouquet verifies geometrically; the
caller also requires the colours to agree (:mod:`vitrina.search.colour`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

FEATURE_SIZE = 320  # the longer side features are computed at
MAX_KEYPOINTS = 160  # stored per catalog photo: 160 x (32 + 4) bytes = 5.8 kB
QUERY_KEYPOINTS = 500
RATIO = 0.82  # Lowe's ratio test on Hamming distances
REPROJECTION_PX = 5.0  # at FEATURE_SIZE


@dataclass(frozen=True, slots=True)
class LocalFeatures:
    """Keypoint positions (``(n, 2)`` pixels at :data:`FEATURE_SIZE`) and ORB descriptors."""

    points: NDArray[np.float32]
    descriptors: NDArray[np.uint8]

    def __len__(self) -> int:
        return len(self.points)

    def pack(self) -> bytes:
        """``n`` (uint16), float16 positions, descriptors: what the feature table stores."""
        return (
            struct.pack("<H", len(self.points))
            + self.points.astype("<f2").tobytes()
            + self.descriptors.astype(np.uint8).tobytes()
        )

    @classmethod
    def unpack(cls, data: bytes) -> LocalFeatures:
        (n,) = struct.unpack_from("<H", data)
        points = np.frombuffer(data, dtype="<f2", count=2 * n, offset=2).reshape(n, 2)
        descriptors = np.frombuffer(data, dtype=np.uint8, offset=2 + 4 * n).reshape(n, 32)
        return cls(points.astype(np.float32), descriptors)


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of matching a query against one catalog photo."""

    inliers: int
    matches: int

    @property
    def inlier_ratio(self) -> float:
        return self.inliers / self.matches if self.matches else 0.0


_EMPTY = LocalFeatures(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8))


def local_features(image: Image.Image, *, keypoints: int = MAX_KEYPOINTS) -> LocalFeatures:
    """The ``keypoints`` strongest ORB features of ``image`` at :data:`FEATURE_SIZE`."""
    grey = image.convert("L")
    scale = FEATURE_SIZE / max(grey.size)
    grey = grey.resize(
        (max(32, round(grey.width * scale)), max(32, round(grey.height * scale))),
        Image.Resampling.BILINEAR,
    )
    orb = cv2.ORB.create(
        nfeatures=keypoints,
        scaleFactor=1.25,
        nlevels=6,
        edgeThreshold=19,
        patchSize=19,
        fastThreshold=8,
    )
    found, descriptors = orb.detectAndCompute(np.asarray(grey), None)
    if descriptors is None or not found:
        return _EMPTY
    points = np.array([kp.pt for kp in found], dtype=np.float32)
    return LocalFeatures(points, np.asarray(descriptors, dtype=np.uint8))


def mirrored(features: LocalFeatures, image: Image.Image) -> LocalFeatures:
    """Features of the mirrored photo (a selfie-camera shot): computed afresh, ORB is not
    mirror-invariant."""
    return local_features(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT), keypoints=len(features))


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
    homography, mask = cv2.findHomography(source, target, cv2.RANSAC, REPROJECTION_PX)
    if (
        homography is None
        or mask is None
        or not _plausible(np.asarray(homography, dtype=np.float64))
    ):
        return Verification(0, len(good))
    return Verification(int(mask.sum()), len(good))


def _plausible(homography: NDArray[np.float64]) -> bool:
    """A real view change: no flip, no collapse to a line, at most 6x zoom either way."""
    determinant = float(np.linalg.det(homography[:2, :2]))
    return 1 / 36 < determinant < 36
