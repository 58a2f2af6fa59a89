"""Reducer: gradient buckets for DistributedDataParallel, all-reduced as their gradients become final.

Parameters (those that require grad) are grouped into buckets in the reverse order of
module.parameters() (the order backward produces their gradients), one dtype and device per
bucket, each up to `bucket_cap_bytes` (a parameter larger than the cap gets a bucket of its own).
A post-accumulate-grad hook per parameter marks it ready; when a bucket's last parameter is ready
its sum all-reduce starts non-blocking, strictly in bucket order (every rank must start the same
collectives in the same order), and a queue_callback at the end of backward starts the rest,
waits on all, divides by the world size and writes the averages back into every .grad.

Where a bucket's gradients are adjacent views of one contiguous array (an optimizer's flat
gradient buffer; checked by data pointers, re-checked only when a .grad array changes identity),
the all-reduce runs in place on that slice ("in place"). Otherwise (no optimizer yet, grads set to
None and recreated, parameters in several optimizer groups) the gradients are packed into the
bucket's own buffer and copied back after ("pack"). `stats` counts both, per bucket reduction.
"""

from __future__ import annotations

import numpy as np

from ... import autograd, backend
from ... import distributed as dist
from ...distributed.arrays import all_reduce_array
from ...tensor import Tensor


def _ptr(a) -> int:
    """Address of an array's first element (numpy or any __cuda_array_interface__ array)."""
    iface = getattr(a, "__cuda_array_interface__", None) or a.__array_interface__
    return iface["data"][0]


def _owner(a):
    """The array that owns a's memory (views collapse to it; a itself when it owns its memory)."""
    while isinstance(a.base, type(a)):
        a = a.base
    return a


