"""DistributedDataParallel: torch.nn.parallel.DistributedDataParallel over dlcore.distributed (MPI).

Each rank runs the same model on its shard of every batch. At wrap time rank 0's parameters and
buffers are broadcast (one flat message per dtype and device); every synced backward averages the
gradients across ranks (reducer.Reducer: buckets all-reduced as they become final, overlapping
the rest of backward). Forward under `no_sync()` (or with grad disabled) leaves that backward's
gradients local, so they accumulate; the next synced backward averages the accumulated sums.
"""

from __future__ import annotations

import contextlib
import hashlib
import numbers

import numpy as np

from ... import backend
from ... import distributed as dist
from ...distributed.arrays import all_reduce_array, broadcast_array
from ...graph import is_grad_enabled
from ..module import Module
from .reducer import Reducer

_UNSUPPORTED = ("delay_all_reduce_named_params", "param_to_hook_all_reduce", "mixed_precision", "device_mesh")


def _broadcast_from_rank0(tensors) -> None:
    """Overwrite every tensor's array with rank 0's: one flat message per (dtype, device)."""
    groups = {}
    for t in tensors:
        groups.setdefault((str(t.dtype), str(t.device)), []).append(t)
    for ts in groups.values():
        xp = backend.array_module(ts[0].data)
        flat = xp.concatenate([t.data.reshape(-1) for t in ts])
        broadcast_array(flat, src=0)
        if dist.get_rank() == 0:
            continue
        off = 0
        for t in ts:
            k = t.numel()
            t.data[...] = flat[off : off + k].reshape(t.shape)
            off += k


def _check_same_model(params, buffers) -> None:
    """RuntimeError on every rank unless all ranks hold the same parameter/buffer shapes and
    dtypes (a mismatch would make the flat broadcasts disagree in size)."""
    sig = repr([(tuple(t.shape), str(t.dtype)) for t in list(params) + list(buffers)])
    h = int.from_bytes(hashlib.sha256(sig.encode()).digest()[:6], "little")
    local = np.array([len(params), len(buffers), h], dtype=np.int64)
    hi, lo = local.copy(), local.copy()
    all_reduce_array(hi, op="max")
    all_reduce_array(lo, op="min")
    if (hi != lo).any():
        raise RuntimeError(
            f"DistributedDataParallel: the ranks' models differ (rank {dist.get_rank()} has "
            f"{len(params)} parameters and {len(buffers)} buffers with shapes/dtypes {sig}); "
            "every rank must wrap the same model"
        )


def _check_devices(device_ids, output_device, devices) -> None:
    """As torch: device_ids is None or one device, and only a CUDA module takes either."""
    if device_ids is not None and (not isinstance(device_ids, (list, tuple)) or len(device_ids) != 1):
        raise ValueError(
            f"DistributedDataParallel: device_ids must be None or a list of one device, got {device_ids!r}"
        )
    for arg, val in (("device_ids", device_ids), ("output_device", output_device)):
        if val is not None and devices == {"cpu"}:
            raise ValueError(
                f"DistributedDataParallel: {arg}={val!r} only works with single-device CUDA modules; "
                "a CPU module takes device_ids=None and output_device=None"
            )


class DistributedDataParallel(Module):
    """Data parallelism across the ranks of the default process group (torch's name and arguments).

    module: the Module to replicate (every rank builds the same one). device_ids / output_device:
    None, or one device for a single-device module (as torch; inputs are not moved). dim: accepted
    for torch compatibility (no scatter: each rank passes its own shard). broadcast_buffers: sync
    buffers from rank 0 at each synced forward (None: True). bucket_cap_mb: bucket size in MiB
    (None: 25). find_unused_parameters: parameters without a gradient in a backward count as ready
    (zero gradient) instead of raising. init_sync: broadcast rank 0's state at wrap time.
    gradient_as_bucket_view / static_graph / check_reduction: accepted; dlcore already reduces in
    place on the optimizers' flat gradient buffers and needs no graph analysis.
    """

    def __init__(
        self,
        module,
        device_ids=None,
        output_device=None,
        dim=0,
        broadcast_buffers=None,
        init_sync=True,
        process_group=None,
        bucket_cap_mb=None,
        find_unused_parameters=False,
        check_reduction=False,
        gradient_as_bucket_view=False,
        static_graph=False,
        **unsupported,
    ):
        super().__init__()
        if not dist.is_initialized():
            raise ValueError(
                "Default process group has not been initialized, please make sure to call init_process_group."
            )
        if not isinstance(module, Module):
            raise TypeError(
                f"DistributedDataParallel: module must be a dlcore Module, got {type(module).__name__}"
            )
        bad = sorted(k for k, v in unsupported.items() if k not in _UNSUPPORTED or v is not None)
        if bad:
            raise TypeError(f"DistributedDataParallel: unsupported argument(s) {bad}")
        if process_group is not None:
            raise ValueError("DistributedDataParallel: only the default process group (None) is supported")
        bucket_cap_mb = 25 if bucket_cap_mb is None else bucket_cap_mb
        if (
            not isinstance(bucket_cap_mb, numbers.Real)
            or isinstance(bucket_cap_mb, bool)
            or not bucket_cap_mb > 0
        ):
            raise ValueError(
                f"DistributedDataParallel: bucket_cap_mb must be a number > 0, got {bucket_cap_mb!r}"
            )
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError(
                "DistributedDataParallel is not needed when a module doesn't have any parameter "
                "that requires a gradient."
            )
        _check_devices(device_ids, output_device, {str(p.device) for _, p in named})
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.bucket_bytes_cap = int(float(bucket_cap_mb) * 1024 * 1024)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.gradient_as_bucket_view, self.static_graph = bool(gradient_as_bucket_view), bool(static_graph)
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self._module_buffers = [b for _, b in module.named_buffers()]
        params = [p for _, p in module.named_parameters()]
        _check_same_model(params, self._module_buffers)
        if init_sync and dist.get_world_size() > 1:
            _broadcast_from_rank0(params + self._module_buffers)
        self.reducer = Reducer(
            [p for _, p in named], [n for n, _ in named], self.bucket_bytes_cap, self.find_unused_parameters
        )

    def forward(self, *inputs, **kwargs):
        """module(*inputs, **kwargs); prepares the next backward to average gradients when grad is
        enabled and not under no_sync(); buffers come from rank 0 first (broadcast_buffers), as
        torch decides it: when the previous forward was a synced one."""
        sync = self.broadcast_buffers and self.require_forward_param_sync and self._module_buffers
        if sync and dist.get_world_size() > 1:
            _broadcast_from_rank0(self._module_buffers)
        out = self.module(*inputs, **kwargs)
        if is_grad_enabled() and self.require_backward_grad_sync:
            self.require_forward_param_sync = True
            self.reducer.prepare_for_backward()
        else:
            self.require_forward_param_sync = False
            self.reducer.skip_backward()
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Backwards of forwards run inside leave the gradients local (they accumulate); the first
        synced forward-backward after it averages the accumulated gradients. Put the forward
        inside the context, as torch."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old


__all__ = ["DistributedDataParallel"]
