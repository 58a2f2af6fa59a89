"""GPU optimizer step: dlcore's fused CUDA SGD/Adam against torch.optim (fused and foreach) on
one float32 parameter of N elements, same process, alternated rounds. Prints GB/s (bytes the
update must move: Adam 28 B/element, SGD with momentum 20) and the ratio to torch fused.

    python3 bench/device/gpu_optim.py [--n 100000000] [--rounds 7] [--steps 10]
"""

import argparse
import statistics
import time


def timed(step, sync, steps):
    """Seconds per step: `steps` steps between two device synchronisations."""
    sync()
    t = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    return (time.perf_counter() - t) / steps


def dlcore_step(kind, n):
    import dlcore

    cp = dlcore.backend.cupy()
    p = dlcore.nn.Parameter(cp.random.standard_normal(n, dtype=cp.float32))
    p.grad = dlcore.Tensor(cp.random.standard_normal(n, dtype=cp.float32))
    opt = dlcore.optim.Adam([p], lr=1e-4) if kind == "adam" else dlcore.optim.SGD([p], lr=1e-4, momentum=0.9)
    return opt.step, dlcore.cuda.synchronize


def torch_step(kind, n, impl):
    import torch

    p = torch.nn.Parameter(torch.randn(n, device="cuda"))
    p.grad = torch.randn(n, device="cuda")
    flag = {"fused": True} if impl == "fused" else {"foreach": True}
    opt = (
        torch.optim.Adam([p], lr=1e-4, **flag)
        if kind == "adam"
        else torch.optim.SGD([p], lr=1e-4, momentum=0.9, **flag)
    )
    return opt.step, torch.cuda.synchronize


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000_000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=10)
    args = ap.parse_args()
    import torch

    print(
        f"# {torch.cuda.get_device_name()}, N = {args.n:,} float32, median of {args.rounds} "
        f"rounds x {args.steps} steps, torch {torch.__version__}"
    )
    print("| step | dlcore GB/s | torch fused GB/s | torch foreach GB/s | x torch fused |")
    print("|---|---|---|---|---|")
    for kind, nbytes in (("adam", 28), ("sgd_momentum", 20)):
        runs = {
            "dlcore": dlcore_step(kind, args.n),
            "fused": torch_step(kind, args.n, "fused"),
            "foreach": torch_step(kind, args.n, "foreach"),
        }
        samples = {k: [] for k in runs}
        for step, sync in runs.values():
            timed(step, sync, 3)  # warm-up: state allocation, kernel load
        for _ in range(args.rounds):
            for name, (step, sync) in runs.items():
                samples[name].append(timed(step, sync, args.steps))
        s = {k: statistics.median(v) for k, v in samples.items()}
        gbs = {k: nbytes * args.n / v / 1e9 for k, v in s.items()}
        print(
            f"| {kind} | {gbs['dlcore']:.0f} | {gbs['fused']:.0f} | {gbs['foreach']:.0f} | "
            f"{s['fused'] / s['dlcore']:.2f} |",
            flush=True,
        )
        del runs
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
