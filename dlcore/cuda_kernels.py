"""The CUDA kernel namespace (backend.kernels(x) for a CUDA array): the same functions and
signatures as `_C.cpu`, built from the fused kernels of `_C.cuda` and CuPy fallbacks
(docs/kernels.md). Imports nothing from dlcore; backend.py builds it with the extension module
and the array module.
"""

from __future__ import annotations

import numpy as np


def _no_cuda_kernel(name: str, hint: str):
    def missing(*args, **kwargs):
        raise NotImplementedError(f"[{name}] has no CUDA kernel; {hint}")

    missing.__name__ = name
    missing.not_implemented = True
    return missing


# The kernels of `_C.cuda` exposed as they are (signatures and checks in csrc/bind/bind_cuda_*.cpp).
EXT_KERNELS = (
    "sgd_step",
    "adam_step",
    "conv2d_forward",
    "conv2d_backward_input",
    "conv2d_backward_weight",
    "max_pool2d_forward",
    "max_pool2d_backward",
    "avg_pool2d_forward",
    "avg_pool2d_backward",
    "adaptive_avg_pool2d_forward",
    "adaptive_avg_pool2d_backward",
    "batch_norm_forward",
    "batch_norm_inference",
    "batch_norm_backward",
    "gelu_forward",
    "gelu_backward",
    "rnn_forward",
    "rnn_backward",
    "ctc_loss_forward",
    "ctc_loss_backward",
)


