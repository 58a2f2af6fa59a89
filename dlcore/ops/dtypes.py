"""The dtype rules of torch, over arrays, in one place: what data a tensor may hold, the default
dtypes of Python values, and the dtype an op computes in (dlcore.tensor.promote applies them).

Categories rank bool < integer < floating < complex. Python numbers default to int64 / float32
(torch's default dtype); numpy arrays keep their dtype.
"""

from __future__ import annotations

import numpy as np

CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}  # dtype kind -> category; other kinds: not numeric
_DEFAULT = {1: np.dtype(np.int64), 2: np.dtype(np.float32), 3: np.dtype(np.complex64)}


def default_dtype(arr: np.ndarray) -> np.ndarray:
    """torch's defaults for data given as Python numbers: float64 -> float32, other ints -> int64."""
    if arr.dtype == np.float64:
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu" and arr.dtype != np.int64:
        return arr.astype(np.int64)
    return arr


def as_array(value, op: str = "tensor", default_dtypes: bool = True):
    """The array a tensor holds for `value`: numpy/CuPy arrays as they are, numpy scalars as 0-d
    arrays, Python numbers/bools/sequences with torch's default dtypes when default_dtypes.
    Anything not numeric (str, None, other objects) is a TypeError naming op, as torch."""
    if isinstance(value, np.ndarray) or hasattr(value, "__cuda_array_interface__"):
        arr = value
    elif isinstance(value, np.generic) or not default_dtypes:
        arr = np.asarray(value)
    else:
        arr = default_dtype(np.asarray(value))
    if arr.dtype.kind not in CATEGORY:
        got = type(value).__name__
        if isinstance(value, (list, tuple, np.ndarray)):
            got += f" of dtype {arr.dtype}"
        what = "data" if op == "tensor" else "operand"
        raise TypeError(
            f"{op}: unsupported {what} type {got}; expected a tensor, a number, a bool "
            f"or a (nested) sequence or array of them"
        )
    return arr


def constant_dtype(tensor_dtype, value_dtype) -> np.dtype:
    """The dtype of a non-tensor operand (Python scalar or array) beside a tensor: the tensor's,
    unless the value's category ranks higher (a float beside an int tensor), as a Python scalar
    in torch: then that category's default dtype (int64, float32, complex64)."""
    category = CATEGORY[np.dtype(value_dtype).kind]
    if CATEGORY[np.dtype(tensor_dtype).kind] >= category:
        return np.dtype(tensor_dtype)
    return _DEFAULT[category]


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """torch.promote_types: within a category (or float with complex) numpy's rule (uint8 and int8
    give int16); across categories the higher one's dtype (int16 and float16 give float16)."""
    ca, cb = CATEGORY[a.kind], CATEGORY[b.kind]
    if ca == cb or ca + cb == 5:
        return np.promote_types(a, b)
    return a if ca > cb else b


def _combine(higher, lower):
    """torch's combine_categories: a lower-ranked operand's dtype counts only where its category
    is above `higher`'s (or `higher` is bool or missing)."""
    if higher is None or lower is None:
        return lower if higher is None else higher
    ch, cl = CATEGORY[higher.kind], CATEGORY[lower.kind]
    if ch == 3 or (ch == 2 and cl < 3) or (ch == 1 and cl < 2):
        return higher
    if cl == 3 and ch == 2:
        return np.promote_types(higher, np.complex64)
    return promote_types(higher, lower)


def result_type(dimensioned, zero_dim, scalars) -> np.dtype:
    """torch.result_type over the dtypes of the dimensioned tensors, the 0-d tensors and the Python
    scalars (given as array dtypes: a scalar counts as its category's default dtype) of an op. The
    three rank in that order: a 0-d tensor (or scalar) raises the result only to a higher
    category, so float64 0-d with float32 (n,) is float32, int64 0-d with int32 (n,) int32."""
    groups = []
    for group in (dimensioned, zero_dim, [_DEFAULT.get(CATEGORY[d.kind], d) for d in scalars]):
        r = None
        for d in group:
            r = d if r is None else promote_types(r, d)
        groups.append(r)
    return _combine(groups[0], _combine(groups[1], groups[2]))


_NUMBER_CATEGORY = {int: 1, float: 2}  # Python number type -> CATEGORY


def number_dtype(tensor_dtype: np.dtype, value, floating: bool = False):
    """The floating dtype a tensor and a Python int/float `value` compute in (result_type; always
    floating ops: float32 for integers), or None (another value type, or an integer result)."""
    category = _NUMBER_CATEGORY.get(type(value))
    if category is None:
        return None
    dt = tensor_dtype if CATEGORY.get(tensor_dtype.kind, 3) >= category else _DEFAULT[category]
    if floating and dt.kind in "iub":
        dt = _DEFAULT[2]
    return dt if dt.kind in "fc" else None


def compute_dtype(dtypes, floating: bool = False):
    """The floating dtype that integer/bool operands are cast to, or None for no cast: the
    promoted dtype of the floating operands (int64 + float32 -> float32, where numpy would give
    float64); with none, float32 (torch's default) when the op's result is always floating."""
    floats = [d for d in dtypes if d.kind in "fc"]
    if floats:
        return np.result_type(*floats)
    return _DEFAULT[2] if floating else None
