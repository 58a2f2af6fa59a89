"""What dlcore.load does with damaged and foreign files: per-tensor checksums name the tensor and
the file; version 1 files (no checksums) still load; foreign files are "not a dlcore
checkpoint" and never executed; every malformed header is a ValueError (a table of crafted
files, and hypothesis mutating bytes of a valid file: the exact original or ValueError)."""

import json
import os
import pickle
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlcore
from dlcore.serialization import header as sheader
from dlcore.tensor import Tensor

FUZZ_EXAMPLES = int(os.environ.get("DLCORE_FUZZ_EXAMPLES", "300"))


def _split(data):
    (n,) = struct.unpack("<Q", data[:8])
    return n, json.loads(data[8 : 8 + n])


def _data_span(data, key):
    n, head = _split(data)
    begin, end = head[key]["data_offsets"]
    return 8 + n + begin, 8 + n + end


def _flip(data, pos):
    return data[:pos] + bytes([data[pos] ^ 0x01]) + data[pos + 1 :]


def test_flipped_data_byte_names_the_tensor_and_the_file(tmp_path):
    obj = {"model": {"0.weight": np.ones((3, 4), np.float32), "0.bias": np.zeros(4, np.float32)}}
    path = tmp_path / "c.safetensors"
    dlcore.save(obj, path)
    data = path.read_bytes()
    _, head = _split(data)
    key = next(k for k, e in head.items() if k != "__metadata__" and e["shape"] == [4])
    begin, end = _data_span(data, key)
    for pos in (begin, end - 1):
        path.write_bytes(_flip(data, pos))
        with pytest.raises(ValueError, match=rf"{path}: tensor 'model/0.bias' fails its checksum"):
            dlcore.load(path)


def test_checksum_covers_dtype_and_shape(tmp_path):
    path = tmp_path / "c.safetensors"
    dlcore.save({"i": np.arange(4, dtype=np.int64), "m": np.zeros((2, 3))}, path)
    data = path.read_bytes()
    for old, new in ((b'"I64"', b'"U64"'), (b"[2,3]", b"[3,2]")):  # same byte count
        assert data.count(old) == 1
        path.write_bytes(data.replace(old, new))
        with pytest.raises(ValueError, match="fails its checksum"):
            dlcore.load(path)


def test_changed_structure_fails_its_checksum(tmp_path):
    path = tmp_path / "c.safetensors"
    dlcore.save({"lr": 0.125, "w": np.ones(2)}, path)
    data = path.read_bytes()
    path.write_bytes(data.replace(b"0.125", b"0.126"))
    with pytest.raises(ValueError, match="structure metadata fails its checksum"):
        dlcore.load(path)


def test_version_1_file_without_checksums_still_loads(tmp_path):
    """A file in the layout dlcore.save wrote before checksums (format version 1)."""
    from safetensors.numpy import save as st_save

    tree = {
        "__dict__": {
            "w": {"__tensor__": "t0", "kind": "Tensor"},
            "step": 3,
            "m": {"__tensor__": "t1", "kind": "ndarray"},
        }
    }
    meta = {"format": "dlcore-save", "version": "1", "dlcore": json.dumps(tree)}
    w, m = np.arange(6, dtype=np.float32).reshape(2, 3), np.array([1, 2], np.int64)
    path = tmp_path / "old.safetensors"
    path.write_bytes(st_save({"t0": w, "t1": m}, metadata=meta))
    back = dlcore.load(path)
    assert isinstance(back["w"], Tensor) and back["step"] == 3
    np.testing.assert_array_equal(back["w"].data, w)
    np.testing.assert_array_equal(back["m"], m)
    meta["version"] = "2"  # version 2 must carry checksums
    path.write_bytes(st_save({"t0": w, "t1": m}, metadata=meta))
    with pytest.raises(ValueError, match="version 2 without checksums"):
        dlcore.load(path)


