"""dlcore.save / dlcore.load: nested dicts, lists and tuples of Tensors, numpy arrays and plain
scalars in one safetensors file. The tensors are the safetensors entries ("t0", "t1", ...); the
structure around them is JSON in the header's __metadata__["dlcore"], so the file is readable by
any safetensors reader. The format and its guarantees: docs/checkpoints.md.

Integrity (format version 2): __metadata__["checksums"] is JSON {"dlcore": crc32 of the structure
JSON, "t<i>": crc32 of tensor i's dtype, shape and bytes} (8 hex digits each); load verifies all of
them and names the tensor that fails. Version 1 files (no checksums) still load, unverified.
Writes are atomic (serialization.atomic): a crash mid-save keeps the previous file, and the next
save removes the temporary file it left.
"""

from __future__ import annotations

import json
import os
import zlib

import numpy as np

from .. import backend
from ..device import device as _device
from ..tensor import Tensor
from . import header as _header
from .atomic import atomic_write

FORMAT = _header.FORMAT
VERSION = 2
_NP_SCALAR_KINDS = "biufc"
_SAVABLE = {np.dtype(t) for t in _header.DTYPES.values()}


def _encode(obj, arrays: dict):
    if isinstance(obj, (Tensor, np.ndarray)) or hasattr(obj, "__cuda_array_interface__"):
        kind = "Tensor" if isinstance(obj, Tensor) else "ndarray"
        data = obj.data if isinstance(obj, Tensor) else obj
        data = backend.to_device(data, "cpu")  # the same array when already on the CPU
        if data.dtype.newbyteorder("=") not in _SAVABLE:
            raise TypeError(f"dlcore.save: cannot save an array of dtype {data.dtype}")
        key = f"t{len(arrays)}"
        # C order, little-endian: the layout safetensors writes, so the checksum sees those bytes
        arrays[key] = np.asarray(data, dtype=data.dtype.newbyteorder("<"), order="C")
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


def _children(node, path: str):
    """(child, child path) pairs of an encoded structure node (no checks: see _decode)."""
    if isinstance(node, list):
        return [(v, f"{path}/{i}") for i, v in enumerate(node)]
    if isinstance(node, dict) and isinstance(node.get("__dict__"), dict):
        return [(v, f"{path}/{k}") for k, v in node["__dict__"].items()]
    if isinstance(node, dict) and isinstance(node.get("__tuple__"), list):
        return [(v, f"{path}/{i}") for i, v in enumerate(node["__tuple__"])]
    if isinstance(node, dict) and isinstance(node.get("__items__"), list):
        return [(p[1], f"{path}/{p[0]}") for p in node["__items__"] if isinstance(p, list) and len(p) == 2]
    return []


