"""Interop: from_numpy shares memory, .numpy(), __dlpack__/from_dlpack with numpy and (when
importable) torch on the CPU, zero copy both ways."""

import numpy as np
import pytest

import dlcore


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_from_numpy_and_numpy_share_memory(dtype):
    a = np.arange(7, dtype=dtype)
    t = dlcore.from_numpy(a)
    a[3] = 42
    assert t.numpy()[3] == 42 and t.dtype == dtype
    t.numpy()[0] = -1
    assert a[0] == -1
    with pytest.raises(TypeError, match=r"from_numpy expects a numpy\.ndarray"):
        dlcore.from_numpy([1, 2])


def test_dlpack_numpy_round_trip():
    a = np.linspace(0, 1, 33, dtype=np.float32).reshape(3, 11)
    t = dlcore.from_dlpack(a)
    assert np.shares_memory(t.data, a) and t.shape == (3, 11)
    b = np.from_dlpack(t)
    assert np.shares_memory(b, a)
    assert t.__dlpack_device__() == (1, 0)
    assert dlcore.from_dlpack(t) is t
    with pytest.raises(TypeError, match="__dlpack__"):
        dlcore.from_dlpack([1.0, 2.0])


@pytest.mark.torch
def test_dlpack_torch_round_trip():
    torch = pytest.importorskip("torch")
    x = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    t = dlcore.from_dlpack(x)
    x[1, 2] = 100.0
    assert t.numpy()[1, 2] == 100.0 and t.dtype == np.float32
    back = torch.from_dlpack(dlcore.tensor(np.ones((2, 5), np.float32)))
    assert back.shape == (2, 5) and back.dtype == torch.float32
    d = dlcore.tensor(np.arange(6.0, dtype=np.float64))
    y = torch.from_dlpack(d)
    y[0] = -7
    assert d.numpy()[0] == -7  # zero copy
    s = dlcore.from_dlpack(torch.arange(10)[::2])  # strided view
    np.testing.assert_array_equal(s.numpy(), [0, 2, 4, 6, 8])
