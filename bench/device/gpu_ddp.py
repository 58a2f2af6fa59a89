"""Run under `mpiexec -n 2` on the GPU machine (bench/device/gpu_check.sh): dlcore.distributed's
collectives on CUDA tensors against numpy, then DDP of a float32 MLP on CUDA (SGD with momentum
and Adam, 30 steps, global batch 64 split over the ranks) against rank 0's single-process CUDA run
with the whole batch. Prints one line per check on rank 0 and exits non-zero on a failed check.
Usage: mpiexec -n 2 python bench/device/gpu_ddp.py [DEVICE]   (default cuda; cpu to try it here)
"""

import sys

import numpy as np

import dlcore
import dlcore.distributed as dist
from dlcore import nn, optim

dist.init_process_group("mpi", timeout=120)
rank, world = dist.get_rank(), dist.get_world_size()
DEV = sys.argv[1] if len(sys.argv) > 1 else "cuda"
failed = []


def check(name, ok, detail=""):
    if not ok:
        failed.append(name)
    if rank == 0:
        print(f"{'ok  ' if ok else 'FAIL'} {name} {detail}", flush=True)


base = np.arange(5, dtype=np.float32)
for op, ref in (
    ("sum", sum(base + r for r in range(world))),
    ("avg", base + (world - 1) / 2),
    ("max", base + world - 1),
    ("min", base),
):
    t = dlcore.tensor(base + rank).to(DEV)
    dist.all_reduce(t, op)
    check(f"all_reduce {op} on {DEV}", t.device == DEV and np.allclose(t.cpu().numpy(), ref))
t = dlcore.tensor(np.full(3, rank, np.float32)).to(DEV)
dist.broadcast(t, src=1)
check(f"broadcast from rank 1 on {DEV}", np.array_equal(t.cpu().numpy(), np.ones(3)))
outs = [dlcore.zeros(2, device=DEV) for _ in range(world)]
dist.all_gather(outs, dlcore.tensor(np.full(2, rank, np.float32)).to(DEV))
check(f"all_gather on {DEV}", all(np.array_equal(o.cpu().numpy(), np.full(2, r)) for r, o in enumerate(outs)))

rng = np.random.default_rng(0)
X = rng.standard_normal((640, 32)).astype(np.float32)
Y = (X @ rng.standard_normal((32, 10))).argmax(1)
B, STEPS = 64, 30


def build():
    dlcore.manual_seed(0)
    return nn.Sequential(
        nn.Linear(32, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10)
    ).to(DEV)


def train(model, opt, rows_of_step):
    losses = []
    for s in range(STEPS):
        rows = rows_of_step(s)
        x, y = dlcore.tensor(X[rows]).to(DEV), dlcore.tensor(Y[rows]).to(DEV)
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    return losses


for name, make in (
    ("SGD momentum", lambda p: optim.SGD(p, lr=0.05, momentum=0.9)),
    ("Adam", lambda p: optim.Adam(p, lr=1e-3)),
):
    model = build()
    ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=0.1)
    opt = make(ddp.parameters())
    local = train(ddp, opt, lambda s: np.arange(s * B, (s + 1) * B)[rank::world] % len(X))
    mean = dlcore.tensor(np.array(local, np.float64))
    dist.all_reduce(mean, "avg")
    weights = np.concatenate([p.cpu().numpy().ravel() for p in model.parameters()])
    if rank == 0:
        ref_model = build()
        ref = train(ref_model, make(ref_model.parameters()), lambda s: np.arange(s * B, (s + 1) * B) % len(X))
        ref_w = np.concatenate([p.cpu().numpy().ravel() for p in ref_model.parameters()])
        loss_err = float(np.max(np.abs(mean.numpy() - ref) / np.abs(ref)))
        w_err = float(np.linalg.norm(weights - ref_w) / np.linalg.norm(ref_w))
        stats = ddp.reducer.stats if hasattr(ddp, "reducer") else "?"
        ok = loss_err <= 1e-5 and w_err <= 1e-5 and ref[-1] < ref[0]
        check(
            f"DDP on {DEV} == one process ({name}, float32, {STEPS} steps)",
            ok,
            f"loss max rel diff {loss_err:.1e}, weights rel L2 {w_err:.1e}, "
            f"loss {ref[0]:.3f}->{ref[-1]:.3f}, buckets {stats}",
        )
dist.barrier()
sys.exit(1 if failed else 0)
