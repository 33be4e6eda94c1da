"""The network is EfficientNet-Lite0, not just something that runs: ImageNet answers are right."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image

from vitrina.embedding.effnet import EffnetLite0Embedder, weights_path
from vitrina.embedding.effnet_graph import build_effnet_lite0, same_padding
from vitrina.embedding.preprocess import effnet_pixels
from vitrina.embedding.torch_legacy import load_legacy_state_dict

ESPRESSO = 967
TABBY, TIGER_CAT, EGYPTIAN_CAT = 281, 282, 285
MISSILE, PROJECTILE = 657, 744
PALACE = 698
DAISY = 985


@pytest.fixture(scope="module")
def classifier() -> ort.InferenceSession:
    model = build_effnet_lite0(load_legacy_state_dict(weights_path()), with_logits=True)
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def classify(session: ort.InferenceSession, image: Image.Image) -> np.ndarray:
    _, logits = session.run(None, {"image": effnet_pixels([image])})
    exp = np.exp(logits[0] - logits[0].max())
    return exp / exp.sum()


@pytest.mark.parametrize(
    ("photo", "expected"),
    [
        ("coffee", {ESPRESSO}),
        ("chelsea", {TABBY, TIGER_CAT}),
        ("rocket", {MISSILE, PROJECTILE}),
        ("china", {PALACE}),
        ("flower", {DAISY}),
    ],
)
def test_imagenet_top1_is_right_for_real_photos(
    classifier: ort.InferenceSession, photos: dict[str, Image.Image], photo: str, expected: set[int]
) -> None:
    probs = classify(classifier, photos[photo])
    assert int(probs.argmax()) in expected


def test_espresso_is_a_confident_answer(
    classifier: ort.InferenceSession, photos: dict[str, Image.Image]
) -> None:
    # Miswired weights (a transposed kernel, a skipped batch norm) still "run" but lose confidence.
    assert classify(classifier, photos["coffee"])[ESPRESSO] > 0.9


def test_the_cat_is_mostly_a_domestic_cat(
    classifier: ort.InferenceSession, photos: dict[str, Image.Image]
) -> None:
    probs = classify(classifier, photos["chelsea"])
    assert probs[[TABBY, TIGER_CAT, EGYPTIAN_CAT]].sum() > 0.85


def test_embedding_is_the_classifiers_pooled_features(
    classifier: ort.InferenceSession, effnet: EffnetLite0Embedder, photos: dict[str, Image.Image]
) -> None:
    pixels = effnet_pixels([photos["coffee"], photos["chelsea"]])
    features, _ = classifier.run(None, {"image": pixels})
    expected = features / np.linalg.norm(features, axis=1, keepdims=True)
    got = effnet.embed_images([photos["coffee"], photos["chelsea"]])
    assert got.shape == (2, 1280)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-5)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "expected"),
    [(224, 3, 2, (0, 1)), (112, 3, 1, (1, 1)), (56, 5, 2, (1, 2)), (7, 3, 1, (1, 1))],
)
def test_same_padding_puts_the_extra_pixel_bottom_right(
    size: int, kernel: int, stride: int, expected: tuple[int, int]
) -> None:
    assert same_padding(size, kernel, stride) == expected
