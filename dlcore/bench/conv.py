"""`dlcore bench conv`: float32 conv2d through the backend.cpu kernels against
torch.nn.functional.conv2d (oneDNN), forward and forward+backward, at 1 and 2 threads, with the
FMA probe of the same run as the roofline.

FLOPs: 2*N*K*Ho*Wo*(C/groups)*R*S per forward; forward+backward counts 3x (dlcore: the forward,
backward_input and backward_weight kernels; torch: F.conv2d and autograd's backward, both
computing dx, dw and db). torch runs in its own worker process (harness.Baselines). The error
column is dlcore's max |out - ref| / max |ref| against the float64 reference (dlcore/reference.py)
over y (and dx, dw for forward+backward).
"""

import sys

import numpy as np

from dlcore.bench import harness

# name: (N, C, H, W, K, R, S, stride, pad)
SHAPES = {
    "3x3 N8 C64 56x56 K64": (8, 64, 56, 56, 64, 3, 3, 1, 1),
    "3x3 N16 C64 32x32 K64": (16, 64, 32, 32, 64, 3, 3, 1, 1),
    "3x3 N8 C128 16x16 K128": (8, 128, 16, 16, 128, 3, 3, 1, 1),
    "first N32 C3 32x32 K32": (32, 3, 32, 32, 32, 3, 3, 1, 1),
    "first N64 C1 28x28 K32": (64, 1, 28, 28, 32, 3, 3, 1, 1),
    "3x3 s2 N8 C64 56x56 K128": (8, 64, 56, 56, 128, 3, 3, 2, 1),
    "1x1 N8 C128 28x28 K64": (8, 128, 28, 28, 64, 1, 1, 1, 0),
}
QUICK = {
    "3x3 N2 C16 12x12 K16": (2, 16, 12, 12, 16, 3, 3, 1, 1),
    "first N4 C1 12x12 K8": (4, 1, 12, 12, 8, 3, 3, 1, 1),
}
MODES = ("fwd", "fwd+bwd")


def cases(quick=False):
    return [
        dict(name=name, dims=dims, mode=mode)
        for name, dims in (QUICK if quick else SHAPES).items()
        for mode in MODES
    ]


def geometry(case):
    n, c, h, w, k, r, s, st, p = case["dims"]
    ho, wo = (h + 2 * p - r) // st + 1, (w + 2 * p - s) // st + 1
    return n, c, h, w, k, r, s, st, p, ho, wo


def flops(case):
    n, c, _, _, k, r, s, _, _, ho, wo = geometry(case)
    return 2.0 * n * k * ho * wo * c * r * s * (3 if case["mode"] == "fwd+bwd" else 1)


def operands(case):
    n, c, h, w, k, r, s, _, _, ho, wo = geometry(case)
    rng = np.random.default_rng(1234)
    x = rng.standard_normal((n, c, h, w), np.float32)
    wt = (rng.standard_normal((k, c, r, s), np.float32) / np.sqrt(c * r * s)).astype(np.float32)
    bias = rng.standard_normal(k, np.float32)
    dy = rng.standard_normal((n, k, ho, wo), np.float32)
    return x, wt, bias, dy


def _err(out, ref):
    ref = np.asarray(ref)
    return float(np.abs(np.asarray(out, np.float64) - ref).max() / max(np.abs(ref).max(), 1e-30))


def make_call(lib, case, threads):
    from dlcore import reference

    n, _, _, _, k, _, _, st, p, ho, wo = geometry(case)
    x, wt, bias, dy = operands(case)
    geo = ((st, st), (p, p, p, p), (1, 1), 1)
    back = case["mode"] == "fwd+bwd"
    if lib == "dlcore":
        from dlcore import backend

        K = backend.cpu
        y, dx = np.empty((n, k, ho, wo), np.float32), np.empty_like(x)
        dw, db = np.empty_like(wt), np.empty_like(bias)

        def fn():
            K.conv2d_forward(y, x, wt, bias, *geo)
            if back:
                K.conv2d_backward_input(dx, dy, wt, *geo)
                K.conv2d_backward_weight(dw, db, dy, x, *geo)

        results = lambda: (y, dx, dw)  # noqa: E731
    elif lib == "torch":
        import torch
        import torch.nn.functional as F

        tx, tw, tb = (torch.from_numpy(a.copy()).requires_grad_(back) for a in (x, wt, bias))
        tdy = torch.from_numpy(dy)
        out = {}

        def fn():
            if not back:
                with torch.no_grad():
                    out["y"] = F.conv2d(tx, tw, tb, st, p)
                return
            tx.grad = tw.grad = tb.grad = None
            out["y"] = F.conv2d(tx, tw, tb, st, p)
            out["y"].backward(tdy)

        results = lambda: (out["y"].detach().numpy(), tx.grad, tw.grad)  # noqa: E731
    else:
        raise ValueError(f"unknown library {lib!r}")

    def check():
        fn()
        yo, dxo, dwo = results()
        err = _err(yo, reference.conv2d(x, wt, bias, *geo))
        if back:
            err = max(err, _err(np.asarray(dxo), reference.conv2d_backward_input(dy, wt, x.shape, *geo)))
            dw_ref, _ = reference.conv2d_backward_weight(dy, x, wt.shape, *geo)
            err = max(err, _err(np.asarray(dwo), dw_ref))
        return err

    return fn, check


