"""GPU convolution: dlcore's CUDA implicit-gemm conv2d kernels against torch's cuDNN on one shape
(default N64 C64 56x56 K64 3x3, stride 1, padding 1, float32), forward and forward+backward
(dx, dw, db), same process, alternated rounds. Prints ms and TFLOP/s (2*N*K*Ho*Wo*C*R*S per
pass, three passes for forward+backward), cuDNN with TF32 off (true float32) and on (torch's
default for convolutions), and the largest difference of dlcore's outputs from cuDNN's (TF32 off).

    python3 bench/device/gpu_conv.py [--shape N C H W K R S] [--rounds 7] [--steps 10]
"""

import argparse
import statistics
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
    ap.add_argument("--shape", type=int, nargs=7, default=[64, 64, 56, 56, 64, 3, 3])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=10)
    args = ap.parse_args()
    import torch

    import dlcore
    from dlcore import backend

    cp = backend.cupy()
    n, c, h, w, k, r, s = args.shape
    pad = (r // 2, r // 2, s // 2, s // 2)
    conv = ((1, 1), pad, (1, 1), 1)
    ho, wo = h + 2 * (r // 2) - r + 1, w + 2 * (s // 2) - s + 1
    flops = 2.0 * n * k * ho * wo * c * r * s
    rng = cp.random.RandomState(0)
    x, wt = (
        rng.standard_normal((n, c, h, w), dtype=cp.float32),
        rng.standard_normal((k, c, r, s), dtype=cp.float32),
    )
    b, dy = rng.standard_normal(k, dtype=cp.float32), rng.standard_normal((n, k, ho, wo), dtype=cp.float32)
    y, dx, dw, db = (cp.empty_like(a) for a in (dy, x, wt, b))
    ns = backend.kernels(x)

    def dl_fwd():
        ns.conv2d_forward(y, x, wt, b, *conv)

    def dl_fwd_bwd():
        ns.conv2d_forward(y, x, wt, b, *conv)
        ns.conv2d_backward_input(dx, dy, wt, *conv)
        ns.conv2d_backward_weight(dw, db, dy, x, *conv)

    tx, tw, tb, tdy = (torch.as_tensor(a, device="cuda") for a in (x, wt, b, dy))
    tx.requires_grad_(True)
    tw.requires_grad_(True)
    tb.requires_grad_(True)
    F = torch.nn.functional

    def t_fwd():
        with torch.no_grad():
            F.conv2d(tx, tw, tb, padding=(r // 2, s // 2))

    def t_fwd_bwd():
        out = F.conv2d(tx, tw, tb, padding=(r // 2, s // 2))
        torch.autograd.grad(out, (tx, tw, tb), tdy)

    def tf32(on, fn):
        def run():
            torch.backends.cudnn.allow_tf32 = on
            fn()

        return run

    torch.backends.cudnn.benchmark = True
    # correctness against cuDNN in true float32 first
    torch.backends.cudnn.allow_tf32 = False
    dl_fwd_bwd()
    out = F.conv2d(tx, tw, tb, padding=(r // 2, s // 2))
    gx, gw, gb = torch.autograd.grad(out, (tx, tw, tb), tdy)
    dlcore.cuda.synchronize()
    err = {
        name: float((torch.as_tensor(mine, device="cuda") - ref).abs().max() / ref.abs().max())
        for name, mine, ref in (("y", y, out), ("dx", dx, gx), ("dw", dw, gw), ("db", db, gb))
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
        f"# {torch.cuda.get_device_name()}, conv2d N{n} C{c} {h}x{w} K{k} {r}x{s}, stride 1, "
        f"'same' padding, float32, torch {torch.__version__}"
    )
    print("# max |dlcore - cuDNN fp32| / max |cuDNN|: " + ", ".join(f"{k_} {v:.1e}" for k_, v in err.items()))
    print("| pass | dlcore ms | TFLOP/s | cuDNN fp32 ms | TFLOP/s | cuDNN TF32 ms | TFLOP/s | x cuDNN fp32 |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, fns in runs.items():
        for fn in fns.values():
            timed(fn, sync, 2)  # warm-up: cuDNN's algorithm search, kernel load
        samples = {name: [] for name in fns}
        for _ in range(args.rounds):
            for name, fn in fns.items():
                samples[name].append(timed(fn, sync, args.steps))
        t = {name: statistics.median(v) for name, v in samples.items()}
        f = flops * (3 if kind == "fwd+bwd" else 1)
        cells = " | ".join(f"{t[nm] * 1e3:.3f} | {f / t[nm] / 1e12:.1f}" for nm in fns)
        print(f"| {kind} | {cells} | {t['cudnn fp32'] / t['dlcore']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