def _foreign_files(tmp_path):
    marker = tmp_path / "executed"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    files = {
        "empty": (b"", "an empty file"),
        "random": (np.random.default_rng(0).bytes(4096), "no safetensors header|longer than the file"),
        "short": (b"\x01\x02\x03", "3 bytes"),
        "text": (b"epoch,loss\n1,0.5\n2,0.25\n" * 20, "a text file"),
        "pickle": (pickle.dumps(Evil()), "a pickle"),
        "zip": (b"PK\x03\x04" + bytes(200), "a zip archive"),
    }
    from safetensors.numpy import save as st_save

    files["plain_safetensors"] = (st_save({"w": np.ones(3)}), "no dlcore metadata")
    files["other_metadata"] = (st_save({"w": np.ones(3)}, metadata={"format": "pt"}), "no dlcore metadata")
    try:
        import torch

        pt = tmp_path / "model.pt"
        torch.save({"w": torch.ones(3), "evil": Evil()}, pt)
        files["torch_pt"] = (pt.read_bytes(), "a zip archive, e.g. a torch.save file")
    except ImportError:
        pass
    return marker, files


def test_foreign_files_are_not_dlcore_checkpoints(tmp_path):
    marker, files = _foreign_files(tmp_path)
    assert not marker.exists()
    for name, (data, why) in files.items():
        path = tmp_path / f"{name}.bin"
        path.write_bytes(data)
        with pytest.raises(ValueError, match=rf"^{path} is not a dlcore checkpoint \(") as e:
            dlcore.load(path)
        assert "truncated" not in str(e.value), name
        assert any(w in str(e.value) for w in why.split("|")), (name, str(e.value))
        with pytest.raises(ValueError, match="not a dlcore checkpoint"):
            dlcore.serialization.loads(data)
        from dlcore.checkpoint import load_checkpoint

        with pytest.raises(ValueError, match="not a dlcore checkpoint"):
            load_checkpoint(path)
    assert not marker.exists()  # nothing was unpickled


# ---- crafted headers ----------------------------------------------------------------------
def _meta(tree=None, **over):
    tree = tree or {"__dict__": {"v": {"__tensor__": "t0", "kind": "ndarray"}}}
    meta = {"format": "dlcore-save", "version": "1", "dlcore": json.dumps(tree)}
    meta.update(over)
    return meta


def _file(head, data=bytes(8)):
    raw = head if isinstance(head, bytes) else json.dumps(head).encode()
    return struct.pack("<Q", len(raw)) + raw + data


def _entry(dtype="F32", shape=(2,), offs=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offs)}


def _two(t1):
    tree = {
        "__dict__": {
            "a": {"__tensor__": "t0", "kind": "ndarray"},
            "b": {"__tensor__": "t1", "kind": "ndarray"},
        }
    }
    return _file({"__metadata__": _meta(tree), "t0": _entry(), "t1": t1}, bytes(16))


def _with(entry=None, meta=None, **extra):
    head = {"__metadata__": meta or _meta(), "t0": entry or _entry()}
    head.update(extra)
    return _file(head)