def add_arguments(p):
    p.add_argument(
        "--mode", choices=("all",) + MODES, default="all", help="forward, forward+backward or both"
    )
    p.add_argument(
        "--settle",
        type=float,
        default=0.25,
        help="seconds idle before each multi-threaded sample (other pools go to sleep)",
    )


def run(args):
    from dlcore import backend

    budget = backend.get_num_threads()
    try:
        return _run(args)
    finally:
        backend.set_num_threads(budget)


def _run(args):
    from dlcore import backend

    repeats = args.repeats or (5 if args.quick else 7)
    target_s = 0.01 if args.quick else 0.05
    info = harness.machine_info()
    todo = [c for c in cases(args.quick) if getattr(args, "mode", "all") in ("all", c["mode"])]
    print(f"# conv2d float32 on {harness.machine_line(info)}", flush=True)
    results = {"machine": info, "probe_gflops": {}, "rows": []}
    seconds = 0.05 if args.quick else 0.25
    for t in args.threads:
        backend.set_num_threads(t)
        probe = harness.fma_probe(t, seconds)
        results["probe_gflops"][t] = probe
        print(f"# threads={t}: FMA probe {probe:.1f} GFLOP/s", flush=True)
        with harness.Baselines(t, () if args.no_baselines else ("torch",)) as bl:
            results.setdefault("versions", {}).update(bl.versions())
            rows = []
            for case in todo:
                r = harness.compare(
                    "dlcore.bench.conv",
                    case,
                    t,
                    bl,
                    repeats=repeats,
                    target_s=target_s,
                    clock=args.clock,
                    settle_s=args.settle if t > 1 else 0.0,
                )
                rows.append(_row(case, t, r, probe))
                row = rows[-1]
                base = f"  torch {row['torch']:7.1f} (x{row['x_torch']:.2f})" if "torch" in row else ""
                print(
                    f"  {case['name']:>26} {case['mode']:>7} t={t}: dlcore {row['dlcore']:7.1f}{base}"
                    f"  {row['pct_probe']:5.1f}% probe  err {row['err']:.1e}",
                    file=sys.stderr,
                    flush=True,
                )
            results["rows"].extend(rows)
        print()
        clock = harness.pick_clock(args.clock, t)
        print(
            f"### conv2d float32, {t} thread{'s' if t > 1 else ''} (FMA probe {probe:.1f} GFLOP/s, "
            f"{'thread CPU time' if clock == 'cpu' else 'wall time'}, median of {repeats}; "
            f"x torch = torch time / dlcore time, 'paired': median over rounds of the ratio within the round)"
        )
        print()
        print(harness.markdown_table(rows, table_columns(t)), flush=True)
    if args.json:
        harness.write_json(args.json, results)
    return 0


def _row(case, t, r, probe):
    f = flops(case)
    row = dict(
        shape=case["name"],
        mode=case["mode"],
        threads=t,
        dlcore=f / r["dlcore"]["s"] / 1e9,
        ms=1e3 * r["dlcore"]["s"],
        err=r["dlcore"]["err"],
        pct_probe=100.0 * f / r["dlcore"]["s"] / 1e9 / probe,
    )
    if "torch" in r:
        row["torch"] = f / r["torch"]["s"] / 1e9
        row["torch_pct"] = 100.0 * row["torch"] / probe
        row["x_torch"] = r["torch"]["s"] / r["dlcore"]["s"]
        row["x_torch_paired"] = harness.paired_ratio(r, "torch")
        row["err_torch"] = r["torch"]["err"]
    if "dlcore_1t" in r:
        row["dlcore_1t"] = f / r["dlcore_1t"]["s"] / 1e9
        row["x_1t"] = r["dlcore_1t"]["s"] / r["dlcore"]["s"]
    row["samples_s"] = {lib: r[lib]["samples"] for lib in r}
    return row


def table_columns(threads):
    cols = [
        ("shape", "shape", None),
        ("mode", "pass", None),
        ("ms", "dlcore ms", ".2f"),
        ("dlcore", "dlcore GFLOP/s", ".1f"),
        ("pct_probe", "% probe", ".0f"),
        ("torch", "torch GFLOP/s", ".1f"),
        ("torch_pct", "torch % probe", ".0f"),
        ("x_torch", "x torch", ".2f"),
        ("x_torch_paired", "x torch (paired)", ".2f"),
    ]
    if threads > 1:
        cols += [("dlcore_1t", "dlcore 1t GFLOP/s", ".1f"), ("x_1t", "x dlcore 1t", ".2f")]
    cols.append(("err", "max rel err", ".1e"))
    return cols


if __name__ == "__main__":
    from dlcore.bench import main

    sys.exit(main(["conv", *sys.argv[1:]]))
