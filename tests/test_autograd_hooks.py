"""Post-accumulate-grad hooks and backward-end callbacks (dlcore.graph, Tensor's hook method)."""

import numpy as np
import pytest

import dlcore as dc
from dlcore import autograd


def test_hook_runs_once_per_backward_with_the_summed_gradient():
    w = dc.tensor(np.array([1.0, 2.0]), requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.numpy().copy()))
    ((w * 3.0).sum() + (w * w).sum()).backward()  # w used twice: one call with 3 + 2w
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], [5.0, 7.0])
    (w * 1.0).sum().backward()  # accumulates: the hook sees the total .grad
    assert len(seen) == 2
    np.testing.assert_array_equal(seen[1], [6.0, 8.0])


def test_hooks_run_in_order_and_remove():
    w = dc.tensor(np.ones(3), requires_grad=True)
    calls = []
    h1 = w.register_post_accumulate_grad_hook(lambda t: calls.append(1))
    w.register_post_accumulate_grad_hook(lambda t: calls.append(2))
    w.sum().backward()
    assert calls == [1, 2]
    h1.remove()
    h1.remove()
    w.sum().backward()
    assert calls == [1, 2, 2]


def test_hook_order_follows_the_backward_walk():
    a = dc.tensor(np.ones(2), requires_grad=True)
    b = dc.tensor(np.ones(2), requires_grad=True)
    order = []
    a.register_post_accumulate_grad_hook(lambda t: order.append("a"))
    b.register_post_accumulate_grad_hook(lambda t: order.append("b"))
    ((a * 2.0).exp() * b).sum().backward()
    assert sorted(order) == ["a", "b"]
    assert len(order) == 2


def test_hook_registration_errors():
    w = dc.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2.0).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        dc.tensor(np.ones(2)).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(TypeError, match="callable"):
        w.register_post_accumulate_grad_hook(3)


def test_queue_callback_runs_after_every_leaf_and_only_during_backward():
    a = dc.tensor(np.ones(2), requires_grad=True)
    b = dc.tensor(np.ones(2), requires_grad=True)
    events = []

    def end():
        events.append(("end", a.grad is not None and b.grad is not None))

    def hook(t):
        events.append("hook")
        if len(events) == 1:
            autograd.queue_callback(end)
            autograd.queue_callback(lambda: autograd.queue_callback(lambda: events.append("nested")))

    a.register_post_accumulate_grad_hook(hook)
    b.register_post_accumulate_grad_hook(hook)
    (a * b).sum().backward()
    assert events == ["hook", "hook", ("end", True), "nested"]
    with pytest.raises(RuntimeError, match="no backward is running"):
        autograd.queue_callback(lambda: None)
    (a * b).sum().backward()  # a fresh backward: the queue starts empty
    assert events.count(("end", True)) == 1


def test_a_failing_callback_leaves_no_queue_behind():
    a = dc.tensor(np.ones(2), requires_grad=True)

    def bad():
        raise ValueError("callback failed")

    h = a.register_post_accumulate_grad_hook(lambda t: autograd.queue_callback(bad))
    with pytest.raises(ValueError, match="callback failed"):
        a.sum().backward()
    h.remove()
    with pytest.raises(RuntimeError, match="no backward is running"):
        autograd.queue_callback(lambda: None)