MALFORMED = {
    "header a JSON list": (_file(b"[1, 2, 3]"), "not a dlcore checkpoint"),
    "header a JSON string": (_file(b'"{}"'), "not a dlcore checkpoint"),
    "header invalid JSON": (_file(b'{"__metadata__": {"format":"dlcore-save",'), "not valid JSON"),
    "header length huge": (struct.pack("<Q", 2**63) + b"{}", "longer than the file"),
    "header length huge, ours": (
        struct.pack("<Q", 2**40) + b'{"__metadata__":{"format":"dlcore-save"',
        "truncated",
    ),
    "header length zero": (struct.pack("<Q", 0) + b"{}", "not a dlcore checkpoint"),
    "metadata a list": (_file({"__metadata__": ["format", "dlcore-save"]}), "no dlcore metadata"),
    "metadata value an int": (_with(meta=_meta(version=2)), r"metadata \['version'\] are not strings"),
    "metadata without structure": (
        _with(meta={"format": "dlcore-save", "version": "1"}),
        "no dlcore metadata",
    ),
    "entry missing shape": (
        _with(entry={"dtype": "F32", "data_offsets": [0, 8]}),
        "is not an object with keys",
    ),
    "entry a list": (_with(entry=["F32", [2], [0, 8]]), "is not an object with keys"),
    "entry with an extra key": (_with(entry={**_entry(), "x": 1}), "is not an object with keys"),
    "dtype unknown": (_with(entry=_entry(dtype="F33")), "unknown dtype 'F33'"),
    "dtype bfloat16 (no numpy type)": (_with(entry=_entry(dtype="BF16", shape=(4,))), "unknown dtype 'BF16'"),
    "dtype an int": (_with(entry=_entry(dtype=4)), "unknown dtype 4"),
    "shape a string": (_with(entry=_entry(shape="2")), "not a list of non-negative ints"),
    "shape negative": (_with(entry=_entry(shape=(-2,))), "not a list of non-negative ints"),
    "shape float": (_with(entry=_entry(shape=(2.0,))), "not a list of non-negative ints"),
    "shape bool": (_with(entry=_entry(shape=(True, 2))), "not a list of non-negative ints"),
    "shape vs byte count": (_with(entry=_entry(shape=(3,))), "needs 12 bytes, its offsets span 8"),
    "shape huge": (_with(entry=_entry(shape=(2**62, 2**62))), "needs"),
    "offsets reversed": (_with(entry=_entry(offs=(8, 0))), "not an increasing pair"),
    "offsets negative": (_with(entry=_entry(offs=(-8, 0))), "not an increasing pair"),
    "offsets three": (_with(entry={**_entry(), "data_offsets": [0, 4, 8]}), "not a pair of ints"),
    "offsets floats": (_with(entry=_entry(offs=(0.0, 8.0))), "not a pair of ints"),
    "offsets past the end": (_with(entry=_entry(shape=(200,), offs=(0, 800))), "truncated dlcore checkpoint"),
    "offsets overlapping": (_two(_entry(offs=(4, 12))), "overlaps the tensor before it"),
    "offsets leave a gap": (_two(_entry(shape=(1,), offs=(12, 16))), "leaves a gap at byte 8"),
    "trailing data bytes": (_file({"__metadata__": _meta(), "t0": _entry()}, bytes(12)), "cover 8 of the 12"),
    "tensor not in structure": (
        _file({"__metadata__": _meta(), "t0": _entry(), "t1": _entry(offs=(8, 16))}, bytes(16)),
        "do not match",
    ),
    "structure names a missing tensor": (
        _with(meta=_meta({"__dict__": {"v": {"__tensor__": "t9", "kind": "ndarray"}}})),
        "do not match",
    ),
    "structure node unknown": (
        _with(meta=_meta([{"__tensor__": "t0", "kind": "ndarray"}, {"weird": 1}])),
        "unknown entry",
    ),
    "structure tensor key an int": (
        _with(meta=_meta([{"__tensor__": "t0", "kind": "ndarray"}, {"__tensor__": 5, "kind": "Tensor"}])),
        "lacks",
    ),
    "structure bad kind": (_with(meta=_meta({"__tensor__": "t0", "kind": "Module"})), "unknown entry"),
    "npscalar object dtype": (
        _with(meta=_meta([{"__tensor__": "t0", "kind": "ndarray"}, {"__npscalar__": "O", "value": 1}])),
        "not numeric",
    ),
    "npscalar bad dtype": (
        _with(meta=_meta([{"__tensor__": "t0", "kind": "ndarray"}, {"__npscalar__": "zz", "value": 1}])),
        "bad numpy scalar",
    ),
    "npscalar overflow": (
        _with(meta=_meta([{"__tensor__": "t0", "kind": "ndarray"}, {"__npscalar__": "int8", "value": 1000}])),
        "bad numpy scalar",
    ),
    "items not pairs": (
        _with(meta=_meta([{"__tensor__": "t0", "kind": "ndarray"}, {"__items__": [[1]]}])),
        "not a .key, value. pair",
    ),
    "items key a list": (
        _with(meta=_meta([{"__tensor__": "t0", "kind": "ndarray"}, {"__items__": [[[1], 2]]}])),
        "not a .key, value. pair",
    ),
    "dict not an object": (
        _with(meta=_meta([{"__tensor__": "t0", "kind": "ndarray"}, {"__dict__": [1]}])),
        "unknown entry",
    ),
    "structure invalid JSON": (_with(meta=_meta(dlcore="{[")), "structure metadata is not valid JSON"),
    "structure nested deeply": (
        _with(meta=_meta(dlcore="[" * 100000 + "]" * 100000)),
        "nested too deeply|not valid JSON|do not match",
    ),
    "version not a number": (_with(meta=_meta(version="two")), "is not a number"),
    "version newer": (_with(meta=_meta(version="99")), "newer than this dlcore reads"),
    "checksums invalid JSON": (_with(meta=_meta(checksums="{")), "checksums are not valid JSON"),
    "checksums a list": (_with(meta=_meta(checksums="[]")), "checksums are not an object"),
    "checksums wrong": (_with(meta=_meta(checksums='{"dlcore": "00000000"}')), "fails its checksum"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_header_is_a_value_error(tmp_path, case):
    data, match = MALFORMED[case]
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=match) as e:
        dlcore.load(path)
    assert str(path) in str(e.value)
    with pytest.raises(ValueError, match=match):
        dlcore.serialization.loads(data)


def test_header_over_the_limit_is_rejected_from_the_prefix(tmp_path):
    path = tmp_path / "sparse.safetensors"
    with open(path, "wb") as f:  # a sparse 100 MB file: no disk used, and load reads 64 KiB
        f.write(struct.pack("<Q", sheader.MAX_HEADER + 1) + b"{")
        f.truncate(sheader.MAX_HEADER + 16)
    with pytest.raises(ValueError, match=r"not a dlcore checkpoint \(declared .* over safetensors' limit"):
        dlcore.load(path)


def test_crafted_baseline_is_valid():
    """The table's files differ from this valid one only in the named defect."""
    back = dlcore.serialization.loads(_with())
    np.testing.assert_array_equal(back["v"], np.zeros(2, np.float32))
    assert list(sheader.DTYPES) and dlcore.serialization.loads(_two(_entry(offs=(8, 16))))["b"].shape == (2,)


# ---- byte mutations of a valid file -------------------------------------------------------
ORIGINAL = {
    "w": Tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)),
    "steps": np.array([3, 1, 4], np.int64),
    "mask": np.array([True, False]),
    "empty": np.zeros((0, 2), np.float16),
    "scalar": np.array(2.5),
    7: ("lr", 0.1, None, float("inf"), np.float32(0.5)),
    "nested": [{"b": np.uint8(200)}, [1, 2]],
}
VALID = dlcore.serialization.dumps(ORIGINAL)
HEADER_END = 8 + struct.unpack("<Q", VALID[:8])[0]


