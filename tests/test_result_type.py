"""Type promotion as torch.result_type (dlcore/ops/dtypes.py result_type, tensor.promote): dimensioned
tensors rank above 0-d tensors above Python scalars, for every pair of dtypes and operand kinds."""

import itertools

import numpy as np
import pytest

import dlcore

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 2, 2.5]


def _operands():
    """(label, dlcore operand, torch operand maker) for every dtype as (3,) and 0-d, and scalars."""
    for name in DTYPES:
        for shape in ((3,), ()):
            arr = np.ones(shape, dtype=name)
            yield f"{name}{shape}", arr
    for value in SCALARS:
        yield repr(value), value


PAIRS = [(a, b) for a, b in itertools.product(list(_operands()), repeat=2) if isinstance(a[1], np.ndarray)]


def _dl(x):
    return dlcore.from_numpy(x) if isinstance(x, np.ndarray) else x


@pytest.mark.parametrize("name", ["add", "mul", "maximum", "div", "where"])
def test_binary_ops_promote_as_torch_result_type(name):
    torch = pytest.importorskip("torch")
    call = {
        "add": lambda a, b: dlcore.add(a, b),
        "mul": lambda a, b: dlcore.mul(a, b),
        "maximum": lambda a, b: dlcore.maximum(a, b),
        "div": lambda a, b: dlcore.div(a, b),
        "where": lambda a, b: dlcore.where(dlcore.tensor(True), a, b),
    }[name]
    wrong = []
    for (la, a), (lb, b) in PAIRS:
        for (l1, x), (l2, y) in (((la, a), (lb, b)), ((lb, b), (la, a))):
            tx = torch.from_numpy(x) if isinstance(x, np.ndarray) else x
            ty = torch.from_numpy(y) if isinstance(y, np.ndarray) else y
            want = torch.div(tx, ty).dtype if name == "div" else torch.result_type(tx, ty)
            got = call(_dl(x), _dl(y)).dtype
            if got.name != str(want).removeprefix("torch."):
                wrong.append(f"{l1} {name} {l2}: {got}, torch {want}")
    assert not wrong, "\n".join(wrong[:20]) + f"\n({len(wrong)} in all)"


@pytest.mark.parametrize(
    "a, b, want",
    [
        (np.float64(1.0), np.ones(3, np.float32), np.float32),  # a 0-d tensor does not raise its category
        (np.int64(1), np.ones(3, np.int32), np.int32),
        (np.int8(1), np.ones(3, np.uint8), np.uint8),
        (np.float64(1.0), np.ones(3, np.int32), np.float64),  # ... unless its category is higher
        (np.float16(1.0), np.ones(3, np.int16), np.float16),  # float with int: the float (numpy: float32)
        (np.int8(1), np.ones(3, np.bool_), np.int8),
        (np.int8(1), np.uint8(1), np.int16),  # two 0-d tensors promote as dimensioned ones
        (np.float64(1.0), 2, np.float64),
        (np.int32(1), 2.5, np.float32),  # a Python float: torch's default dtype
    ],
)
def test_zero_dim_tensors_rank_below_dimensioned_ones(a, b, want):
    ta = dlcore.from_numpy(np.asarray(a))
    tb = dlcore.from_numpy(np.asarray(b)) if isinstance(b, (np.ndarray, np.generic)) else b
    assert (ta + tb).dtype == want and (tb + ta).dtype == want


def test_mixed_float_promotion_keeps_gradients_in_each_dtype():
    a = dlcore.tensor(np.array(2.0), requires_grad=True)  # float64 0-d
    b = dlcore.tensor(np.ones(3, np.float32), requires_grad=True)
    (a * b).sum().backward()
    assert (a * b).dtype == np.float32
    assert a.grad.dtype == np.float64 and b.grad.dtype == np.float32 and float(a.grad.numpy()) == 3.0
