"""`dlcore bench lstm`: float32 recurrent layers through the backend.cpu kernels (rnn_forward,
rnn_backward) against PyTorch, forward (inference) and forward+backward, at 1 and 2 threads.

Rows: an LSTM layer at three shapes against torch.nn.LSTM and against a torch.nn.LSTMCell loop
over the steps; a GRU layer against torch.nn.GRU; the LSTM cell alone (T = 1) against one
torch.nn.LSTMCell call. forward+backward computes y, then dx, dh0, dc0, dW and db from dy (torch:
autograd with x, h0, c0 and the parameters requiring grad). torch runs in its own worker process
(harness.Baselines) with torch.set_num_threads matching dlcore's. The error column is the max
|out - ref| / max |ref| against the float64 reference (dlcore/reference_rnn.py) over y (and dx,
dW_ih, dW_hh).
"""

import sys

import numpy as np

from dlcore.bench import harness

# name: (T, B, I, H)
LSTM_SHAPES = {
    "T50 B32 I128 H256": (50, 32, 128, 256),
    "T50 B64 I256 H512": (50, 64, 256, 512),
    "T35 B20 I650 H650": (35, 20, 650, 650),
}
GRU_SHAPES = {"T50 B64 I256 H512": (50, 64, 256, 512)}
CELL_SHAPES = {"B64 H512": (1, 64, 512, 512)}
QUICK = {"T5 B3 I7 H13": (5, 3, 7, 13)}
PASSES = ("fwd", "fwd+bwd")
GATES = {"lstm": 4, "gru": 3}


def cases(quick=False):
    out = []
    for p in PASSES:
        if quick:
            out += [
                dict(name=n, mode=m, dims=d, pass_=p, base="layer") for n, d in QUICK.items() for m in GATES
            ]
            out += [dict(name=n, mode="lstm", dims=d, pass_=p, base="loop") for n, d in QUICK.items()]
            continue
        for base in ("layer", "loop"):
            out += [dict(name=n, mode="lstm", dims=d, pass_=p, base=base) for n, d in LSTM_SHAPES.items()]
        out += [dict(name=n, mode="gru", dims=d, pass_=p, base="layer") for n, d in GRU_SHAPES.items()]
        out += [dict(name=n, mode="lstm", dims=d, pass_=p, base="cell") for n, d in CELL_SHAPES.items()]
    return out


def operands(case):
    t, b, i, h = case["dims"]
    g = GATES[case["mode"]] * h
    rng = np.random.default_rng(1234)
    k = 1.0 / np.sqrt(h)
    f32 = np.float32
    ops = dict(x=rng.standard_normal((t, b, i), f32), h0=rng.standard_normal((b, h), f32) * f32(0.5))
    ops["c0"] = rng.standard_normal((b, h), f32) * f32(0.5) if case["mode"] == "lstm" else None
    for name, shape in (("w_ih", (g, i)), ("w_hh", (g, h)), ("b_ih", (g,)), ("b_hh", (g,))):
        ops[name] = rng.uniform(-k, k, shape).astype(f32)
    ops["dy"] = rng.standard_normal((t, b, h), f32)
    return ops


def _err(out, ref):
    ref = np.asarray(ref)
    return float(np.abs(np.asarray(out, np.float64) - ref).max() / max(np.abs(ref).max(), 1e-30))


def _dlcore_call(case, o):
    from dlcore import backend

    K, mode, back = backend.cpu, case["mode"], case["pass_"] == "fwd+bwd"
    t, b, i, h = case["dims"]
    g, s, lstm = GATES[mode] * h, (5 if mode == "lstm" else 4) * h, mode == "lstm"
    e = np.empty
    y, h_n, c_n = e((t, b, h), np.float32), e((b, h), np.float32), e((b, h), np.float32) if lstm else None
    saved = e((t, b, s), np.float32) if back else None
    grads = dict(
        dx=e((t, b, i), np.float32), dh0=e((b, h), np.float32), dc0=e((b, h), np.float32) if lstm else None
    )
    grads.update(dw_ih=e((g, i), np.float32), dw_hh=e((g, h), np.float32))
    grads.update(db_ih=e(g, np.float32), db_hh=e(g, np.float32))
    w = (o["x"], o["h0"], o["c0"], o["w_ih"], o["w_hh"])

    def fn():
        K.rnn_forward(mode, y, h_n, c_n, saved, *w, o["b_ih"], o["b_hh"], None, False)
        if back:
            K.rnn_backward(mode, *grads.values(), o["dy"], None, None, *w, y, saved, None, False)

    return fn, lambda: (y, grads["dx"], grads["dw_ih"], grads["dw_hh"])


def _torch_call(case, o):
    import torch

    back, mode, base = case["pass_"] == "fwd+bwd", case["mode"], case["base"]
    i, h = case["dims"][2:]
    if base == "layer":
        m = (torch.nn.LSTM if mode == "lstm" else torch.nn.GRU)(i, h)
        names = {"w_ih": "weight_ih_l0", "w_hh": "weight_hh_l0", "b_ih": "bias_ih_l0", "b_hh": "bias_hh_l0"}
    else:
        m = torch.nn.LSTMCell(i, h)
        names = {"w_ih": "weight_ih", "w_hh": "weight_hh", "b_ih": "bias_ih", "b_hh": "bias_hh"}
    with torch.no_grad():
        for k, v in names.items():
            getattr(m, v).copy_(torch.from_numpy(o[k]))
    x, h0 = (torch.from_numpy(o[k].copy()).requires_grad_(back) for k in ("x", "h0"))
    c0 = torch.from_numpy(o["c0"].copy()).requires_grad_(back) if mode == "lstm" else None
    dy = torch.from_numpy(o["dy"])
    out = {}

    def run():
        if base == "layer":
            return m(x, (h0[None], c0[None]) if mode == "lstm" else h0[None])[0]
        hs, state = [], (h0, c0)
        for t in range(x.shape[0]):
            state = m(x[t], state)
            hs.append(state[0])
        return torch.stack(hs)

    def fn():
        if not back:
            with torch.no_grad():
                out["y"] = run()
            return
        x.grad = h0.grad = None
        m.zero_grad(set_to_none=True)
        out["y"] = run()
        out["y"].backward(dy)

    def results():
        w_ih = getattr(m, names["w_ih"]).grad
        w_hh = getattr(m, names["w_hh"]).grad
        return out["y"].detach().numpy(), x.grad, w_ih, w_hh

    return fn, results