def _same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, Tensor):
        return _same(a.data, b.data)
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (float, np.generic)):
        return a.dtype == b.dtype and a == b if isinstance(a, np.generic) else repr(a) == repr(b)
    return a == b


def test_valid_file_round_trips_exactly():
    assert _same(dlcore.serialization.loads(VALID), ORIGINAL)


_position = st.one_of(st.integers(0, HEADER_END - 1), st.integers(0, len(VALID) - 1))
_mutation = st.tuples(_position, st.integers(0, 255))


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=st.lists(_mutation, min_size=1, max_size=3), cut=st.none() | st.integers(0, len(VALID)))
def test_mutated_file_loads_exactly_or_raises_value_error(mutations, cut):
    data = bytearray(VALID)
    for pos, byte in mutations:
        data[pos] = byte
    data = bytes(data[:cut] if cut is not None else data)
    try:
        back = dlcore.serialization.loads(data, "mutated.safetensors")
    except ValueError as e:
        error = str(e)
    else:
        assert _same(back, ORIGINAL)
        return
    assert "mutated.safetensors" in error


def test_big_endian_and_platform_dtypes_round_trip_and_verify(tmp_path):
    obj = {"be": np.arange(5, dtype=">f4"), "ll": np.arange(3, dtype=np.longlong)}
    path = tmp_path / "e.safetensors"
    dlcore.save(obj, path)
    back = dlcore.load(path)
    np.testing.assert_array_equal(back["be"], obj["be"])
    assert back["be"].dtype == np.float32 and back["ll"].dtype == np.int64
    with pytest.raises(TypeError, match="cannot save an array of dtype <U1"):
        dlcore.save({"s": np.array(["x"])}, tmp_path / "s.safetensors")
    assert not (tmp_path / "s.safetensors").exists()


def test_truncated_only_when_the_part_present_is_dlcore():
    """Every cut of a valid file: "truncated dlcore checkpoint" once the header's format marker
    is present, "not a dlcore checkpoint" before it."""
    marker_end = VALID.index(sheader.MARK) + len(sheader.MARK)
    for cut in range(len(VALID)):
        want = "truncated dlcore checkpoint" if cut >= marker_end else "not a dlcore checkpoint"
        with pytest.raises(ValueError, match=f"^cut.safetensors is (a )?{want}"):
            dlcore.serialization.loads(VALID[:cut], "cut.safetensors")
