"""Experiment: which image representation finds the bouquet on real photographs (cosine only).

Not a benchmark of search (no colour, no verification): the question is only how often the
nearest catalog photo by cosine is of the same bouquet (the product or one of its colour
variants), for each customer style and for another real photo of the bouquet, when the
EfficientNet-Lite0 feature map is pooled differently, or the query or the catalog photo is also
embedded in crops (a photo keeps its best cosine over its crops, as search does with regions).

Run: ``.venv/bin/python benchmarks/scripts/pooling_real.py`` (photos as for real_photos.py).
"""

from __future__ import annotations

import argparse
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


PARSER = argparse.ArgumentParser()
PARSER.add_argument("--pooling", nargs="+", default=["avg", "gem3"])
ARGS = PARSER.parse_args()
SESSION = feature_map_session()
OUTPUT = SESSION.get_outputs()[1].name


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

    crops = {"c70": lambda im: crop(im, 0.7), "c50": lambda im: crop(im, 0.5)}
    fm: dict[tuple[str, str], NDArray[np.float32]] = {
        ("cat", "whole"): maps(photos, centre),
        ("q", "whole"): maps(query_images, centre),
    }
    for name, cut in crops.items():
        fm[("cat", name)] = maps([cut(p) for p in photos], centre)
        fm[("q", name)] = maps([cut(p) for p in query_images], centre)

    def vectors(side: str, views: list[str], how: str, mean: bool) -> NDArray[np.float32]:
        stacked = np.stack([pooled(fm[(side, v)], how) for v in views])  # (views, n, d)
        if not mean:
            return stacked
        summed = stacked.sum(axis=0, keepdims=True)
        return summed / np.linalg.norm(summed, axis=2, keepdims=True)

    def evaluate(
        label: str,
        cat: list[str],
        qry: list[str],
        how: str,
        cat_mean: bool = False,
        q_mean: bool = False,
    ) -> None:
        c = vectors("cat", cat, how, cat_mean)
        q = vectors("q", qry, how, q_mean)
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
    for how in ARGS.pooling:
        evaluate(f"{how}, whole", ["whole"], ["whole"], how)
        evaluate(f"{how}, query +c70", ["whole"], ["whole", "c70"], how)
        evaluate(f"{how}, both +c70", ["whole", "c70"], ["whole", "c70"], how)
        evaluate(f"{how}, catalog mean(whole, c70)", ["whole", "c70"], ["whole"], how, True)
        evaluate(
            f"{how}, catalog mean(whole, c70), query +c70",
            ["whole", "c70"],
            ["whole", "c70"],
            how,
            True,
        )
        evaluate(
            f"{how}, both mean(whole, c70)", ["whole", "c70"], ["whole", "c70"], how, True, True
        )
        evaluate(
            f"{how}, catalog mean(whole, c70, c50), query +c70 +c50",
            ["whole", "c70", "c50"],
            ["whole", "c70", "c50"],
            how,
            True,
        )


if __name__ == "__main__":
    main()
