"""BatchNorm2d forward+backward, dlcore against torch at 1 thread, paired in one process.

Two levels, each timed in thread CPU time over blocks of back-to-back calls, dlcore and torch
alternating within every round (the ratio is taken per round, then the median):
  layer:  nn.BatchNorm2d(C) in training mode, y = bn(x); y.backward(g) (autograd, running stats)
  kernel: batch_norm_forward + batch_norm_backward (_C.cpu) against aten's native_batch_norm +
          native_batch_norm_backward
Printed: per-call median times (us) and the paired ratio torch / dlcore (> 1: dlcore faster).

    python3 bench/scripts/batch_norm_pair.py --shape 64 32 14 14 --rounds 21
"""

import argparse
import statistics
import time

import numpy as np
import torch

import dlcore
from dlcore import backend, nn


def per_call(fn, calls):
    t0 = time.thread_time()
    for _ in range(calls):
        fn()
    return (time.thread_time() - t0) / calls


def cases(shape, rng):
    c = shape[1]
    x = rng.standard_normal(shape).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    d_bn, t_bn = nn.BatchNorm2d(c), torch.nn.BatchNorm2d(c)
    xd, gd = dlcore.tensor(x, requires_grad=True), dlcore.tensor(g)
    xt, gt = torch.tensor(x, requires_grad=True), torch.from_numpy(g)

    def d_layer():
        xd.grad = None
        d_bn(xd).backward(gd)

    def t_layer():
        xt.grad = None
        t_bn(xt).backward(gt)

    K = backend.cpu
    w, b = np.ones(c, np.float32), np.zeros(c, np.float32)
    y, mean, var = np.empty_like(x), np.empty(c, np.float32), np.empty(c, np.float32)
    dx, dw, db = np.empty_like(x), np.empty(c, np.float32), np.empty(c, np.float32)

    def d_kernel():
        K.batch_norm_forward(y, mean, var, x, w, b, 1e-5)
        K.batch_norm_backward(dx, dw, db, g, x, mean, var, w, 1e-5)

    tx, tg, tw, tb = (torch.from_numpy(a) for a in (x, g, w, b))
    rm, rv = torch.zeros(c), torch.ones(c)
    aten = torch.ops.aten

    def t_kernel():
        _, smean, sinvstd = aten.native_batch_norm(tx, tw, tb, rm, rv, True, 0.1, 1e-5)
        aten.native_batch_norm_backward(tg, tx, tw, rm, rv, smean, sinvstd, True, 1e-5, [True, True, True])

    return {"layer": (d_layer, t_layer), "kernel": (d_kernel, t_kernel)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", type=int, nargs=4, default=[64, 32, 14, 14])
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--calls", type=int, default=20)
    args = ap.parse_args()
    dlcore.set_num_threads(1)
    torch.set_num_threads(1)
    shape = tuple(args.shape)
    for name, (d, t) in cases(shape, np.random.default_rng(0)).items():
        for f in (d, t):  # warm-up
            per_call(f, 3)
        dt, tt, ratio = [], [], []
        for _ in range(args.rounds):
            a, b = per_call(d, args.calls), per_call(t, args.calls)
            dt.append(a)
            tt.append(b)
            ratio.append(b / a)
        size = "x".join(map(str, shape[2:]))
        print(
            f"{name:6s} N{shape[0]} C{shape[1]} {size}: dlcore {statistics.median(dt) * 1e6:8.1f} us"
            f"  torch {statistics.median(tt) * 1e6:8.1f} us"
            f"  paired torch/dlcore {statistics.median(ratio):.2f} (range {min(ratio):.2f}-{max(ratio):.2f})"
        )


if __name__ == "__main__":
    main()
