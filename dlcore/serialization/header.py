"""Reading and checking the safetensors header of a dlcore.save file, before any tensor is read.

Layout (safetensors): 8 bytes little-endian u64 N, then N bytes of JSON (an object: "__metadata__"
{str: str} and one entry {"dtype", "shape", "data_offsets": [begin, end]} per tensor), then the
data; offsets are relative to the data and the tensors tile it exactly. Every defect is a
ValueError naming the file: "<file> is not a dlcore checkpoint (...)" when nothing marks it as a
dlcore file, "<file> is a corrupt dlcore checkpoint (...)" / "... truncated ..." when something does.
"""

from __future__ import annotations

import codecs
import json
import math
import struct

import numpy as np

FORMAT = "dlcore-save"
MARK = b'"format":"dlcore-save"'  # how dlcore.save's header spells its format entry
# safetensors dtype name -> numpy dtype (the types safetensors.numpy reads)
DTYPES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "U64": np.uint64,
    "I32": np.int32,
    "U32": np.uint32,
    "I16": np.int16,
    "U16": np.uint16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
    "C64": np.complex64,
}
ENTRY_KEYS = {"dtype", "shape", "data_offsets"}
MAX_HEADER = 100_000_000  # safetensors' own limit on N


def _foreign_kind(head: bytes) -> str:
    """A guess at what a non-safetensors file is, for the error message."""
    if not head:
        return "an empty file"
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive, e.g. a torch.save file; dlcore never unpickles"
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "a pickle, e.g. a legacy torch.save file; dlcore never unpickles"
    if head.startswith((b"\x93NUMPY", b"\x89HDF")):
        return "a numpy .npy or HDF5 file"
    try:  # an incremental decoder accepts a character cut at the end of head
        text = codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        return "no safetensors header"
    return "a text file" if all(c.isprintable() or c in "\t\r\n" for c in text) else "no safetensors header"


def split(prefix: bytes, size: int, source: str) -> tuple[dict, dict, int]:
    """Check the header at the start of a file of `size` bytes whose first bytes are `prefix`
    (at least min(size, 8 + N) of them); returns (header, metadata, N). Tensor entries are
    checked by check_entries."""
    if size < 8:
        kind = _foreign_kind(prefix)
        why = kind if kind != "no safetensors header" else f"{size} bytes, shorter than a safetensors header"
        raise ValueError(f"{source} is not a dlcore checkpoint ({why})")
    (n,) = struct.unpack("<Q", prefix[:8])
    body = prefix[8 : 8 + n]
    is_ours = MARK in body
    if n < 2 or not body.startswith(b"{"):
        raise ValueError(f"{source} is not a dlcore checkpoint ({_foreign_kind(prefix[:64])})")
    if 8 + n > size:
        if is_ours:
            raise ValueError(
                f"{source} is a truncated dlcore checkpoint (its header declares {n} bytes, the file "
                f"has {size - 8} after the length field)"
            )
        raise ValueError(
            f"{source} is not a dlcore checkpoint (declared safetensors header of {n} bytes is longer "
            f"than the file, {size} bytes)"
        )
    if n > MAX_HEADER:
        raise ValueError(
            f"{source} is not a dlcore checkpoint (declared safetensors header of {n} bytes is over "
            f"safetensors' limit of {MAX_HEADER})"
        )
    what = "a corrupt dlcore checkpoint" if is_ours else "not a dlcore checkpoint"
    try:
        header = json.loads(body)
    except (ValueError, RecursionError) as e:
        raise ValueError(f"{source} is {what} (its header is not valid JSON: {e})") from None
    if not isinstance(header, dict):
        raise ValueError(f"{source} is {what} (its header is a JSON {type(header).__name__}, not an object)")
    meta = header.get("__metadata__")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or "dlcore" not in meta:
        raise ValueError(
            f"{source} is not a dlcore checkpoint (no dlcore metadata: not written by dlcore.save; "
            "read plain safetensors files with the safetensors package)"
        )
    bad = [k for k, v in meta.items() if not isinstance(v, str)]
    if bad:
        raise ValueError(f"{source} is a corrupt dlcore checkpoint (metadata {bad} are not strings)")
    return header, meta, n


def check_entries(header: dict, data_len: int, source: str, names: dict) -> None:
    """Every tensor entry well formed: a known dtype, a shape of non-negative ints whose byte count
    is its offsets' span, and the tensors tiling the data exactly (a file that ends early is
    reported as truncated).
    `names` maps an entry's key to its path in the saved structure (for messages)."""
    spans = []
    for key, e in header.items():
        if key == "__metadata__":
            continue
        where = f"{source} is a corrupt dlcore checkpoint (tensor {names.get(key, key)!r}"
        if not isinstance(e, dict) or set(e) != ENTRY_KEYS:
            raise ValueError(f"{where}: entry {e!r:.80} is not an object with keys {sorted(ENTRY_KEYS)})")
        dtype, shape, offs = e["dtype"], e["shape"], e["data_offsets"]
        if not isinstance(dtype, str) or dtype not in DTYPES:
            raise ValueError(f"{where}: unknown dtype {dtype!r:.40}, expected one of {sorted(DTYPES)})")
        if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
            raise ValueError(f"{where}: shape {shape!r:.80} is not a list of non-negative ints)")
        if not (isinstance(offs, list) and len(offs) == 2 and all(type(o) is int for o in offs)):
            raise ValueError(f"{where}: data_offsets {offs!r:.80} is not a pair of ints)")
        begin, end = offs
        if not 0 <= begin <= end:
            raise ValueError(f"{where}: data_offsets [{begin}, {end}] are not an increasing pair)")
        nbytes = math.prod(shape) * np.dtype(DTYPES[dtype]).itemsize
        if nbytes != end - begin:
            raise ValueError(
                f"{where}: shape {shape} of {dtype} needs {nbytes} bytes, its offsets span {end - begin})"
            )
        spans.append((begin, end, key))
    pos = 0
    for begin, end, key in sorted(spans):
        if begin != pos:
            kind = "overlaps the tensor before it" if begin < pos else f"leaves a gap at byte {pos}"
            raise ValueError(
                f"{source} is a corrupt dlcore checkpoint (tensor {names.get(key, key)!r}: data {kind})"
            )
        pos = end
    if pos > data_len:
        raise ValueError(
            f"{source} is a truncated dlcore checkpoint (its tensors need {pos} data bytes, the file "
            f"has {data_len})"
        )
    if pos < data_len:
        raise ValueError(
            f"{source} is a corrupt dlcore checkpoint (the tensors cover {pos} of the {data_len} data bytes)"
        )


__all__ = ["split", "check_entries", "DTYPES", "FORMAT"]
