"""Experiment: which image representation finds the bouquet on real photographs (cosine only).

Not a benchmark of search (no colour, no verification): the question is only how often the
nearest catalog photo by cosine is of the same bouquet (the product or one of its colour
variants), for each customer style and for another real photo of the bouquet, when the
EfficientNet-Lite0 feature map is pooled differently, or the query or the catalog photo is also
embedded in crops (a photo keeps its best cosine over its crops, as search does with regions).

Run: ``.venv/bin/python benchmarks/scripts/pooling_real.py`` (photos as for real_photos.py).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from numpy.typing import NDArray
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))

from real_photos import build_catalog, load_sources, photo_dir

from vitrina.config import load_settings
from vitrina.embedding.effnet import prepare_model
from vitrina.embedding.preprocess import resize_centre_crop
from vitrina.images.decode import decode_image
from vitrina.search.customer_photos import CUSTOMER_STYLES, jpeg_bytes

Vectors = NDArray[np.float32]


def feature_map_session() -> ort.InferenceSession:
    """The bundled model with the head's 7x7x1280 activations as a second output."""
    model = onnx.load(str(prepare_model(load_settings().model_dir)))
    pool = next(n for n in model.graph.node if n.op_type == "GlobalAveragePool")
    model.graph.output.append(
        onnx.helper.make_tensor_value_info(pool.input[0], onnx.TensorProto.FLOAT, None)
    )
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options)


SESSION = feature_map_session()
OUTPUT = SESSION.get_outputs()[1].name


def squash(image: Image.Image) -> Image.Image:
    return image.resize((224, 224), Image.Resampling.BILINEAR)


def crop(image: Image.Image, share: float, dy: float = 0.0) -> Image.Image:
    w, h = image.size
    cw, ch = int(w * share), int(h * share)
    left = (w - cw) // 2
    top = int(max(0, min(h - ch, (h - ch) // 2 + dy * h)))
    return image.crop((left, top, left + cw, top + ch))


def maps(
    images: list[Image.Image], fit: Callable[[Image.Image], Image.Image]
) -> NDArray[np.float32]:
    pixels = np.stack([np.asarray(fit(i.convert("RGB")), dtype=np.uint8) for i in images])
    (fmap,) = SESSION.run([OUTPUT], {"image": pixels})
    return np.asarray(fmap, dtype=np.float32)  # (n, 1280, 7, 7)


def pooled(fmap: NDArray[np.float32], how: str) -> Vectors:
    flat = fmap.reshape(fmap.shape[0], fmap.shape[1], -1)
    if how == "avg":
        v = flat.mean(axis=2)
    elif how == "max":
        v = flat.max(axis=2)
    elif how.startswith("gem"):
        p = float(how[3:])
        v = np.power(np.power(np.maximum(flat, 1e-6), p).mean(axis=2), 1 / p)
    else:
        raise ValueError(how)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def centre(image: Image.Image) -> Image.Image:
    return resize_centre_crop(image)


def main() -> None:
    folder = photo_dir(None)
    catalog = build_catalog(load_sources(), folder)
    rng = random.Random(25)
    pids = [pid for pid, _ in catalog.products]
    photos = [catalog.photos[pid] for pid in pids]
    group = np.array([catalog.group[pid] for pid in pids])
    queries: list[tuple[str, Image.Image, int]] = []
    for pid in pids:
        for kind, style in CUSTOMER_STYLES.items():
            shot = decode_image(jpeg_bytes(style(catalog.photos[pid], rng)))
            queries.append((kind, shot, catalog.group[pid]))
    for data, pid in catalog.same_bouquet:
        queries.append(("another photo", decode_image(data), catalog.group[pid]))
    query_images = [q[1] for q in queries]
    truth = np.array([q[2] for q in queries])
    kinds = sorted({q[0] for q in queries})

    catalog_views = {
        "whole": (photos, centre),
        "squash": (photos, squash),
    }
    query_views = {"whole": (query_images, centre), "squash": (query_images, squash)}
    crops = {
        "c70": lambda im: crop(im, 0.7),
        "c50": lambda im: crop(im, 0.5),
        "top60": lambda im: crop(im, 0.6, -0.15),
    }
    fm: dict[tuple[str, str], NDArray[np.float32]] = {}
    for name, (images, fit) in catalog_views.items():
        fm[("cat", name)] = maps(images, fit)
    for name, (images, fit) in query_views.items():
        fm[("q", name)] = maps(images, fit)
    for name, cut in crops.items():
        fm[("cat", name)] = maps([cut(p) for p in photos], centre)
        fm[("q", name)] = maps([cut(p) for p in query_images], centre)

    def evaluate(label: str, cat: list[str], qry: list[str], how: str) -> None:
        c = np.stack([pooled(fm[("cat", v)], how) for v in cat])  # (views, n, d)
        q = np.stack([pooled(fm[("q", v)], how) for v in qry])
        best = np.full((len(query_images), len(photos)), -1.0, dtype=np.float32)
        for qi in range(q.shape[0]):
            for ci in range(c.shape[0]):
                best = np.maximum(best, q[qi] @ c[ci].T)
        order = np.argsort(-best, axis=1)
        first = group[order[:, 0]] == truth
        top5 = np.array([truth[i] in group[order[i, :5]] for i in range(len(truth))])
        per = {k: first[[q[0] == k for q in queries]].mean() for k in kinds}
        print(
            f"| {label} | {first.mean():.1%} | {top5.mean():.1%} | "
            + " | ".join(f"{per[k]:.0%}" for k in kinds)
            + " |"
        )

    print(f"{len(photos)} catalog photos, {len(queries)} queries; bouquet first by cosine")
    print("| representation | recall@1 | recall@5 | " + " | ".join(kinds) + " |")
    print("|---|---|---|" + "---|" * len(kinds))
    for how in ("avg", "gem3", "gem6", "max"):
        evaluate(f"{how}, whole", ["whole"], ["whole"], how)
    for how in ("avg", "gem3"):
        evaluate(f"{how}, squashed", ["squash"], ["squash"], how)
        evaluate(f"{how}, whole+squash both", ["whole", "squash"], ["whole", "squash"], how)
        evaluate(f"{how}, query +c70", ["whole"], ["whole", "c70"], how)
        evaluate(f"{how}, catalog +c70", ["whole", "c70"], ["whole"], how)
        evaluate(f"{how}, both +c70", ["whole", "c70"], ["whole", "c70"], how)
        evaluate(f"{how}, both +c70+c50", ["whole", "c70", "c50"], ["whole", "c70", "c50"], how)
        evaluate(f"{how}, catalog +c70+top60", ["whole", "c70", "top60"], ["whole"], how)
        evaluate(
            f"{how}, both +c70+top60", ["whole", "c70", "top60"], ["whole", "c70", "top60"], how
        )


if __name__ == "__main__":
    main()
