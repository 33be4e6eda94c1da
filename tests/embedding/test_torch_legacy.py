"""The legacy ``.pth`` reader gives the real weights and refuses files that would run code."""

from __future__ import annotations

import collections
import io
import os
import pickle
import struct
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from vitrina.embedding.effnet import weights_path
from vitrina.embedding.torch_legacy import (
    LEGACY_MAGIC,
    LEGACY_PROTOCOL,
    UnsafeCheckpoint,
    load_legacy_state_dict,
)

SYS_INFO = {"protocol_version": LEGACY_PROTOCOL, "little_endian": True, "type_sizes": {}}


def test_reads_every_tensor_of_the_shipped_weights() -> None:
    state = load_legacy_state_dict(weights_path())
    assert len(state) == 296
    assert sum(t.size for t in state.values()) == 4_694_073
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)
    assert state["_blocks.15._project_conv.weight"].shape == (320, 1152, 1, 1)
    assert state["_fc.weight"].shape == (1000, 1280)
    assert state["_fc.weight"].dtype == np.float32
    assert state["_bn0.num_batches_tracked"].dtype == np.int64
    assert np.isfinite(state["_fc.weight"]).all()


class _Storage:
    def __init__(self, key: str, values: np.ndarray) -> None:
        self.key, self.values = key, values


class _Tensor:
    """Pickles the way torch does: ``_rebuild_tensor_v2(storage, offset, size, stride, ...)``."""

    def __init__(self, storage: _Storage, offset: int, size: tuple, stride: tuple) -> None:
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (sys.modules["torch._utils"]._rebuild_tensor_v2, self.args)


def _write_legacy(state: dict, storages: list[_Storage], monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Write a legacy file without torch: stand-in ``torch`` modules only while pickling."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args: object) -> None: ...

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2  # type: ignore[attr-defined]
    float_storage = type("FloatStorage", (), {"__module__": "torch"})
    torch.FloatStorage = float_storage  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj: object) -> object:
            if isinstance(obj, _Storage):
                return ("storage", float_storage, obj.key, "cpu", obj.values.size)
            return None

    out = io.BytesIO()
    for header in (LEGACY_MAGIC, LEGACY_PROTOCOL, SYS_INFO):
        pickle.dump(header, out, protocol=2)
    Pickler(out, protocol=2).dump(state)
    pickle.dump([s.key for s in storages], out, protocol=2)
    for s in storages:
        out.write(struct.pack("<q", s.values.size))
        out.write(s.values.astype("<f4").tobytes())
    return out.getvalue()


def test_offsets_and_strides_are_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flat = np.arange(20, dtype=np.float32)
    storage = _Storage("0", flat)
    state = collections.OrderedDict(
        plain=_Tensor(storage, 0, (2, 3), (3, 1)),
        transposed=_Tensor(storage, 0, (3, 2), (1, 3)),
        shifted=_Tensor(storage, 12, (2, 2), (4, 1)),
    )
    path = tmp_path / "w.pth"
    path.write_bytes(_write_legacy(state, [storage], monkeypatch))
    monkeypatch.delitem(sys.modules, "torch")
    monkeypatch.delitem(sys.modules, "torch._utils")

    got = load_legacy_state_dict(path)
    np.testing.assert_array_equal(got["plain"], flat[:6].reshape(2, 3))
    np.testing.assert_array_equal(got["transposed"], flat[:6].reshape(2, 3).T)
    np.testing.assert_array_equal(got["shifted"], [[12, 13], [16, 17]])


def test_tensor_reaching_outside_its_storage_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = _Storage("0", np.zeros(4, dtype=np.float32))
    state = {"evil": _Tensor(storage, 2, (100,), (1,))}
    path = tmp_path / "w.pth"
    path.write_bytes(_write_legacy(state, [storage], monkeypatch))
    with pytest.raises(UnsafeCheckpoint, match="outside"):
        load_legacy_state_dict(path)


class _RunsCode:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.marker}",))


def test_pickle_that_would_run_a_command_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    out = io.BytesIO()
    for header in (LEGACY_MAGIC, LEGACY_PROTOCOL, SYS_INFO):
        pickle.dump(header, out, protocol=2)
    pickle.dump({"weight": _RunsCode(marker)}, out, protocol=2)
    path = tmp_path / "evil.pth"
    path.write_bytes(out.getvalue())

    with pytest.raises(UnsafeCheckpoint, match="system"):
        load_legacy_state_dict(path)
    assert not marker.exists()


def test_code_in_the_header_pickles_is_refused_too(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    path.write_bytes(pickle.dumps(_RunsCode(marker), protocol=2))
    with pytest.raises(UnsafeCheckpoint):
        load_legacy_state_dict(path)
    assert not marker.exists()


def test_cut_short_file_is_refused(tmp_path: Path) -> None:
    data = weights_path().read_bytes()
    path = tmp_path / "short.pth"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnsafeCheckpoint):
        load_legacy_state_dict(path)


def test_zip_format_checkpoint_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "new.pth"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(UnsafeCheckpoint):
        load_legacy_state_dict(path)
