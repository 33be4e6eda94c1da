"""How fast is the default embedder? ms/image and images/s, beside the bare ONNX Runtime limit.

Rows, at batch 1 and 16:
- ``bare ort``: an ``onnxruntime`` session on the cached model fed a pre-made uint8 tensor — the
  most this model can do here;
- ``model-only``: the embedder on pre-made pixels (our session options and output handling);
- ``end-to-end``: the embedder on JPEG bytes (decode, draft, resize, crop, run, normalise), once
  for the photos that ship with scikit-image/scikit-learn (~0.25 MP) and once for 12 MP photos;
- ``decode 12 MP``: where a 12 MP photo's time goes, per photo on one thread: the JPEG decoded in
  full, and in draft mode at the scale the embedder asks (1/8: the decoder skips the inverse DCT
  of detail the resize would drop, but still reads every coefficient of the file).

Targets on the 2-core reference machine: model-only <= 10 ms/image at batch 1; end-to-end
overhead <= 25 % of model time at batch 16, measured with the three batch-16 rows taking turns
(medians; the CPU of all the process's threads beside the wall time). Run: ``.venv/bin/python benchmarks/embed.py``.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image
from skimage import data
from sklearn.datasets import load_sample_image

from vitrina.config import load_settings
from vitrina.embedding.base import default_thread_count
from vitrina.embedding.effnet import EffnetLite0Embedder
from vitrina.embedding.preprocess import effnet_pixels
from vitrina.images.decode import decode_image


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _photos() -> list[Image.Image]:
    arrays = [data.coffee(), data.chelsea(), data.astronaut(), data.rocket()]
    arrays += [load_sample_image("china.jpg"), load_sample_image("flower.jpg")]
    return [Image.fromarray(a).convert("RGB") for a in arrays]


def _time(run: Callable[[], object], batch: int, min_seconds: float = 3.0) -> float:
    """Median seconds per image over repeated runs (after a warm-up)."""
    for _ in range(3):
        run()
    samples: list[float] = []
    started = time.perf_counter()
    while time.perf_counter() - started < min_seconds or len(samples) < 10:
        t0 = time.perf_counter()
        run()
        samples.append((time.perf_counter() - t0) / batch)
    return statistics.median(samples)


def _time_alternating(
    runs: dict[str, Callable[[], object]], batch: int, rounds: int = 15
) -> dict[str, tuple[float, float]]:
    """Median wall and CPU seconds per image of each run, the runs taking turns round by round
    so a change in the machine's load hits all of them (CPU: every thread of this process)."""
    for run in runs.values():
        run()
    walls: dict[str, list[float]] = {name: [] for name in runs}
    cpus: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            walls[name].append((time.perf_counter() - wall) / batch)
            cpus[name].append((time.process_time() - cpu) / batch)
    return {
        name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in runs
    }


def main() -> None:
    settings = load_settings()
    if not settings.model_dir.exists():
        settings = settings.model_copy(update={"model_dir": Path(tempfile.mkdtemp())})
    embedder = EffnetLite0Embedder(settings)
    embedder.load()
    assert embedder.model_path is not None
    threads = settings.embed_threads or default_thread_count()

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    bare = ort.InferenceSession(
        str(embedder.model_path), options, providers=["CPUExecutionProvider"]
    )

    photos = _photos()
    small = [_jpeg(p) for p in photos]
    large = [_jpeg(p.resize((4000, 3000), Image.Resampling.BICUBIC)) for p in photos[:4]]
    print(f"EfficientNet-Lite0, onnxruntime {ort.__version__}, {threads} threads")
    print(
        f"photos: {len(small)} JPEGs ~{np.mean([len(b) for b in small]) / 1e3:.0f} kB "
        f"(~0.25 MP); {len(large)} JPEGs of 12 MP ~{np.mean([len(b) for b in large]) / 1e6:.1f} MB"
    )
    print()
    header = f"{'mode':<24}{'batch':>6}{'ms/image':>11}{'images/s':>11}{'vs bare':>9}"
    print(header)
    print("-" * len(header))
    results: dict[tuple[str, int], float] = {}
    for batch in (1, 16):
        pixels = effnet_pixels([small[i % len(small)] for i in range(batch)])
        jpegs = [small[i % len(small)] for i in range(batch)]
        big = [large[i % len(large)] for i in range(batch)]
        rows: list[tuple[str, Callable[[], object]]] = [
            ("bare ort", lambda p=pixels: bare.run(["features"], {"image": p})),
            ("model-only", lambda p=pixels: embedder.run_pixels(p)),
            ("end-to-end 0.25 MP jpeg", lambda j=jpegs: embedder.embed_images(j)),
            ("end-to-end 12 MP jpeg", lambda j=big: embedder.embed_images(j)),
        ]
        base = 0.0
        for name, run in rows:
            seconds = _time(run, batch)
            results[(name, batch)] = seconds
            base = base or seconds
            print(
                f"{name:<24}{batch:>6}{seconds * 1e3:>11.2f}{1 / seconds:>11.1f}"
                f"{seconds / base:>8.2f}x"
            )
        print()
    decode_rows: list[tuple[str, Callable[[], object]]] = [
        ("decode 12 MP, full", lambda: decode_image(large[0])),
        ("decode 12 MP, draft 1/8", lambda: decode_image(large[0], draft_size=(256, 256))),
    ]
    for name, run in decode_rows:
        seconds = _time(run, 1)
        print(f"{name:<24}{1:>6}{seconds * 1e3:>11.2f}{1 / seconds:>11.1f}")
    print()
    model_b1 = results[("model-only", 1)] * 1e3
    print(f"model-only at batch 1: {model_b1:.2f} ms/image (target <= 10)")
    pixels = effnet_pixels([small[i % len(small)] for i in range(16)])
    alternating = _time_alternating(
        {
            "model-only": lambda: embedder.run_pixels(pixels),
            "end-to-end 0.25 MP jpeg": lambda: embedder.embed_images(
                [small[i % len(small)] for i in range(16)]
            ),
            "end-to-end 12 MP jpeg": lambda: embedder.embed_images(
                [large[i % len(large)] for i in range(16)]
            ),
        },
        16,
    )
    model_wall, model_cpu = alternating["model-only"]
    print(
        f"at batch 16, the rows taking turns: model-only {model_wall * 1e3:.2f} ms/image wall, "
        f"{model_cpu * 1e3:.2f} ms CPU"
    )
    for name in ("end-to-end 0.25 MP jpeg", "end-to-end 12 MP jpeg"):
        wall, cpu = alternating[name]
        print(
            f"{name} overhead at batch 16: {(wall - model_wall) / model_wall:.0%} of model time "
            f"(target <= 25 %); CPU {(cpu - model_cpu) / model_cpu:+.0%}"
        )


if __name__ == "__main__":
    main()
