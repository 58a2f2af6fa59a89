"""Worker for tests/test_mpi_fit.py: fit at N ranks with a plain model per rank (no DDP).

Each rank trains its own float64 Linear(4, 3) copy on its own, deliberately unequal, shard, with
a loss and a metric that record this rank's per-batch values, so the test can recompute the
sample-weighted mean over ranks and compare it with the logs fit reports on every rank.
Writes OUT/rank{R}.json. Usage: fit_worker.py OUT_DIR
"""

import json
import sys
from pathlib import Path

import numpy as np

import dlcore
import dlcore.distributed as dist
from dlcore import nn, optim
from dlcore.callbacks import Callback, CSVLogger, EarlyStopping, JSONLogger, ModelCheckpoint
from dlcore.data import DataLoader, DistributedSampler, TensorDataset
from dlcore.train import fit

EPOCHS = 3
out = Path(sys.argv[1])
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
dlcore.manual_seed(100 + rank)

rng = np.random.default_rng(0)
x = rng.normal(size=(40, 4))
y = rng.integers(0, 3, size=40)
data = TensorDataset(x, y)

# the default-argument DistributedSampler takes its rank and world size from the group
default_shard = list(DistributedSampler(data, shuffle=True, seed=3))


class ShardSampler:
    """Rank r owns 5 + 9 r samples (unequal shards), shuffled by epoch; records set_epoch."""

    def __init__(self, start, size):
        self.indices, self.calls, self.epoch = np.arange(start, start + size), [], None

    def set_epoch(self, epoch):
        self.calls.append(epoch)
        self.epoch = epoch

    def __len__(self):
        return len(self.indices)

    def __iter__(self):
        return iter(np.random.default_rng(self.epoch).permutation(self.indices).tolist())


sizes = [5 + 9 * r for r in range(world)]
sampler = ShardSampler(sum(sizes[:rank]), sizes[rank])
train = DataLoader(data, batch_size=4, sampler=sampler)
val = DataLoader(TensorDataset(x[: 3 + 7 * rank], y[: 3 + 7 * rank]), batch_size=3)

model = nn.Linear(4, 3, dtype=np.float64)
records = {"train": [], "val": []}  # per batch: (n, loss, acc) on this rank
ce = nn.CrossEntropyLoss()


def loss_fn(out_, tgt):
    loss = ce(out_, tgt)
    records["train" if model.training else "val"].append([len(tgt), float(loss.item())])
    return loss


def acc(out_, tgt):
    v = float(np.mean(out_.argmax(1) == tgt))
    records["train" if model.training else "val"][-1].append(v)
    return v


local = []


class LocalMeans(Callback):
    """This rank's own sample-weighted epoch means, from the recorded batches."""

    def on_epoch_end(self, epoch, logs):
        entry = {}
        for phase, prefix in (("train", ""), ("val", "val_")):
            r = np.array(records[phase])
            entry[prefix + "n"] = float(r[:, 0].sum())
            entry[prefix + "loss"] = float((r[:, 0] * r[:, 1]).sum() / r[:, 0].sum())
            entry[prefix + "acc"] = float((r[:, 0] * r[:, 2]).sum() / r[:, 0].sum())
        local.append(entry)
        records["train"].clear()
        records["val"].clear()


stopper = EarlyStopping("val_loss", patience=1, min_delta=1e9)  # stops after epoch 1 on every rank
cbs = [
    LocalMeans(),
    CSVLogger(out / f"log{rank}.csv"),
    JSONLogger(out / f"log{rank}.jsonl"),
    ModelCheckpoint(out / f"ckpt{rank}-{{epoch}}.safetensors", monitor="loss"),
    stopper,
]
hist = fit(
    model,
    loss_fn,
    optim.SGD(model.parameters(), lr=0.1),
    train,
    epochs=EPOCHS,
    val_loader=val,
    metrics=[acc],
    callbacks=cbs,
    verbose=2,
)
result = {
    "rank": rank,
    "world": world,
    "history": dict(hist),
    "epochs": hist.epochs,
    "stopped_epoch": hist.stopped_epoch,
    "early_stopping_stopped": stopper.stopped_epoch,
    "local": local,
    "set_epoch_calls": sampler.calls,
    "default_shard": default_shard,
    "evaluate_all": dlcore.train.evaluate(model, val, loss_fn, [acc]),
    "evaluate_local": dlcore.train.evaluate(model, val, loss_fn, [acc], across_ranks=False),
}
(out / f"rank{rank}.json").write_text(json.dumps(result))
dist.destroy_process_group()
