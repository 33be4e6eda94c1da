"""The HNSW index's file next to the database: written atomically, checked before it is trusted.

Three files per model in one folder: the faiss index, the label arrays (which photo and product
each stored vector belongs to, which ones are deleted, and the projection of a reduced graph) and
a JSON header with the SHA-256 of both, the settings they were built with and the watermark of
the last vector they hold. A file that fails any check is not used: the index is rebuilt from
the vector table, which is the truth.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from numpy.typing import NDArray

log = logging.getLogger("vitrina.vectors")

FORMAT = 2


@dataclass(frozen=True, slots=True)
class IndexFiles:
    """Where one model's index lives."""

    folder: Path
    model: str

    @property
    def stem(self) -> str:
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", self.model)[:60]
        digest = hashlib.sha256(self.model.encode()).hexdigest()[:8]
        return f"{slug}-{digest}"

    @property
    def index(self) -> Path:
        return self.folder / f"{self.stem}.faiss"

    @property
    def labels(self) -> Path:
        return self.folder / f"{self.stem}.labels.npz"

    @property
    def header(self) -> Path:
        return self.folder / f"{self.stem}.json"


@dataclass(slots=True)
class Snapshot:
    """What is saved and loaded: the graph, what each label stands for, and how far it goes."""

    index: Any  # faiss.IndexHNSWSQ
    image_ids: NDArray[np.int64]
    product_ids: NDArray[np.int64]
    alive: NDArray[np.bool_]
    projection: NDArray[np.float32] | None  # dim × width when the graph walks reduced vectors
    judged: int  # vectors the graph held when a reduction was judged not worth it
    vector_mark: datetime | None
    params: dict[str, int]


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def save(files: IndexFiles, snap: Snapshot, model: str, dim: int) -> None:
    """Write the three files under temporary names, then rename: a crash leaves the old set."""
    files.folder.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    tmp_index, tmp_labels, tmp_header = (
        path.with_name(f"{path.name}.{pid}.tmp")
        for path in (files.index, files.labels, files.header)
    )
    faiss.write_index(snap.index, str(tmp_index))
    with tmp_labels.open("wb") as handle:  # a file object: np.savez would append ".npz"
        np.savez(
            handle,
            image_ids=snap.image_ids,
            product_ids=snap.product_ids,
            alive=snap.alive,
            projection=np.zeros((0, 0), np.float32) if snap.projection is None else snap.projection,
            judged=np.int64(snap.judged),
        )
    header = {
        "format": FORMAT,
        "model": model,
        "dim": dim,
        "faiss": faiss.__version__,
        "params": snap.params,
        "ntotal": int(snap.index.ntotal),
        "vector_mark": snap.vector_mark.isoformat() if snap.vector_mark else None,
        "sha256": {"index": _sha256(tmp_index), "labels": _sha256(tmp_labels)},
    }
    tmp_header.write_text(json.dumps(header, indent=1))
    os.replace(tmp_index, files.index)
    os.replace(tmp_labels, files.labels)
    os.replace(tmp_header, files.header)


def load(files: IndexFiles, model: str, dim: int, params: dict[str, int]) -> Snapshot | None:
    """The saved index if every check passes; None (with the reason logged) otherwise."""
    if not files.header.exists():
        return None
    try:
        header = json.loads(files.header.read_text())
        expected = {"format": FORMAT, "model": model, "dim": dim, "params": params}
        for key, value in expected.items():
            if header.get(key) != value:
                _reject(files, f"{key} is {header.get(key)!r}, expected {value!r}")
                return None
        for name, path in (("index", files.index), ("labels", files.labels)):
            if _sha256(path) != header["sha256"][name]:
                _reject(files, f"checksum of {path.name} does not match")
                return None
        index = faiss.read_index(str(files.index))
        with np.load(files.labels) as arrays:
            image_ids = arrays["image_ids"].astype(np.int64)
            product_ids = arrays["product_ids"].astype(np.int64)
            alive = arrays["alive"].astype(bool)
            projection = (
                arrays["projection"].astype(np.float32) if arrays["projection"].size else None
            )
            judged = int(arrays["judged"])
        if not (index.ntotal == len(image_ids) == len(product_ids) == len(alive)):
            _reject(files, "label arrays do not match the index size")
            return None
        if index.d != (dim if projection is None else projection.shape[1]) or (
            projection is not None and projection.shape[0] != dim
        ):
            _reject(files, "the projection does not match the index width")
            return None
        mark = header.get("vector_mark")
        return Snapshot(
            index=index,
            image_ids=image_ids,
            product_ids=product_ids,
            alive=alive,
            projection=projection,
            judged=judged,
            vector_mark=datetime.fromisoformat(mark) if mark else None,
            params=params,
        )
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as error:
        _reject(files, f"unreadable ({error})")
        return None


def _reject(files: IndexFiles, reason: str) -> None:
    log.warning(
        "vector index file %s not used: %s; rebuilding from the table", files.header, reason
    )
    return None
