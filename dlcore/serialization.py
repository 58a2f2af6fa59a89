"""dlcore.save / dlcore.load: nested dicts, lists and tuples of Tensors, numpy arrays and plain
scalars in one safetensors file. The tensors are the safetensors entries ("t0", "t1", ...); the
structure around them is JSON in the header's __metadata__["dlcore"], so the file is readable by
any safetensors reader.

Writes are atomic: the bytes go to a temporary file in the same directory, which is flushed,
fsync'ed and renamed over the target (then the directory is fsync'ed). A crash or an exception
mid-save leaves the previous file intact; only a stray temporary file may remain.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import tempfile

import numpy as np

from . import backend
from .tensor import Tensor

FORMAT = "dlcore-save"
VERSION = 1


def _encode(obj, arrays: dict):
    if isinstance(obj, (Tensor, np.ndarray)) or hasattr(obj, "__cuda_array_interface__"):
        kind = "Tensor" if isinstance(obj, Tensor) else "ndarray"
        data = obj.data if isinstance(obj, Tensor) else obj
        data = backend.to_device(data, "cpu")  # the same array when already on the CPU
        key = f"t{len(arrays)}"
        arrays[key] = data if data.flags.c_contiguous else np.array(data, order="C")
        return {"__tensor__": key, "kind": kind}
    if isinstance(obj, np.generic):
        return {"__npscalar__": str(obj.dtype), "value": obj.item()}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj) and "__tensor__" not in obj:
            return {"__dict__": {k: _encode(v, arrays) for k, v in obj.items()}}
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int, float, bool, type(None))):
                raise TypeError(
                    f"dlcore.save: dict keys must be str, int, float, bool or None, got {type(k).__name__}"
                )
            items.append([k, _encode(v, arrays)])
        return {"__items__": items}
    if isinstance(obj, (list, tuple)):
        enc = [_encode(v, arrays) for v in obj]
        return {"__tuple__": enc} if isinstance(obj, tuple) else enc
    raise TypeError(
        f"dlcore.save: cannot save an object of type {type(obj).__name__} "
        "(supported: Tensor, numpy array, dict, list, tuple, str, int, float, bool, "
        "None)"
    )


def _decode(obj, arrays: dict):
    if isinstance(obj, list):
        return [_decode(v, arrays) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "__tensor__" in obj:
        a = arrays[obj["__tensor__"]]
        return Tensor(a) if obj["kind"] == "Tensor" else a
    if "__npscalar__" in obj:
        return np.dtype(obj["__npscalar__"]).type(obj["value"])
    if "__dict__" in obj:
        return {k: _decode(v, arrays) for k, v in obj["__dict__"].items()}
    if "__items__" in obj:
        return {k: _decode(v, arrays) for k, v in obj["__items__"]}
    if "__tuple__" in obj:
        return tuple(_decode(v, arrays) for v in obj["__tuple__"])
    raise ValueError(f"dlcore.load: unknown entry {sorted(obj)} in the file's structure")


def dumps(obj) -> bytes:
    """The bytes dlcore.save writes for obj."""
    from safetensors.numpy import save as st_save

    arrays: dict = {}
    tree = _encode(obj, arrays)
    meta = {
        "format": FORMAT,
        "version": str(VERSION),
        "dlcore": json.dumps(tree, allow_nan=True, separators=(",", ":")),
    }
    return st_save(arrays, metadata=meta)


def _write_bytes(f, data: bytes) -> None:
    f.write(data)


def atomic_write(path, data: bytes) -> None:
    """Write data to path atomically (temporary file, fsync, rename, fsync of the directory)."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            _write_bytes(f, data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def save(obj, path) -> None:
    """Save nested dicts/lists/tuples of Tensors, numpy arrays and scalars to path, atomically."""
    atomic_write(path, dumps(obj))


def loads(data: bytes):
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    if len(data) < 8:
        raise ValueError("dlcore.load: the file is truncated (no safetensors header)")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError("dlcore.load: the file is truncated (header longer than the file)")
    try:
        header = json.loads(data[8 : 8 + n])
    except ValueError as e:
        raise ValueError(f"dlcore.load: corrupt safetensors header ({e})") from None
    meta = header.get("__metadata__") or {}
    if meta.get("format") != FORMAT or "dlcore" not in meta:
        raise ValueError(
            "dlcore.load: not a file written by dlcore.save (no dlcore metadata); "
            "use safetensors directly for plain safetensors files"
        )
    if int(meta.get("version", 0)) > VERSION:
        raise ValueError(
            f"dlcore.load: file format version {meta['version']} is newer than this dlcore ({VERSION})"
        )
    try:
        arrays = st_load(data)
    except SafetensorError as e:  # safetensors' error for truncated or corrupt data
        raise ValueError(f"dlcore.load: corrupt or truncated tensor data ({e})") from None
    return _decode(json.loads(meta["dlcore"]), arrays)


def load(path):
    """Load what dlcore.save wrote: Tensors come back as Tensors, numpy arrays as arrays."""
    with open(path, "rb") as f:
        data = f.read()
    return loads(data)


__all__ = ["save", "load", "dumps", "loads", "atomic_write"]
