"""CLIP from a local folder: image and text towers exported to ONNX, plus their tokenizer.

No package ships CLIP weights offline, so a shop that wants text-to-image search downloads an
export (for example ViT-B/32) and points ``VITRINA_CLIP_DIR`` at it. The folder layout::

    visual/model.onnx          pixels (n, 3, H, W) float32 -> (n, d)
    visual/preprocess_cfg.json optional: {"size": 224, "mean": [...], "std": [...]}
    textual/model.onnx         token ids (n, context) int32/int64 -> (n, d)
    textual/tokenizer.json     a ``tokenizers`` tokenizer

Everything missing is reported at construction (start-up), by name, in one error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from tokenizers import Tokenizer

from vitrina.config import Settings
from vitrina.embedding.base import OnnxEmbedder, Vectors, l2_normalise, open_session
from vitrina.embedding.preprocess import ImageInput, load_rgb, normalised_chw
from vitrina.errors import ConfigurationError, EmbeddingError, VitrinaError

if TYPE_CHECKING:
    import onnxruntime as ort

# OpenAI CLIP's normalisation; exports from other trainers say theirs in preprocess_cfg.json.
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
DEFAULT_CONTEXT = 77

VISUAL_MODEL = Path("visual/model.onnx")
VISUAL_CONFIG = Path("visual/preprocess_cfg.json")
TEXTUAL_MODEL = Path("textual/model.onnx")
TOKENIZER = Path("textual/tokenizer.json")


def _fingerprint(*files: Path) -> str:
    """A content hash of the model files cheap enough for 600 MB: size, first and last MiB."""
    digest = hashlib.sha256()
    for path in files:
        size = path.stat().st_size
        digest.update(str(size).encode())
        with open(path, "rb") as file:
            digest.update(file.read(1 << 20))
            file.seek(max(0, size - (1 << 20)))
            digest.update(file.read(1 << 20))
    return digest.hexdigest()[:12]


class ClipEmbedder(OnnxEmbedder):
    """CLIP image and text embeddings in one space: photo search and text-to-photo search."""

    supports_text = True
    # CLIP image-image cosine similarities run higher and tighter than EfficientNet's: re-encoded
    # copies score > 0.95, photos of the same kind of object ~0.75-0.9. Shops should tune these
    # (VITRINA_EXACT_THRESHOLD / VITRINA_SIMILAR_THRESHOLD) for their export.
    exact_threshold = 0.92
    similar_threshold = 0.75

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        folder = settings.clip_dir
        if folder is None:
            raise ConfigurationError(
                "VITRINA_EMBEDDER=clip needs VITRINA_CLIP_DIR: a folder with "
                f"{VISUAL_MODEL}, {TEXTUAL_MODEL} and {TOKENIZER}"
            )
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise ConfigurationError(f"VITRINA_CLIP_DIR={self.folder} is not a folder")
        missing = [
            str(p)
            for p in (VISUAL_MODEL, TEXTUAL_MODEL, TOKENIZER)
            if not (self.folder / p).is_file()
        ]
        if missing:
            raise ConfigurationError(
                f"the CLIP folder {self.folder} is missing {', '.join(missing)}"
            )
        try:
            self.tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER))
        except Exception as exc:  # tokenizers raises a bare Exception on a bad file
            raise ConfigurationError(
                f"{self.folder / TOKENIZER} is not a valid tokenizer file: {exc}"
            ) from exc
        self.size, self.mean, self.std = self._read_preprocess_config()
        self.name = "clip-" + _fingerprint(self.folder / VISUAL_MODEL, self.folder / TEXTUAL_MODEL)
        self._visual: ort.InferenceSession | None = None
        self._textual: ort.InferenceSession | None = None
        self._dim: int | None = None
        self._context = DEFAULT_CONTEXT
        self._ids_dtype: type[np.signedinteger[Any]] = np.int64

    def _read_preprocess_config(self) -> tuple[int | None, tuple[float, ...], tuple[float, ...]]:
        path = self.folder / VISUAL_CONFIG
        if not path.is_file():
            return None, CLIP_MEAN, CLIP_STD
        try:
            config = json.loads(path.read_text())
            size = config.get("size")
            size = int(size[0] if isinstance(size, list) else size) if size else None
            mean = tuple(float(v) for v in config.get("mean", CLIP_MEAN))
            std = tuple(float(v) for v in config.get("std", CLIP_STD))
        except (ValueError, TypeError, AttributeError) as exc:
            raise ConfigurationError(f"{path} is not a valid preprocessing config: {exc}") from exc
        if len(mean) != 3 or len(std) != 3 or min(std) <= 0:
            raise ConfigurationError(f"{path}: mean and std need three values, std above zero")
        return size, mean, std

    @property
    def dim(self) -> int:  # type: ignore[override]
        self.load()
        assert self._dim is not None
        return self._dim

    @property
    def decode_size(self) -> int:
        """The model's input side, read from the model when it loads."""
        self.load()
        assert self.size is not None
        return self.size

    def _load(self) -> None:
        visual = open_session(self.folder / VISUAL_MODEL, self.settings)
        textual = open_session(self.folder / TEXTUAL_MODEL, self.settings)
        pixels = visual.get_inputs()[0]
        if len(pixels.shape) != 4:
            raise ConfigurationError(
                f"{self.folder / VISUAL_MODEL} should take pixels (n, 3, H, W), not {pixels.shape}"
            )
        height = pixels.shape[2]
        if isinstance(height, int):
            self.size = height
        elif self.size is None:
            self.size = 224
        ids = textual.get_inputs()[0]
        if len(ids.shape) == 2 and isinstance(ids.shape[1], int):
            self._context = ids.shape[1]
        self._ids_dtype = np.int32 if ids.type == "tensor(int32)" else np.int64
        self._visual, self._textual = visual, textual
        probe = np.zeros((1, 3, self.size, self.size), dtype=np.float32)
        image_dim = int(visual.run(None, {pixels.name: probe})[0].shape[-1])
        text_dim = int(self._run_text(["a"]).shape[-1])
        if image_dim != text_dim:
            raise ConfigurationError(
                f"the CLIP towers in {self.folder} disagree: images give {image_dim} numbers, "
                f"text gives {text_dim}"
            )
        self._dim = image_dim

    def _embed_batch(self, images: Sequence[ImageInput]) -> NDArray[np.floating]:
        assert self._visual is not None and self.size is not None
        batch = np.stack(
            [
                normalised_chw(
                    load_rgb(item, draft=self.size, max_pixels=self.settings.image_max_pixels),
                    size=self.size,
                    mean=self.mean,
                    std=self.std,
                )
                for item in images
            ]
        )
        (out, *_) = self._visual.run(None, {self._visual.get_inputs()[0].name: batch})
        return np.asarray(out, dtype=np.float32)

    def _run_text(self, texts: Sequence[str]) -> NDArray[np.float32]:
        assert self._textual is not None
        ids = np.zeros((len(texts), self._context), dtype=self._ids_dtype)
        for row, encoding in enumerate(self.tokenizer.encode_batch(list(texts))):
            tokens = encoding.ids[: self._context]
            ids[row, : len(tokens)] = tokens
        (out, *_) = self._textual.run(None, {self._textual.get_inputs()[0].name: ids})
        return np.asarray(out, dtype=np.float32)

    def embed_text(self, texts: Sequence[str]) -> Vectors:
        self.load()
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        try:
            return l2_normalise(
                np.concatenate(
                    [
                        self._run_text(texts[i : i + self.batch_size])
                        for i in range(0, len(texts), self.batch_size)
                    ]
                )
            )
        except VitrinaError:
            raise
        except Exception as exc:  # ORT's exception classes are untyped extension types
            raise EmbeddingError(f"{self.name} text tower failed: {exc}") from exc
