"""GPU recurrent layer: dlcore's CUDA rnn_forward / rnn_backward (csrc/cuda/rnn.cu) against torch's
cuDNN nn.LSTM (or nn.GRU) on one shape (default T50 B64 I256 H512, one layer, one direction,
float32), forward and forward+backward (dx, dh0, dc0, all weight and bias gradients), same process,
alternated rounds. First a correctness check against cuDNN with TF32 off: the largest difference
of every output and gradient relative to cuDNN's largest value (exit status 1 above 1e-3). Prints
ms and TFLOP/s (2*T*B*(I+H)*G*H per pass, three passes for forward+backward), cuDNN with TF32 off
and on.

    python3 bench/device/gpu_rnn.py [--shape T B I H] [--mode lstm|gru] [--rounds 7] [--steps 5]
"""

import argparse
import statistics
import sys
import time


def timed(fn, sync, steps):
    """Seconds per call: `steps` calls between two device synchronisations."""
    sync()
    t = time.perf_counter()
    for _ in range(steps):
        fn()
    sync()
    return (time.perf_counter() - t) / steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", type=int, nargs=4, default=[50, 64, 256, 512], metavar=("T", "B", "I", "H"))
    ap.add_argument("--mode", choices=["lstm", "gru"], default="lstm")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    import torch

    import dlcore
    from dlcore import backend

    cp = backend.cupy()
    t, b, i, h = args.shape
    mode, g = args.mode, {"lstm": 4, "gru": 3}[args.mode]
    lstm = mode == "lstm"
    flops = 2.0 * t * b * (i + h) * g * h
    layer = (torch.nn.LSTM if lstm else torch.nn.GRU)(i, h).cuda()
    params = [layer.weight_ih_l0, layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0]
    w_ih, w_hh, b_ih, b_hh = (cp.asarray(p.detach()) for p in params)
    rng = cp.random.RandomState(0)
    x, dy = rng.standard_normal((t, b, i), dtype=cp.float32), rng.standard_normal((t, b, h), dtype=cp.float32)
    h0, c0 = (rng.standard_normal((b, h), dtype=cp.float32) for _ in range(2))
    dhn, dcn = (rng.standard_normal((b, h), dtype=cp.float32) for _ in range(2))
    if not lstm:
        c0 = dcn = None
    y, hn, saved = (
        cp.empty((t, b, h), cp.float32),
        cp.empty((b, h), cp.float32),
        cp.empty((t, b, (g + 1) * h), cp.float32),
    )
    cn = cp.empty((b, h), cp.float32) if lstm else None
    dx, dh0, dc0 = cp.empty_like(x), cp.empty_like(h0), cp.empty((b, h), cp.float32) if lstm else None
    dw_ih, dw_hh, db_ih, db_hh = (cp.empty_like(a) for a in (w_ih, w_hh, b_ih, b_hh))
    ns = backend.kernels(x)

    def dl_fwd():
        ns.rnn_forward(mode, y, hn, cn, None, x, h0, c0, w_ih, w_hh, b_ih, b_hh, None, False)

    def dl_fwd_bwd():
        ns.rnn_forward(mode, y, hn, cn, saved, x, h0, c0, w_ih, w_hh, b_ih, b_hh, None, False)
        ns.rnn_backward(mode, dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dy, dhn, dcn, x, h0, c0,
                        w_ih, w_hh, y, saved, None, False)  # fmt: skip

    tx, th0, tdy, tdh = (torch.as_tensor(a, device="cuda") for a in (x, h0, dy, dhn))
    tx.requires_grad_(True)
    th0 = th0[None].requires_grad_(True)
    tc0 = torch.as_tensor(c0, device="cuda")[None].requires_grad_(True) if lstm else None
    state = (th0, tc0) if lstm else th0
    leaves = [tx, th0] + ([tc0] if lstm else []) + params

    def t_fwd():
        with torch.no_grad():
            layer(tx, state)

    def t_fwd_bwd():
        out, fin = layer(tx, state)
        outs, grads = [out, fin[0][0] if lstm else fin[0]], [tdy, tdh]
        if lstm:
            outs.append(fin[1][0])
            grads.append(torch.as_tensor(dcn, device="cuda"))
        return out, fin, torch.autograd.grad(outs, leaves, grads)

    def tf32(on, fn):
        def run():
            torch.backends.cudnn.allow_tf32 = on
            fn()

        return run

    torch.backends.cudnn.allow_tf32 = False
    dl_fwd_bwd()
    out, fin, tg = t_fwd_bwd()
    dlcore.cuda.synchronize()
    mine = [("y", y), ("h_n", hn)] + ([("c_n", cn)] if lstm else []) + [("dx", dx), ("dh0", dh0)]
    mine += ([("dc0", dc0)] if lstm else []) + [
        ("dw_ih", dw_ih),
        ("dw_hh", dw_hh),
        ("db_ih", db_ih),
        ("db_hh", db_hh),
    ]
    refs = [out, fin[0][0] if lstm else fin[0]] + ([fin[1][0]] if lstm else []) + [tg[0], tg[1][0]]
    refs += ([tg[2][0]] if lstm else []) + list(tg[-4:])
    err = {
        name: float(
            (torch.as_tensor(m, device="cuda") - r.detach()).abs().max()
            / r.detach().abs().max().clamp_min(1e-30)
        )
        for (name, m), r in zip(mine, refs)
    }
    runs = {
        "fwd": {"dlcore": dl_fwd, "cudnn fp32": tf32(False, t_fwd), "cudnn tf32": tf32(True, t_fwd)},
        "fwd+bwd": {
            "dlcore": dl_fwd_bwd,
            "cudnn fp32": tf32(False, t_fwd_bwd),
            "cudnn tf32": tf32(True, t_fwd_bwd),
        },
    }
    sync = torch.cuda.synchronize
    print(
        f"# {torch.cuda.get_device_name()}, {mode} T{t} B{b} I{i} H{h}, one layer, float32, "
        f"torch {torch.__version__}"
    )
    print("# max |dlcore - cuDNN fp32| / max |cuDNN|: " + ", ".join(f"{k} {v:.1e}" for k, v in err.items()))
    print("| pass | dlcore ms | TFLOP/s | cuDNN fp32 ms | TFLOP/s | cuDNN TF32 ms | TFLOP/s | x cuDNN fp32 |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, fns in runs.items():
        for fn in fns.values():
            timed(fn, sync, 2)  # warm-up: cuDNN's plans, kernel load, dlcore's workspace
        samples = {name: [] for name in fns}
        for _ in range(args.rounds):
            for name, fn in fns.items():
                samples[name].append(timed(fn, sync, args.steps))
        tm = {name: statistics.median(v) for name, v in samples.items()}
        f = flops * (3 if kind == "fwd+bwd" else 1)
        cells = " | ".join(f"{tm[nm] * 1e3:.3f} | {f / tm[nm] / 1e12:.2f}" for nm in fns)
        print(f"| {kind} | {cells} | {tm['cudnn fp32'] / tm['dlcore']:.2f} |", flush=True)
    bad = {k: v for k, v in err.items() if not v <= 1e-3}
    if bad:
        print(f"# MISMATCH against cuDNN: {bad}")
        sys.exit(1)


if __name__ == "__main__":
    main()
