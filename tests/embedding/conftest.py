"""Shared fixtures: one model cache per test session, because building the model takes time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data
from sklearn.datasets import load_sample_image

from vitrina.config import Settings
from vitrina.embedding.effnet import EffnetLite0Embedder


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def settings(model_dir: Path) -> Settings:
    return Settings(model_dir=model_dir, embed_threads=2)


@pytest.fixture(scope="session")
def effnet(settings: Settings) -> EffnetLite0Embedder:
    embedder = EffnetLite0Embedder(settings)
    embedder.load()
    return embedder


def _rgb(array: np.ndarray) -> Image.Image:
    return Image.fromarray(array).convert("RGB")


@pytest.fixture(scope="session")
def photos() -> dict[str, Image.Image]:
    """Real photographs that ship inside scikit-image and scikit-learn (no download)."""
    return {
        "coffee": _rgb(data.coffee()),
        "chelsea": _rgb(data.chelsea()),
        "astronaut": _rgb(data.astronaut()),
        "rocket": _rgb(data.rocket()),
        "camera": _rgb(data.camera()),
        "coins": _rgb(data.coins()),
        "china": _rgb(load_sample_image("china.jpg")),
        "flower": _rgb(load_sample_image("flower.jpg")),
    }
