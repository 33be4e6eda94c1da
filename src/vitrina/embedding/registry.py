"""Choosing the embedder by name (``VITRINA_EMBEDDER``).

Factories import their module on demand, so the default embedder never imports google-auth and
a shop without CLIP files never touches the CLIP loader.
"""

from __future__ import annotations

from collections.abc import Callable

from vitrina.config import Settings, load_settings
from vitrina.embedding.base import Embedder
from vitrina.errors import ConfigurationError


def _effnet(settings: Settings) -> Embedder:
    from vitrina.embedding.effnet import EffnetLite0Embedder

    return EffnetLite0Embedder(settings)


def _clip(settings: Settings) -> Embedder:
    from vitrina.embedding.clip import ClipEmbedder

    return ClipEmbedder(settings)


def _vertex(settings: Settings) -> Embedder:
    from vitrina.embedding.vertex import VertexEmbedder

    return VertexEmbedder(settings)


EMBEDDERS: dict[str, Callable[[Settings], Embedder]] = {
    "effnet-lite0": _effnet,
    "clip": _clip,
    "vertex": _vertex,
}


def get_embedder(name: str | None = None, settings: Settings | None = None) -> Embedder:
    """The embedder called ``name`` (default: ``settings.embedder``), not yet loaded.

    Configuration problems (unknown name, missing CLIP folder, no Vertex project) raise
    :class:`ConfigurationError` here, at start-up, rather than on the first photo.
    """
    settings = settings or load_settings()
    chosen = (name or settings.embedder).strip().lower()
    factory = EMBEDDERS.get(chosen)
    if factory is None:
        raise ConfigurationError(
            f"VITRINA_EMBEDDER={chosen!r} is not an embedder; choose one of {', '.join(EMBEDDERS)}"
        )
    return factory(settings)
