"""Grad mode and the reverse walk of the recorded graph (the tape engine's backward half).

Nodes are tensors, seen only through five members: `requires_grad`, `_ctx` (the ops.Function
that produced the node, None for leaves), `_retain` (retain_grad() was called), `_version` (the
stamp of its last in-place write, 0 if none) and `_accumulate(g)` (add g into .grad).
Recording nodes is dlcore.tensor.apply's job; it stamps each Function with `write_stamp()` taken
before its forward. A node or input written in place after that stamp is an error here (the
values the Function saved may be stale), as torch's "modified by an inplace operation".
"""

from __future__ import annotations

import contextlib
import threading

_state = threading.local()
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


def backward(root, g, retain_graph: bool = False) -> None:
    """Propagate g = d(out)/d(root) (an array shaped like root) to every node reachable from root,
    summing the contributions of every use of a node before calling its Function's backward."""
    grads = {id(root): g}
    for node in topological_order(root):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        fn = node._ctx
        if fn is None or node._retain:
            node._accumulate(g)
        if fn is None:
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
            for p in node._ctx.parents:
                if p.requires_grad and id(p) not in visited:
                    stack.append((p, False))
    order.reverse()
    return order