def make_call(lib, case, threads):
    from dlcore.reference_rnn import rnn_backward_ref, rnn_forward_ref

    o = operands(case)
    if lib == "dlcore":
        fn, results = _dlcore_call(case, o)
    elif lib == "torch":
        fn, results = _torch_call(case, o)
    else:
        raise ValueError(f"unknown library {lib!r}")
    args = (case["mode"], o["x"], o["h0"], o["c0"], o["w_ih"], o["w_hh"], o["b_ih"], o["b_hh"])

    def check():
        fn()
        y, dx, dw_ih, dw_hh = results()
        err = _err(y, rnn_forward_ref(*args)[0])
        if case["pass_"] == "fwd+bwd":
            ref = rnn_backward_ref(case["mode"], o["dy"], None, None, *args[1:])
            for got, name in ((dx, "dx"), (dw_ih, "dw_ih"), (dw_hh, "dw_hh")):
                err = max(err, _err(np.asarray(got), ref[name]))
        return err

    return fn, check


def add_arguments(p):
    p.add_argument("--pass", dest="pass_", choices=("all",) + PASSES, default="all", help="which passes")
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
    target_s = 0.01 if args.quick else 0.1
    info = harness.machine_info()
    todo = [c for c in cases(args.quick) if getattr(args, "pass_", "all") in ("all", c["pass_"])]
    print(f"# recurrent layers float32 on {harness.machine_line(info)}", flush=True)
    results = {"machine": info, "rows": []}
    for t in args.threads:
        backend.set_num_threads(t)
        with harness.Baselines(t, () if args.no_baselines else ("torch",)) as bl:
            results.setdefault("versions", {}).update(bl.versions())
            rows = []
            for case in todo:
                r = harness.compare(
                    "dlcore.bench.lstm",
                    case,
                    t,
                    bl,
                    repeats=repeats,
                    target_s=target_s,
                    clock=args.clock,
                    settle_s=args.settle if t > 1 else 0.0,
                )
                rows.append(_row(case, t, r))
                row = rows[-1]
                base = (
                    f"  torch {row['torch_ms']:8.2f} ms (x{row['x_torch']:.2f})" if "torch_ms" in row else ""
                )
                print(
                    f"  {row['layer']:>9} {case['name']:>18} {case['pass_']:>7} vs {row['baseline']:<17} "
                    f"t={t}: dlcore {row['ms']:8.2f} ms{base}  err {row['err']:.1e}",
                    file=sys.stderr,
                    flush=True,
                )
            results["rows"].extend(rows)
        print()
        clock = harness.pick_clock(args.clock, t)
        print(
            f"### recurrent layers float32, {t} thread{'s' if t > 1 else ''} "
            f"({'thread CPU time' if clock == 'cpu' else 'wall time'}, median of {repeats}; "
            f"x torch = torch time / dlcore time, 'paired': median over rounds of the ratio within the round)"
        )
        print()
        print(harness.markdown_table(rows, table_columns(t)), flush=True)
    if args.json:
        harness.write_json(args.json, results)
    return 0


def _row(case, t, r):
    baseline = {"layer": f"nn.{case['mode'].upper()}", "loop": "nn.LSTMCell loop", "cell": "nn.LSTMCell"}
    row = dict(
        layer="LSTM cell" if case["base"] == "cell" else case["mode"].upper(),
        shape=case["name"],
        pass_=case["pass_"],
        baseline=baseline[case["base"]],
        threads=t,
        ms=1e3 * r["dlcore"]["s"],
        err=r["dlcore"]["err"],
    )
    if "torch" in r:
        row["torch_ms"] = 1e3 * r["torch"]["s"]
        row["x_torch"] = r["torch"]["s"] / r["dlcore"]["s"]
        row["x_torch_paired"] = harness.paired_ratio(r, "torch")
        row["err_torch"] = r["torch"]["err"]
    if "dlcore_1t" in r:
        row["ms_1t"] = 1e3 * r["dlcore_1t"]["s"]
        row["x_1t"] = r["dlcore_1t"]["s"] / r["dlcore"]["s"]
    row["samples_s"] = {lib: r[lib]["samples"] for lib in r}
    return row


def table_columns(threads):
    cols = [
        ("layer", "layer", None),
        ("shape", "shape", None),
        ("pass_", "pass", None),
        ("baseline", "torch runs", None),
        ("ms", "dlcore ms", ".2f"),
        ("torch_ms", "torch ms", ".2f"),
        ("x_torch", "x torch", ".2f"),
        ("x_torch_paired", "x torch (paired)", ".2f"),
    ]
    if threads > 1:
        cols += [("ms_1t", "dlcore 1t ms", ".2f"), ("x_1t", "x dlcore 1t", ".2f")]
    cols += [("err", "max rel err", ".1e"), ("err_torch", "torch err", ".1e")]
    return cols


if __name__ == "__main__":
    from dlcore.bench import main

    sys.exit(main(["lstm", *sys.argv[1:]]))
