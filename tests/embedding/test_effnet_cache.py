"""The built model is cached once, found again, rebuilt when damaged; the CLI prepares it."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from vitrina.cli.models import app
from vitrina.config import Settings
from vitrina.embedding import Embedder, get_embedder
from vitrina.embedding.base import TextNotSupported
from vitrina.embedding.effnet import EffnetLite0Embedder, cached_model_path, prepare_model
from vitrina.errors import ConfigurationError


def test_first_use_builds_and_logs_then_reuses(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, photos: dict[str, Image.Image]
) -> None:
    caplog.set_level(logging.INFO, logger="vitrina.embedding.effnet")
    first = EffnetLite0Embedder(Settings(model_dir=tmp_path))
    vector = first.embed_images([photos["coffee"]])
    assert any("building the EfficientNet-Lite0" in r.message for r in caplog.records)
    assert first.model_path == cached_model_path(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [first.model_path.name]  # no temp files left

    caplog.clear()
    second = EffnetLite0Embedder(Settings(model_dir=tmp_path))
    np.testing.assert_array_equal(second.embed_images([photos["coffee"]]), vector)
    assert not any("building" in r.message for r in caplog.records)


def test_damaged_cache_file_is_rebuilt(tmp_path: Path, photos: dict[str, Image.Image]) -> None:
    path = cached_model_path(tmp_path)
    path.write_bytes(b"half a model")
    embedder = EffnetLite0Embedder(Settings(model_dir=tmp_path))
    assert embedder.embed_images([photos["coffee"]]).shape == (1, 1280)
    assert path.stat().st_size > 10_000_000


def test_unwritable_model_dir_is_a_clear_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigurationError, match="VITRINA_MODEL_DIR"):
        prepare_model(blocker / "models")


def test_registry_gives_the_configured_embedder(settings: Settings) -> None:
    embedder = get_embedder(settings=settings)
    assert isinstance(embedder, Embedder)
    assert (embedder.name, embedder.dim) == ("effnet-lite0", 1280)
    assert 0 < embedder.similar_threshold < embedder.exact_threshold < 1


def test_unknown_embedder_name_lists_the_choices(settings: Settings) -> None:
    with pytest.raises(ConfigurationError, match="effnet-lite0, clip, vertex"):
        get_embedder("resnet", settings)


def test_text_search_needs_a_text_model(effnet: EffnetLite0Embedder) -> None:
    with pytest.raises(TextNotSupported, match="VITRINA_EMBEDDER"):
        effnet.embed_text(["red roses"])


def test_no_images_give_an_empty_matrix(effnet: EffnetLite0Embedder) -> None:
    assert effnet.embed_images([]).shape == (0, 1280)


def test_many_images_are_batched_and_keep_their_order(
    effnet: EffnetLite0Embedder, photos: dict[str, Image.Image]
) -> None:
    images = list(photos.values()) * 3  # 24 images: two batches of 16 and 8
    one_by_one = np.concatenate([effnet.embed_images([im]) for im in images])
    np.testing.assert_allclose(effnet.embed_images(images), one_by_one, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(one_by_one, axis=1), 1.0, atol=1e-5)


def test_cli_prepare_builds_the_cache_and_prints_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VITRINA_MODEL_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["prepare"])
    assert result.exit_code == 0, result.output
    printed = Path(result.stdout.strip().splitlines()[-1])
    assert printed == cached_model_path(tmp_path)
    assert printed.is_file()


def test_cli_prepare_in_a_fresh_process(tmp_path: Path) -> None:
    code = f"from vitrina.cli.models import app; app(['prepare', '--model-dir', {str(tmp_path)!r}])"
    env = {"PYTHONPATH": str(Path(__file__).parents[2] / "src"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == cached_model_path(tmp_path)
    assert "building the EfficientNet-Lite0" in done.stderr


def test_a_cached_model_file_is_used_without_importing_onnx(model_dir: Path) -> None:
    """``onnx`` builds the model file once; every later start only opens it (ONNX Runtime)."""
    prepare_model(model_dir)
    probe = f"""
import sys
from PIL import Image
from vitrina.config import Settings
from vitrina.embedding.effnet import EffnetLite0Embedder

embedder = EffnetLite0Embedder(Settings(model_dir={str(model_dir)!r}))
assert embedder.embed_images([Image.new("RGB", (64, 64), "red")]).shape == (1, 1280)
print("onnx" in sys.modules, "onnxruntime" in sys.modules)
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
