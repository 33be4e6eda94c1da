"""CLIP loading, preprocessing and text search, on a tiny CLIP-shaped model built right here.

The visual tower averages each colour channel and maps R, G, B to three axes; the text tower
averages word vectors where "red", "green" and "blue" sit on those same axes. A real export has
the same inputs and outputs, only bigger.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from PIL import Image
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

from tests.embedding.samples import jpeg_bytes
from vitrina.config import Settings
from vitrina.embedding import get_embedder
from vitrina.embedding.clip import ClipEmbedder
from vitrina.errors import ConfigurationError, NotAnImage

DIM = 8
CONTEXT = 16
VOCAB = {"[PAD]": 0, "[UNK]": 1, "red": 2, "green": 3, "blue": 4, "roses": 5}


def _save(model: onnx.ModelProto, path: Path) -> None:
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


def _visual(size: int) -> onnx.ModelProto:
    projection = np.zeros((3, DIM), dtype=np.float32)
    projection[0, 0] = projection[1, 1] = projection[2, 2] = 1.0
    graph = helper.make_graph(
        [
            helper.make_node("GlobalAveragePool", ["pixel_values"], ["pooled"]),
            helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "projection"], ["image_embeds"]),
        ],
        "tiny_clip_visual",
        [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["n", 3, size, size])],
        [helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["n", DIM])],
        [numpy_helper.from_array(projection, "projection")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def _textual(dim: int = DIM) -> onnx.ModelProto:
    table = np.zeros((len(VOCAB), dim), dtype=np.float32)
    table[VOCAB["red"], 0] = table[VOCAB["green"], 1] = table[VOCAB["blue"], 2] = 1.0
    table[VOCAB["roses"], 3 % dim] = 0.5
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["vectors"]),
            helper.make_node("ReduceSum", ["vectors", "axis"], ["text_embeds"], keepdims=0),
        ],
        "tiny_clip_textual",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT32, ["n", CONTEXT])],
        [helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["n", dim])],
        [
            numpy_helper.from_array(table, "table"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "axis"),
        ],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def make_clip_folder(folder: Path, *, size: int = 32, text_dim: int = DIM) -> Path:
    _save(_visual(size), folder / "visual" / "model.onnx")
    _save(_textual(text_dim), folder / "textual" / "model.onnx")
    # Plain mean 0 / std 1 keeps the arithmetic readable and proves the config is honoured.
    (folder / "visual" / "preprocess_cfg.json").write_text(
        json.dumps({"size": size, "mean": [0, 0, 0], "std": [1, 1, 1]})
    )
    tokenizer = Tokenizer(models.WordLevel(VOCAB, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()  # as CLIP's own BPE tokenizer does
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "textual" / "tokenizer.json"))
    return folder


@pytest.fixture
def clip(tmp_path: Path) -> ClipEmbedder:
    folder = make_clip_folder(tmp_path / "clip")
    embedder = get_embedder("clip", Settings(clip_dir=folder, model_dir=tmp_path))
    assert isinstance(embedder, ClipEmbedder)
    return embedder


RED, GREEN, BLUE = (230, 20, 20), (20, 230, 20), (20, 20, 230)


def test_text_finds_the_photo_of_that_colour(clip: ClipEmbedder) -> None:
    photos = clip.embed_images(
        [jpeg_bytes(Image.new("RGB", (300, 200), c)) for c in (RED, GREEN, BLUE)]
    )
    texts = clip.embed_text(["red roses", "green", "BLUE unknown words"])
    assert photos.shape == texts.shape == (3, DIM)
    assert (texts @ photos.T).argmax(axis=1).tolist() == [0, 1, 2]


def test_vectors_are_unit_length_float32(clip: ClipEmbedder) -> None:
    vectors = clip.embed_images([Image.new("RGB", (64, 64), RED)])
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    assert clip.dim == DIM
    assert clip.supports_text


def test_preprocessing_config_is_honoured(clip: ClipEmbedder) -> None:
    # With mean 0 / std 1 a pure red photo is exactly the first axis.
    (vector,) = clip.embed_images([Image.new("RGB", (50, 80), (255, 0, 0))])
    np.testing.assert_allclose(vector[:3], [1, 0, 0], atol=1e-6)


def test_long_text_is_truncated_to_the_context(clip: ClipEmbedder) -> None:
    (vector,) = clip.embed_text(["red " * 100])
    assert np.isfinite(vector).all()


def test_name_follows_the_model_files(tmp_path: Path) -> None:
    a = ClipEmbedder(Settings(clip_dir=make_clip_folder(tmp_path / "a")))
    b = ClipEmbedder(Settings(clip_dir=make_clip_folder(tmp_path / "b")))
    c = ClipEmbedder(Settings(clip_dir=make_clip_folder(tmp_path / "c", size=48)))
    assert a.name == b.name != c.name
    assert a.name.startswith("clip-")


def test_bad_photo_gives_the_typed_error(clip: ClipEmbedder) -> None:
    with pytest.raises(NotAnImage):
        clip.embed_images([b"GIF? no"])


def test_clip_without_a_folder_says_which_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="VITRINA_CLIP_DIR"):
        get_embedder("clip", Settings(model_dir=tmp_path))


def test_missing_files_are_named(tmp_path: Path) -> None:
    folder = make_clip_folder(tmp_path / "clip")
    (folder / "textual" / "tokenizer.json").unlink()
    (folder / "visual" / "model.onnx").unlink()
    with pytest.raises(ConfigurationError, match=r"visual/model.onnx, textual/tokenizer.json"):
        ClipEmbedder(Settings(clip_dir=folder))


def test_malformed_tokenizer_is_a_configuration_error(tmp_path: Path) -> None:
    folder = make_clip_folder(tmp_path / "clip")
    (folder / "textual" / "tokenizer.json").write_text("{not json")
    with pytest.raises(ConfigurationError, match="tokenizer"):
        ClipEmbedder(Settings(clip_dir=folder))


def test_malformed_model_fails_at_load_naming_the_file(tmp_path: Path) -> None:
    folder = make_clip_folder(tmp_path / "clip")
    (folder / "visual" / "model.onnx").write_bytes(b"not a model")
    embedder = ClipEmbedder(Settings(clip_dir=folder))
    with pytest.raises(ConfigurationError, match=r"visual/model\.onnx"):
        embedder.load()


def test_towers_of_different_widths_are_refused(tmp_path: Path) -> None:
    folder = make_clip_folder(tmp_path / "clip", text_dim=4)
    with pytest.raises(ConfigurationError, match="disagree"):
        ClipEmbedder(Settings(clip_dir=folder)).load()
