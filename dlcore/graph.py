"""Grad mode and the reverse walk of the recorded graph (the tape engine's backward half).

Nodes are tensors, seen only through six members: `requires_grad`, `_ctx` (the ops.Function
that produced the node, None for leaves), `_retain` (retain_grad() was called), `_version` (the
stamp of its last in-place write, 0 if none), `_accumulate(g)` (add g into .grad) and `_hooks`
(None, or a dict of post-accumulate-grad hooks: register_post_accumulate_grad_hook).
Recording nodes is dlcore.tensor.apply's job; it stamps each Function with `write_stamp()` taken
before its forward. A node or input written in place after that stamp is an error here (the
values the Function saved may be stale), as torch's "modified by an inplace operation".
"""

from __future__ import annotations

import contextlib
import threading

_state = threading.local()
_hook_ids = [0]  # the last hook handle id handed out
_writes = [0]  # in-place writes so far, all threads (a monotonic stamp; see note_inplace_write)


def write_stamp() -> int:
    """The current in-place write stamp (record it before a Function's forward)."""
    return _writes[0]


def note_inplace_write(tensor) -> None:
    """Record an in-place write to tensor: it gets a stamp later than any recorded so far."""
    _writes[0] += 1
    tensor._version = _writes[0]


def is_grad_enabled() -> bool:
    return getattr(_state, "grad_enabled", True)


@contextlib.contextmanager
def _grad_mode(enabled: bool):
    prev = is_grad_enabled()
    _state.grad_enabled = enabled
    try:
        yield
    finally:
        _state.grad_enabled = prev


def no_grad():
    """Context manager: ops inside record no graph (as torch.no_grad)."""
    return _grad_mode(False)


def enable_grad():
    return _grad_mode(True)


def inference_mode(mode: bool = True):
    """Context manager and decorator as torch.inference_mode: no graph is recorded while mode is
    True (dlcore's no_grad; torch's extra inference-tensor restrictions do not apply)."""
    return _grad_mode(not mode)


class RemovableHandle:
    """Returned by a hook registration; `remove()` unregisters the hook (again is a no-op)."""

    def __init__(self, hooks: dict, key: int):
        self._hooks, self.id = hooks, key

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def register_post_accumulate_grad_hook(tensor, hook) -> RemovableHandle:
    """hook(tensor) runs after the leaf `tensor`'s .grad received a backward's whole gradient:
    once per leaf per backward (every use is summed first), in registration order."""
    if not callable(hook):
        raise TypeError(
            f"register_post_accumulate_grad_hook: hook must be callable, got {type(hook).__name__}"
        )
    if tensor._ctx is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if tensor._hooks is None:
        tensor._hooks = {}
    _hook_ids[0] += 1
    tensor._hooks[_hook_ids[0]] = hook
    return RemovableHandle(tensor._hooks, _hook_ids[0])


def queue_callback(fn) -> None:
    """Run fn() once when the backward in progress ends, after every leaf's .grad (and its
    hooks) is done; callbacks run in the order queued. RuntimeError outside a backward."""
    queue = getattr(_state, "callbacks", None)
    if queue is None:
        raise RuntimeError("queue_callback: no backward is running (call it from a hook during backward)")
    if not callable(fn):
        raise TypeError(f"queue_callback: fn must be callable, got {type(fn).__name__}")
    queue.append(fn)


def backward(root, g, retain_graph: bool = False) -> None:
    """Propagate g = d(out)/d(root) (an array shaped like root) to every node reachable from root,
    summing the contributions of every use of a node before calling its Function's backward;
    then the callbacks queued during it (queue_callback) run."""
    outer = getattr(_state, "callbacks", None)
    _state.callbacks = []
    try:
        _walk(root, g, retain_graph)
        queue = _state.callbacks
        while queue:  # a callback may queue another
            queue.pop(0)()
    finally:
        _state.callbacks = outer


def _walk(root, g, retain_graph: bool) -> None:
    grads = {id(root): g}
    for node in topological_order(root):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        fn = node._ctx
        if fn is None or node._retain:
            node._accumulate(g)
        if fn is None:
            if node._hooks:
                for hook in list(node._hooks.values()):
                    hook(node)
            continue
        _check_versions(node, fn)
        for parent, pg in zip(fn.parents, fn.backward(g)):
            if pg is None or not parent.requires_grad:
                continue
            prev = grads.get(id(parent))
            grads[id(parent)] = pg if prev is None else prev + pg
        if not retain_graph:
            fn._release()


def _check_versions(node, fn) -> None:
    stamp = getattr(fn, "stamp", None)
    if stamp is None or stamp == _writes[0]:  # no in-place write anywhere since it was recorded
        return
    if node._version > stamp or any(p._version > stamp for p in fn.parents):
        raise RuntimeError(
            f"backward(): one of the variables needed for gradient computation has been modified "
            f"by an inplace operation (an input or the output of {type(fn).__name__})"
        )


def _is_interior(node) -> bool:
    return node._ctx is not None


def topological_order(root) -> list:
    """Nodes reachable from root through requires_grad edges, each after all its consumers
    (iterative, so long unrolled graphs do not hit the recursion limit)."""
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        if node._ctx is not None:
            if node._ctx.released:
                raise RuntimeError(
                    f"backward(): trying to backward through the graph a second time (through "
                    f"{type(node._ctx).__name__}); its saved values were freed by the first "
                    f"backward(). Pass retain_graph=True to the first call to keep them"
                )
            # leaves first onto the stack: each is reached last among its siblings, so it lands
            # right after its consumer in the order and its gradient is final as early as possible
            # (post-accumulate-grad hooks, e.g. DDP's all-reduce, fire layer by layer)
            for p in sorted(node._ctx.parents, key=_is_interior):
                if p.requires_grad and id(p) not in visited:
                    stack.append((p, False))
    order.reverse()
    return order
