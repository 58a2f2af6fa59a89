"""The shared parts of the training-epoch suites (train-mlp, train-cnn): the epoch of each library
for a model with its weights loaded, and the driver timing each case for dlcore and torch (in
its worker process) at every thread count into one table of s/epoch and ratios.

A suite module provides CASES (dicts with a "name" and "opt": "adam" or "sgd") and
make_call(lib, case, threads) -> (one training epoch, check), check returning the relative error
of the first-batch loss; it builds the model and calls dlcore_epoch / torch_epoch.
"""

import sys

from dlcore.bench import harness


def dlcore_epoch(model, case, x, y, batch):
    """(one epoch of dlcore.train.fit with a shuffling DataLoader, the first batch's loss)."""
    import dlcore
    from dlcore import nn, optim
    from dlcore.data import DataLoader, TensorDataset
    from dlcore.train import fit

    loss_fn = nn.CrossEntropyLoss()
    first = loss_fn(model(dlcore.from_numpy(x[:batch])), dlcore.from_numpy(y[:batch])).item()
    params = model.parameters()
    adam = case["opt"] == "adam"
    opt = optim.Adam(params, lr=1e-3) if adam else optim.SGD(params, lr=0.05, momentum=0.9)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=True, seed=0)
    return (lambda: fit(model, loss_fn, opt, loader, epochs=1, verbose=0)), first


def torch_epoch(model, case, x, y, batch):
    """(one epoch of the idiomatic torch loop over randperm-indexed tensors, the first batch's loss)."""
    import torch

    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    with torch.no_grad():
        first = loss_fn(model(xt[:batch]), yt[:batch]).item()
    params = model.parameters()
    adam = case["opt"] == "adam"
    opt = torch.optim.Adam(params, lr=1e-3) if adam else torch.optim.SGD(params, lr=0.05, momentum=0.9)
    gen = torch.Generator().manual_seed(0)

    def epoch():
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), batch):
            idx = perm[i : i + batch]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()

    return epoch, first


def run(args, suite: str, cases, header: str, title: str) -> int:
    """Times `cases` of the suite module named `suite`; prints `header`, progress and the table."""
    repeats = args.repeats or 5
    info = harness.machine_info()
    print(f"{header}; {harness.machine_line(info)}", flush=True)
    rows = []
    for t in args.threads:
        with harness.Baselines(t, () if args.no_baselines else ("torch",)) as bl:
            for case in cases[:1] if args.quick else cases:
                target_s = 0.05 if args.quick else 0.2
                r = harness.compare(suite, case, t, bl, repeats=repeats, target_s=target_s, clock=args.clock)
                d = r["dlcore"]
                row = dict(model=case["name"], threads=t, dlcore=d["s"], err=d["err"], clock=d["clock"])
                if "torch" in r:
                    row.update(
                        torch=r["torch"]["s"], ratio=r["torch"]["s"] / d["s"], err_torch=r["torch"]["err"]
                    )
                rows.append(row)
                vs = (
                    f", torch {row['torch'] * 1e3:.1f} ms/epoch (x{row['ratio']:.2f})"
                    if "torch" in row
                    else ""
                )
                print(
                    f"  {case['name']} t={t}: dlcore {d['s'] * 1e3:.1f} ms/epoch{vs}",
                    file=sys.stderr,
                    flush=True,
                )
    print()
    print(
        f"### {title} (s/epoch, median of {repeats}; ratio = torch / dlcore; 1 thread timed in thread "
        "CPU time, 2 threads in wall time)"
    )
    print()
    columns = [
        ("model", "model / optimizer", None),
        ("threads", "threads", "d"),
        ("dlcore", "dlcore s/epoch", ".4f"),
        ("torch", "torch s/epoch", ".4f"),
        ("ratio", "ratio", ".2f"),
        ("err", "first-loss rel err dlcore", ".1e"),
        ("err_torch", "torch", ".1e"),
    ]
    print(harness.markdown_table(rows, columns), flush=True)
    if args.json:
        harness.write_json(args.json, {"machine": info, "rows": rows})
    return 0
