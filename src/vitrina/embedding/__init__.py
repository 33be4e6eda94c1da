"""Image (and text) embeddings: photo in, unit vector out. See :class:`Embedder`."""

from vitrina.embedding.base import Embedder, TextNotSupported, l2_normalise
from vitrina.embedding.registry import EMBEDDERS, get_embedder

__all__ = ["EMBEDDERS", "Embedder", "TextNotSupported", "get_embedder", "l2_normalise"]