def _tensor_names(tree) -> dict:
    """{"t<i>": path of the tensor in the saved structure, e.g. "model/0.weight"}."""
    names, stack = {}, [(tree, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict) and isinstance(node.get("__tensor__"), str):
            names.setdefault(node["__tensor__"], path.lstrip("/") or "<root>")
        stack.extend(_children(node, path))
    return names


class _Corrupt(Exception):
    """A malformed structure node (turned into ValueError naming the file by loads)."""


def _decode(obj, arrays: dict):
    if isinstance(obj, list):
        return [_decode(v, arrays) for v in obj]
    if not isinstance(obj, dict):
        return obj
    keys = set(obj)
    if keys == {"__tensor__", "kind"} and obj["kind"] in ("Tensor", "ndarray"):
        a = arrays.get(obj["__tensor__"]) if isinstance(obj["__tensor__"], str) else None
        if a is None:
            raise _Corrupt(f"the structure names tensor {obj['__tensor__']!r:.40}, which the file lacks")
        return Tensor(a) if obj["kind"] == "Tensor" else a
    if keys == {"__npscalar__", "value"}:
        try:
            dtype = np.dtype(obj["__npscalar__"])
            if dtype.kind not in _NP_SCALAR_KINDS:
                raise TypeError(f"dtype {dtype} is not numeric")
            return dtype.type(obj["value"])
        except (TypeError, ValueError, OverflowError) as e:
            raise _Corrupt(f"bad numpy scalar {obj!r:.80} ({e})") from None
    if keys == {"__dict__"} and isinstance(obj["__dict__"], dict):
        return {k: _decode(v, arrays) for k, v in obj["__dict__"].items()}
    if keys == {"__items__"} and isinstance(obj["__items__"], list):
        pairs = obj["__items__"]
        if not all(isinstance(p, list) and len(p) == 2 and not isinstance(p[0], (list, dict)) for p in pairs):
            raise _Corrupt("an __items__ entry is not a [key, value] pair with a scalar key")
        return {k: _decode(v, arrays) for k, v in pairs}
    if keys == {"__tuple__"} and isinstance(obj["__tuple__"], list):
        return tuple(_decode(v, arrays) for v in obj["__tuple__"])
    raise _Corrupt(f"unknown entry {sorted(keys)!r:.80} in the structure")


def _crc(a: np.ndarray) -> str:
    """crc32 of a's dtype, shape and bytes (C order), as 8 hex digits."""
    head = zlib.crc32(f"{a.dtype.str}{list(a.shape)}".encode())
    return f"{zlib.crc32(a.reshape(-1).view(np.uint8), head):08x}"


def dumps(obj) -> bytes:
    """The bytes dlcore.save writes for obj."""
    from safetensors.numpy import save as st_save

    arrays: dict = {}
    tree = json.dumps(_encode(obj, arrays), allow_nan=True, separators=(",", ":"))
    sums = {"dlcore": f"{zlib.crc32(tree.encode()):08x}", **{k: _crc(a) for k, a in arrays.items()}}
    meta = {"format": FORMAT, "version": str(VERSION), "dlcore": tree, "checksums": json.dumps(sums)}
    return st_save(arrays, metadata=meta)


def _parse_meta(meta: dict, source: str):
    """(structure tree, checksums or None) from the checked metadata."""
    bad = f"{source} is a corrupt dlcore checkpoint"
    version = meta.get("version", "1")
    if not (version.isascii() and version.isdigit() and len(version) < 10):
        raise ValueError(f"{bad} (format version {version!r:.20} is not a number)")
    if int(version) > VERSION:
        raise ValueError(f"{source}: format version {version} is newer than this dlcore reads ({VERSION})")
    sums = None
    if "checksums" in meta:
        try:
            sums = json.loads(meta["checksums"])
        except ValueError as e:
            raise ValueError(f"{bad} (checksums are not valid JSON: {e})") from None
        if not isinstance(sums, dict) or not all(isinstance(v, str) for v in sums.values()):
            raise ValueError(f"{bad} (checksums are not an object of strings)")
        if sums.get("dlcore") != f"{zlib.crc32(meta['dlcore'].encode()):08x}":
            raise ValueError(f"{bad} (the structure metadata fails its checksum)")
    elif int(version) >= 2:
        raise ValueError(f"{bad} (format version {version} without checksums)")
    try:
        tree = json.loads(meta["dlcore"])
    except (ValueError, RecursionError) as e:
        raise ValueError(f"{bad} (the structure metadata is not valid JSON: {e})") from None
    return tree, sums


def loads(data: bytes, source: str = "<bytes>"):
    """Decode what dumps wrote; `source` names the file in errors. Every defect (a foreign or
    truncated file, a malformed header, a failed checksum) is a ValueError."""
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    head, meta, n = _header.split(data, len(data), source)
    tree, sums = _parse_meta(meta, source)
    names = _tensor_names(tree)
    entries = set(head) - {"__metadata__"}
    _header.check_entries(head, len(data) - 8 - n, source, names)
    if entries != set(names) or (sums is not None and set(sums) != entries | {"dlcore"}):
        raise ValueError(
            f"{source} is a corrupt dlcore checkpoint (the tensors {sorted(entries)!r:.80}, the "
            f"structure's {sorted(names)!r:.80} and the checksums' do not match)"
        )
    try:
        arrays = st_load(data)
    except SafetensorError as e:
        raise ValueError(f"{source} is a corrupt dlcore checkpoint (safetensors: {e})") from None
    for key, a in arrays.items():
        if sums is not None and sums[key] != _crc(a):
            raise ValueError(
                f"{source}: tensor {names[key]!r} fails its checksum (stored {sums[key]!r:.12}, "
                f"computed {_crc(a)!r}): the file is corrupt"
            )
    try:
        return _decode(tree, arrays)
    except _Corrupt as e:
        raise ValueError(f"{source} is a corrupt dlcore checkpoint ({e})") from None
    except RecursionError:
        raise ValueError(f"{source} is a corrupt dlcore checkpoint (structure nested too deeply)") from None


def save(obj, path) -> None:
    """Save nested dicts/lists/tuples of Tensors, numpy arrays and scalars to path, atomically."""
    atomic_write(path, dumps(obj))


def load(path, map_location=None, weights_only=True, **pickle_load_args):
    """Load what dlcore.save wrote: Tensors come back as Tensors, numpy arrays as arrays. A file
    dlcore.save did not write, or a damaged one, is a ValueError naming the file (nothing is
    ever unpickled or executed). torch.load's arguments are accepted: map_location ('cpu', a
    device or a device string: the tensors are moved there) and weights_only (either way
    nothing is unpickled: a dlcore file holds only tensors, numbers and containers)."""
    if not isinstance(weights_only, bool):
        raise TypeError(f"load: weights_only must be a bool, got {type(weights_only).__name__}")
    if pickle_load_args:
        raise TypeError(f"load: unexpected arguments {sorted(pickle_load_args)}")
    if map_location is not None and not isinstance(map_location, (str, _device)):
        raise TypeError(
            f"load: map_location must be a device or a device string, got {type(map_location).__name__}"
        )
    obj = _load(path)
    return obj if map_location is None else _to_device(obj, map_location)


def _to_device(obj, device):
    if isinstance(obj, Tensor):
        return obj.to(device)
    if isinstance(obj, dict):
        return type(obj)((k, _to_device(v, device)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_device(v, device) for v in obj)
    return obj


def _load(path):
    source = os.fspath(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        data = f.read(min(size, 1 << 16))
        n = int.from_bytes(data[:8], "little") if len(data) >= 8 else 0
        if size < 10 or 8 + n > size or n > _header.MAX_HEADER or data[8:9] != b"{":
            _header.split(data, size, source)  # raises: a foreign or truncated file is not read on
        f.seek(0)
        data = f.read()
    return loads(data, source)


__all__ = ["save", "load", "dumps", "loads", "atomic_write"]
