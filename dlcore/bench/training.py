"""The shared driver of the training-epoch suites (train-mlp, train-cnn): each case timed for
dlcore and torch (in its worker process) at every thread count, one table of s/epoch and ratios.

A suite module provides CASES (dicts with a "name") and make_call(lib, case, threads) ->
(one training epoch, check), check returning the relative error of the first-batch loss.
"""

import sys

from dlcore.bench import harness


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