class CudaKernels:
    """The CUDA kernel namespace: the same functions and signatures as `_C.cpu`.

    EXT_KERNELS are the kernels of `_C.cuda`: sgd_step and adam_step (float32), conv2d_*,
    *pool2d_*, batch_norm_*, gelu_*, rnn_forward/backward and ctc_loss_forward/backward (float32
    or float64); a name the extension lacks raises NotImplementedError. gemm, log_softmax_* and
    cross_entropy_* are CuPy fallbacks (one or a few CuPy calls each, written into the given
    outputs); adagrad_step and rmsprop_step raise NotImplementedError. Arguments are arrays with
    `__cuda_array_interface__`; a numpy array raises TypeError naming the op and both devices.
    `xp` returns the array module (cupy; a test may pass a stand-in).
    """

    adagrad_step = staticmethod(
        _no_cuda_kernel("adagrad_step", "keep the parameters on 'cpu' or use SGD/Adam/AdamW on 'cuda'")
    )
    rmsprop_step = staticmethod(
        _no_cuda_kernel("rmsprop_step", "keep the parameters on 'cpu' or use SGD/Adam/AdamW on 'cuda'")
    )

    def __init__(self, ext, xp):
        self._ext = ext
        self._xp = xp
        for name in EXT_KERNELS:
            fn = getattr(ext, name, None)
            setattr(self, name, fn or _no_cuda_kernel(name, "this build's _C.cuda does not have it"))

    def _arr(self, x, op: str, name: str, float_only: bool = True):
        if isinstance(x, (np.ndarray, np.generic)):
            raise TypeError(
                f"[{op}] {name} is a cpu array; {op} here runs on cuda arrays (use backend.kernels(x))"
            )
        if not hasattr(x, "__cuda_array_interface__"):
            raise TypeError(f"[{op}] {name} must be a CUDA array, got {type(x).__name__}")
        a = self._xp().asarray(x)
        if float_only and a.dtype not in (np.float32, np.float64):
            raise TypeError(f"[{op}] {name} must be float32 or float64, got {a.dtype}")
        return a

    @staticmethod
    def _like(a, ref, op: str, name: str, ref_name: str) -> None:
        if a.dtype != ref.dtype:
            raise TypeError(
                f"[{op}] {ref_name} and {name} must have the same dtype, got {ref.dtype} and {a.dtype}"
            )
        if a.shape != ref.shape:
            raise ValueError(f"[{op}] {name} {a.shape} must have the shape of {ref_name} {ref.shape}")

    @staticmethod
    def _targets(t, n: int, c: int, op: str) -> None:
        if t.dtype != np.int64:
            raise TypeError(f"[{op}] targets must be int64, got {t.dtype}")
        if t.shape != (n,):
            raise ValueError(f"[{op}] targets {t.shape} must have one entry per row ({n})")
        if n and (int(t.min()) < 0 or int(t.max()) >= c):
            raise ValueError(f"[{op}] a target is out of range [0, {c})")

    def gemm(self, a, b, out, alpha=1.0, beta=0.0):
        """out = alpha * a @ b + beta * out; 2-D or equal-batch 3-D (CuPy matmul)."""
        op = "gemm"
        A, B, OUT = self._arr(a, op, "a"), self._arr(b, op, "b"), self._arr(out, op, "out")
        for X, nx in ((B, "b"), (OUT, "out")):
            if X.dtype != A.dtype:
                raise TypeError(f"[{op}] a and {nx} must have the same dtype, got {A.dtype} and {X.dtype}")
        if OUT.ndim not in (2, 3) or A.ndim != OUT.ndim or B.ndim != OUT.ndim:
            raise ValueError(
                f"[{op}] a {A.shape}, b {B.shape} and out {OUT.shape} must all be 2-D or all 3-D"
            )
        if (
            A.shape[:-1] + B.shape[-1:] != OUT.shape
            or A.shape[-1] != B.shape[-2]
            or A.shape[:-2] != B.shape[:-2]
        ):
            raise ValueError(
                f"[{op}] shapes a {A.shape} @ b {B.shape} -> out {OUT.shape} do not "
                "match: need a (m, k), b (k, n), out (m, n)"
            )
        r = self._xp().matmul(A, B)
        if alpha != 1.0:
            r *= alpha
        if beta == 0.0:
            OUT[...] = r
        else:
            OUT *= beta
            OUT += r

    def log_softmax_forward(self, out, x):
        """out (N, C) = x - logsumexp(x, axis=1)."""
        op = "log_softmax_forward"
        X, OUT = self._arr(x, op, "x"), self._arr(out, op, "out")
        if X.ndim != 2:
            raise ValueError(f"[{op}] x must be 2-D, got shape {X.shape}")
        self._like(OUT, X, op, "out", "x")
        if X.shape[1]:
            self._log_softmax(OUT, X)

    def _log_softmax(self, OUT, X):
        xp = self._xp()
        y = X - X.max(axis=1, keepdims=True)
        y -= xp.log(xp.exp(y).sum(axis=1, keepdims=True))
        OUT[...] = y

    def log_softmax_backward(self, dx, dy, y):
        """dx = dy - exp(y) * sum(dy, axis=1), y the forward output."""
        op = "log_softmax_backward"
        Y, DY, DX = self._arr(y, op, "y"), self._arr(dy, op, "dy"), self._arr(dx, op, "dx")
        if Y.ndim != 2:
            raise ValueError(f"[{op}] y must be 2-D, got shape {Y.shape}")
        self._like(DY, Y, op, "dy", "y")
        self._like(DX, Y, op, "dx", "y")
        DX[...] = DY - self._xp().exp(Y) * DY.sum(axis=1, keepdims=True)

    def cross_entropy_forward(self, loss, log_probs, logits, targets):
        """loss (N,) = -log_softmax(logits)[i, targets[i]]; log_probs (N, C) saved."""
        op = "cross_entropy_forward"
        X, LP = self._arr(logits, op, "logits"), self._arr(log_probs, op, "log_probs")
        L, T = self._arr(loss, op, "loss"), self._arr(targets, op, "targets", float_only=False)
        if X.ndim != 2 or X.shape[1] == 0:
            raise ValueError(f"[{op}] logits must be (N, C) with C >= 1, got shape {X.shape}")
        self._like(LP, X, op, "log_probs", "logits")
        self._like(L, X[:, 0], op, "loss", "logits[:, 0]")
        self._targets(T, X.shape[0], X.shape[1], op)
        self._log_softmax(LP, X)
        L[...] = -LP[self._xp().arange(X.shape[0]), T]

    def cross_entropy_backward(self, dlogits, log_probs, targets, dloss):
        """dlogits = dloss[i] * (softmax(logits) - onehot(targets))."""
        op = "cross_entropy_backward"
        LP, D = self._arr(log_probs, op, "log_probs"), self._arr(dlogits, op, "dlogits")
        T = self._arr(targets, op, "targets", float_only=False)
        DL = self._arr(dloss, op, "dloss")
        if LP.ndim != 2:
            raise ValueError(f"[{op}] log_probs must be 2-D, got shape {LP.shape}")
        self._like(D, LP, op, "dlogits", "log_probs")
        self._like(DL, LP[:, 0], op, "dloss", "log_probs[:, 0]")
        self._targets(T, LP.shape[0], LP.shape[1], op)
        xp = self._xp()
        D[...] = DL[:, None] * xp.exp(LP)
        D[xp.arange(LP.shape[0]), T] -= DL