def contiguous_slice(arrays):
    """A 1-D view covering exactly `arrays` when they are C-contiguous, same-dtype views that tile
    one contiguous range of a single C-contiguous owner array (in any order); else None."""
    first = arrays[0]
    owner = _owner(first)
    if not owner.flags.c_contiguous or owner.dtype != first.dtype:
        return None
    item, base = first.dtype.itemsize, _ptr(owner)
    spans = []
    for a in arrays:
        if a.dtype != first.dtype or not a.flags.c_contiguous or _owner(a) is not owner:
            return None
        start = _ptr(a) - base
        if start % item:
            return None
        spans.append((start // item, a.size))
    spans.sort()
    for (s, k), (s2, _) in zip(spans, spans[1:]):
        if s + k != s2:
            return None
    lo, hi = spans[0][0], spans[-1][0] + spans[-1][1]
    flat = owner.reshape(-1)
    if hi > flat.size or _ptr(flat) != base:
        return None
    return flat[lo:hi]


class Bucket:
    """Indices (into the reducer's parameter list) of parameters reduced together, and the
    layout decision for their current .grad arrays."""

    def __init__(self, indices, params):
        self.indices = list(indices)
        self.params = [params[i] for i in indices]
        self.numel = sum(p.numel() for p in self.params)
        self.dtype = self.params[0].dtype
        self.buffer = None  # the pack buffer, allocated on the first pack
        self.seen = None  # the .grad arrays the cached decision was made for
        self.view = None  # the in-place slice for `seen`, or None (pack)
        self.pending = 0
        self.work = None
        self.packed = False

    def target(self):
        """The array to all-reduce: the in-place slice of the grads when they tile one, else the
        pack buffer filled with the grads (zeros for a grad that is None)."""
        grads = [None if p.grad is None else p.grad.data for p in self.params]
        if self.seen is None or any(g is not s for g, s in zip(grads, self.seen)):
            self.seen = grads
            self.view = None if any(g is None for g in grads) else contiguous_slice(grads)
        if self.view is not None:
            self.packed = False
            return self.view
        if self.buffer is None:
            xp = backend.array_module(self.params[0].data)
            self.buffer = xp.empty(self.numel, dtype=self.dtype)
        off = 0
        for p, g in zip(self.params, grads):
            k = p.numel()
            if g is None:
                self.buffer[off : off + k] = 0
            else:
                self.buffer[off : off + k] = g.reshape(-1)
            off += k
        self.packed = True
        return self.buffer

    def unpack(self, used) -> None:
        """Copy the reduced pack buffer back into the grads; a grad that was None gets a new array
        when the parameter was used on some rank (`used[i]`), and stays None otherwise (as torch)."""
        off = 0
        for i, p in zip(self.indices, self.params):
            k = p.numel()
            part = self.buffer[off : off + k].reshape(p.shape)
            off += k
            if p.grad is not None:
                p.grad.data[...] = part
            elif used[i]:
                p.grad = Tensor(part.copy())


def build_buckets(params, bucket_cap_bytes: int) -> list:
    """Buckets over params in reverse order, split by (dtype, device) and capped in bytes."""
    open_, buckets = {}, []
    for i in reversed(range(len(params))):
        p = params[i]
        key = (str(p.dtype), str(p.device))
        nbytes = p.numel() * p.dtype.itemsize
        cur = open_.get(key)
        if cur is not None and cur[1] + nbytes > bucket_cap_bytes:
            buckets.append(cur[0])
            cur = None
        if cur is None:
            cur = open_[key] = [[], 0]
        cur[0].append(i)
        cur[1] += nbytes
    buckets += [c[0] for c in open_.values() if c[0]]
    buckets.sort(key=lambda idx: -idx[0])  # the order gradients become final: last parameter first
    return [Bucket(idx, params) for idx in buckets]


class Reducer:
    """Averages the gradients of `params` across ranks once per prepared backward."""

    def __init__(self, params, names, bucket_cap_bytes: int, find_unused_parameters: bool):
        self.params = list(params)
        self.names = list(names)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.buckets = build_buckets(self.params, bucket_cap_bytes)
        self.bucket_of = {}
        for b, bucket in enumerate(self.buckets):
            for i in bucket.indices:
                self.bucket_of[i] = b
        self.stats = {"in_place": 0, "packed": 0}
        self.expect_hooks = False
        self.handles = [
            p.register_post_accumulate_grad_hook(self._hook(i)) for i, p in enumerate(self.params)
        ]
        self._reset()

    def _hook(self, index):
        def hook(_tensor):
            self.mark_ready(index)

        return hook

    def _reset(self) -> None:
        self.ready = [False] * len(self.params)
        for b in self.buckets:
            b.pending, b.work = len(b.indices), None
        self.next_bucket = 0
        self.callback_queued = False

    def prepare_for_backward(self) -> None:
        """The next backward averages the gradients (called by each synced forward)."""
        self._reset()
        self.expect_hooks = True

    def skip_backward(self) -> None:
        """The next backward leaves the gradients local (forward under no_sync or no_grad)."""
        self._reset()
        self.expect_hooks = False

    def mark_ready(self, index: int) -> None:
        if not self.expect_hooks or self.ready[index]:
            return
        if not self.callback_queued:
            autograd.queue_callback(self.finalize)
            self.callback_queued = True
        self.ready[index] = True
        bucket = self.buckets[self.bucket_of[index]]
        bucket.pending -= 1
        self._launch_ready()
        self._progress()

    def _progress(self) -> None:
        """Test the buckets in flight: MPI advances a non-blocking collective only inside MPI
        calls, so each hook gives the started all-reduces a step while backward goes on."""
        for b in self.buckets[: self.next_bucket]:
            b.work[1].is_completed()

    def _launch_ready(self) -> None:
        while self.next_bucket < len(self.buckets) and self.buckets[self.next_bucket].pending == 0:
            self._launch(self.buckets[self.next_bucket])
            self.next_bucket += 1

    def _launch(self, bucket) -> None:
        arr = bucket.target()
        bucket.work = (arr, all_reduce_array(arr, op="sum", async_op=True))

    def finalize(self) -> None:
        """End of backward: check every parameter got a gradient (or find_unused_parameters),
        start the remaining buckets, wait on all, average and write back."""
        self.expect_hooks = False
        unused = [i for i, r in enumerate(self.ready) if not r]
        if unused and not self.find_unused_parameters:
            try:  # the buckets already started complete (every rank started them too)
                self._complete([True] * len(self.params))
            finally:
                self._reset()
            names = [self.names[i] for i in unused]
            raise RuntimeError(
                f"DistributedDataParallel: on rank {dist.get_rank()} these parameters received no "
                f"gradient in this backward: {names} (indices {unused}). Every parameter must take "
                "part in producing the loss, or pass find_unused_parameters=True to "
                "DistributedDataParallel so unused ones count as ready with a zero gradient; the "
                "buckets holding them are not averaged in this backward"
            )
        for b in self.buckets:
            b.pending = 0
        self._launch_ready()
        try:
            # with find_unused_parameters every rank joins this collective, whatever its own usage
            used = self._globally_used() if self.find_unused_parameters else [True] * len(self.params)
            self._complete(used)
        finally:
            self._reset()

    def _globally_used(self) -> list:
        flags = np.asarray(self.ready, dtype=np.int32)
        all_reduce_array(flags, op="max")
        return [bool(f) for f in flags]

    def _complete(self, used) -> None:
        """Wait on every started bucket, divide by the world size, unpack packed ones."""
        world = dist.get_world_size()
        for b in self.buckets:
            if b.work is None:
                continue
            arr, work = b.work
            work.wait()
            if world > 1:
                arr /= world
            if b.packed:
                b.unpack(used)
            self.stats["packed" if b.packed else "in_place"] += 1
