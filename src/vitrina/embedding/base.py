"""The :class:`Embedder` boundary and the ONNX Runtime plumbing its local models share.

Search, ingest and the vector index see only the Protocol: photo in, unit vector out. Local models
derive from :class:`OnnxEmbedder`, which loads lazily under a lock (the first request pays, the
rest wait rather than load twice), builds ONNX Runtime sessions from settings, batches, and
L2-normalises so that a dot product is the cosine similarity everywhere downstream.
"""

from __future__ import annotations

import logging
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from vitrina.config import Settings
from vitrina.embedding.preprocess import ImageInput
from vitrina.errors import ConfigurationError, EmbeddingError, VitrinaError

if TYPE_CHECKING:
    # ONNX Runtime is imported when a model loads, not at start-up (0.3 s before /healthz).
    import onnxruntime as ort

log = logging.getLogger(__name__)

Vectors = NDArray[np.float32]


class TextNotSupported(EmbeddingError):
    """This image model has no text side; text search needs the CLIP or Vertex AI embedder."""

    status_code = 400
    code = "text_search_unsupported"
    permanent = True


@runtime_checkable
class Embedder(Protocol):
    """Photo (and, for some models, text) in; L2-normalised float32 vectors out.

    ``name`` is stored beside every vector: when it changes, the catalogue is re-embedded.
    ``exact_threshold`` and ``similar_threshold`` are cosine similarities at which search calls a
    match "exact" (the same photo, re-encoded or cropped) or "similar" (worth showing).
    """

    @property
    def name(self) -> str: ...
    @property
    def dim(self) -> int: ...
    @property
    def supports_text(self) -> bool: ...
    @property
    def exact_threshold(self) -> float: ...
    @property
    def similar_threshold(self) -> float: ...
    @property
    def decode_size(self) -> int:
        """The shortest side the model looks at: JPEGs are decoded in draft mode down to it
        (a 12-megapixel photo for a 256-pixel input decodes at 1/8 scale, ~20x faster)."""
        ...

    def load(self) -> None:
        """Load the model now (start-up) instead of on the first request."""
        ...

    def embed_images(self, images: Sequence[ImageInput]) -> Vectors:
        """``(len(images), dim)`` unit vectors; bad images raise a typed ``ImageRejected``."""
        ...

    def embed_text(self, texts: Sequence[str]) -> Vectors:
        """``(len(texts), dim)`` unit vectors in the image space, or :class:`TextNotSupported`."""
        ...


def l2_normalise(vectors: NDArray[np.floating]) -> Vectors:
    """Rows scaled to unit length (an all-zero row stays zero rather than becoming NaN)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def default_thread_count() -> int:
    """Intra-op threads when ``VITRINA_EMBED_THREADS`` is 0: the CPUs this process may use.

    ONNX Runtime's own default counts every core of the host, which oversubscribes a container
    limited by affinity; more than 8 threads buys nothing for a model this small.
    """
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, 8))


def session_options(settings: Settings) -> ort.SessionOptions:
    """Session options from settings: thread counts for this CPU, full graph optimisation."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = settings.embed_threads or default_thread_count()
    # One request's batch is a single run; parallelism across operators only adds contention.
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # ORT's worker threads spin after each run by default; in a service that also ranks vectors
    # with BLAS and serves HTTP on two cores the spinning steals the CPU they need (measured:
    # embed + search took 2x embed alone + search alone).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def open_session(model: Path | bytes, settings: Settings) -> ort.InferenceSession:
    """An ONNX Runtime CPU session, or a :class:`ConfigurationError` naming the bad file."""
    import onnxruntime as ort

    source = str(model) if isinstance(model, Path) else model
    try:
        return ort.InferenceSession(
            source, session_options(settings), providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # ORT raises its own untyped exception classes
        where = model if isinstance(model, Path) else "the model"
        raise ConfigurationError(f"cannot load ONNX model {where}: {exc}") from exc


class OnnxEmbedder(ABC):
    """Base for ONNX Runtime embedders: lazy load under a lock, batching, normalisation.

    Subclasses implement :meth:`_load` (open sessions) and :meth:`_embed_batch` (raw vectors for
    at most ``batch_size`` images); everything else lives here once.
    """

    name: str
    dim: int
    supports_text: bool = False
    exact_threshold: float
    similar_threshold: float
    batch_size: int = 16

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._loaded = False
        self._pool: ThreadPoolExecutor | None = None

    @property
    def preprocess_pool(self) -> ThreadPoolExecutor:
        """Threads that decode and resize a batch, as many as the model uses; made once, as
        starting threads for every batch cost ~10 % of the preprocessing time."""
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(
                        self.settings.embed_threads or default_thread_count(),
                        thread_name_prefix=f"vitrina-{self.name}-preprocess",
                    )
        return self._pool

    def load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if not self._loaded:
                self._load()
                self._loaded = True

    @abstractmethod
    def _load(self) -> None:
        """Open the model; runs once, under the lock."""

    @abstractmethod
    def _embed_batch(self, images: Sequence[ImageInput]) -> NDArray[np.floating]:
        """Raw (unnormalised) vectors for one batch."""

    def embed_images(self, images: Sequence[ImageInput]) -> Vectors:
        self.load()
        if not images:
            return np.empty((0, self.dim), dtype=np.float32)
        parts = []
        for start in range(0, len(images), self.batch_size):
            batch = images[start : start + self.batch_size]
            try:
                parts.append(self._embed_batch(batch))
            except VitrinaError:
                raise  # typed already: a rejected photo, a missing model
            except Exception as exc:  # ORT's exception classes are untyped extension types
                raise EmbeddingError(f"{self.name} failed: {exc}") from exc
        return l2_normalise(np.concatenate(parts, axis=0))

    def embed_text(self, texts: Sequence[str]) -> Vectors:
        raise TextNotSupported(
            f"The {self.name} model understands photos only; "
            "set VITRINA_EMBEDDER=clip or vertex for text search."
        )
