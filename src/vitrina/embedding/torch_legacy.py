"""Read PyTorch's legacy (pre-zip) ``.pth`` format into NumPy, without torch and without trust.

The format is five pickles back to back — magic number, protocol version, sys-info, the object
(here a state dict of tensors), the list of storage keys — then, for every key in that order, an
int64 element count followed by the raw little-endian data. A plain ``pickle.load`` would run any
callable the file names; :class:`_RestrictedUnpickler` resolves only the handful of names a state
dict needs and refuses everything else, so a malicious file raises instead of executing.
"""

from __future__ import annotations

import collections
import io
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from vitrina.errors import VitrinaError

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001

# Storage class name -> NumPy dtype (little-endian, as the sys-info of every file we accept says).
_STORAGE_DTYPES: dict[str, np.dtype[Any]] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


class UnsafeCheckpoint(VitrinaError):
    """The weights file is not a plain PyTorch state dict (refused: it could run code)."""

    code = "unsafe_checkpoint"


@dataclass(frozen=True)
class _StorageType:
    """Stand-in for ``torch.FloatStorage`` and friends: only the dtype matters."""

    name: str

    @property
    def dtype(self) -> np.dtype[Any]:
        return _STORAGE_DTYPES[self.name]


@dataclass(frozen=True)
class _StorageRef:
    key: str
    dtype: np.dtype[Any]
    numel: int


@dataclass(frozen=True)
class _TensorRef:
    """A tensor whose storage bytes come after the pickle; materialised once they are read."""

    storage: _StorageRef
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor_v2(
    storage: _StorageRef,
    storage_offset: int,
    size: tuple[int, ...],
    stride: tuple[int, ...],
    requires_grad: bool = False,
    backward_hooks: object = None,
    metadata: object = None,
) -> _TensorRef:
    if not isinstance(storage, _StorageRef):
        raise UnsafeCheckpoint("a tensor refers to something that is not a storage")
    return _TensorRef(storage, int(storage_offset), tuple(size), tuple(stride))


def _rebuild_parameter(data: _TensorRef, requires_grad: bool, backward_hooks: object) -> _TensorRef:
    return data


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves only what a state dict of tensors needs; anything else is refused."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file, encoding="utf-8")
        self.storages: dict[str, _StorageRef] = {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return _rebuild_parameter
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise UnsafeCheckpoint(f"the weights file asks for {module}.{name}, which is not allowed")

    def persistent_load(self, pid: Any) -> _StorageRef:
        # Older files add a sixth element, view metadata, which is None for plain storages.
        if not (
            isinstance(pid, tuple)
            and len(pid) in (5, 6)
            and pid[0] == "storage"
            and (len(pid) == 5 or pid[5] is None)
        ):
            raise UnsafeCheckpoint(f"unexpected persistent id {pid!r:.80}")
        _, storage_type, key, _location, numel = pid[:5]
        if not isinstance(storage_type, _StorageType):
            raise UnsafeCheckpoint("storage of an unknown type")
        ref = self.storages.get(key)
        if ref is None:
            ref = _StorageRef(str(key), storage_type.dtype, int(numel))
            self.storages[str(key)] = ref
        return ref


def _plain_load(file: IO[bytes]) -> Any:
    """Load one pickle that may hold only plain data (numbers, strings, dicts, lists)."""

    class _Plain(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            raise UnsafeCheckpoint(f"the weights file asks for {module}.{name}; not allowed")

    return _Plain(file).load()


def load_legacy_state_dict(path: Path | str) -> dict[str, NDArray[Any]]:
    """Read a legacy-format ``.pth`` state dict into ``{name: ndarray}`` (never runs its code)."""
    with open(path, "rb") as raw:
        file = io.BufferedReader(raw)  # type: ignore[arg-type]
        try:
            return _read(file)
        except UnsafeCheckpoint:
            raise
        except (pickle.UnpicklingError, EOFError, struct.error, ValueError, KeyError) as exc:
            raise UnsafeCheckpoint(f"{path} is not a legacy PyTorch state dict: {exc}") from exc


def _read(file: IO[bytes]) -> dict[str, NDArray[Any]]:
    if _plain_load(file) != LEGACY_MAGIC:
        raise UnsafeCheckpoint("not a legacy PyTorch file (bad magic number)")
    if _plain_load(file) != LEGACY_PROTOCOL:
        raise UnsafeCheckpoint("unsupported legacy PyTorch protocol version")
    sys_info = _plain_load(file)
    if not isinstance(sys_info, dict) or not sys_info.get("little_endian", False):
        raise UnsafeCheckpoint("only little-endian weight files are supported")

    unpickler = _RestrictedUnpickler(file)
    state = unpickler.load()
    if not isinstance(state, dict):
        raise UnsafeCheckpoint("the file does not hold a state dict")
    keys = _plain_load(file)
    if not isinstance(keys, list):
        raise UnsafeCheckpoint("the storage key list is missing")

    data: dict[str, NDArray[Any]] = {}
    for key in keys:
        ref = unpickler.storages.get(str(key))
        if ref is None:
            raise UnsafeCheckpoint(f"storage {key!r} is not referenced by any tensor")
        (numel,) = struct.unpack("<q", file.read(8))
        if numel != ref.numel:
            raise UnsafeCheckpoint(f"storage {key!r} has {numel} elements, expected {ref.numel}")
        buffer = file.read(numel * ref.dtype.itemsize)
        if len(buffer) != numel * ref.dtype.itemsize:
            raise UnsafeCheckpoint("the weights file is cut short")
        data[ref.key] = np.frombuffer(buffer, dtype=ref.dtype)

    result: dict[str, NDArray[Any]] = {}
    for name, tensor in state.items():
        if not isinstance(tensor, _TensorRef):
            raise UnsafeCheckpoint(f"{name!r} is not a tensor")
        result[str(name)] = _materialise(tensor, data[tensor.storage.key])
    return result


def _materialise(tensor: _TensorRef, storage: NDArray[Any]) -> NDArray[Any]:
    """Apply offset, size and stride to the flat storage, checking bounds first."""
    if not tensor.size:
        return storage[tensor.offset : tensor.offset + 1].reshape(()).copy()
    last = tensor.offset + sum((n - 1) * s for n, s in zip(tensor.size, tensor.stride, strict=True))
    if tensor.offset < 0 or last >= storage.size or min(tensor.stride) < 0:
        raise UnsafeCheckpoint("a tensor reaches outside its storage")
    view = np.lib.stride_tricks.as_strided(
        storage[tensor.offset :],
        shape=tensor.size,
        strides=tuple(s * storage.itemsize for s in tensor.stride),
        writeable=False,
    )
    return np.array(view, copy=True)
