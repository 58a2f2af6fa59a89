"""dlcore.optim.lr_scheduler: closed forms at 10 checkpoints, torch parity when importable,
resume from state_dict, and argument errors."""

import math

import numpy as np
import pytest

from dlcore import nn, optim
from dlcore.optim import lr_scheduler as S
from dlcore.tensor import Tensor

BASE = 0.5
CHECKS = [0, 1, 2, 3, 7, 10, 19, 30, 49, 99]


def _opt(lr=BASE):
    return optim.SGD([nn.Parameter(Tensor(np.ones(3, np.float32)))], lr=lr, momentum=0.9)


CLOSED = {
    "StepLR": (lambda o: S.StepLR(o, step_size=7, gamma=0.5), lambda t: BASE * 0.5 ** (t // 7)),
    "ExponentialLR": (lambda o: S.ExponentialLR(o, gamma=0.95), lambda t: BASE * 0.95**t),
    "CosineAnnealingLR": (
        lambda o: S.CosineAnnealingLR(o, T_max=50, eta_min=0.01),
        lambda t: 0.01 + (BASE - 0.01) * (1 + math.cos(math.pi * t / 50)) / 2,
    ),
    "LinearLR": (
        lambda o: S.LinearLR(o, start_factor=0.1, total_iters=10),
        lambda t: BASE * (0.1 + 0.9 * min(t, 10) / 10),
    ),
    "LinearWarmup": (
        lambda o: S.LinearWarmup(o, warmup_steps=4),
        lambda t: BASE * (0.2 + 0.8 * min(t, 4) / 4),
    ),
    "MultiStepLR": (
        lambda o: S.MultiStepLR(o, [5, 20], gamma=0.1),
        lambda t: BASE * 0.1 ** ((t >= 5) + (t >= 20)),
    ),
}


@pytest.mark.parametrize("name", list(CLOSED))
def test_closed_form(name):
    make, form = CLOSED[name]
    opt = _opt()
    sch = make(opt)
    seen = {}
    for t in range(100):
        if t in CHECKS:
            seen[t] = opt.param_groups[0]["lr"]
            assert sch.get_last_lr() == [seen[t]]
        opt.step()
        sch.step()
    for t in CHECKS:
        assert seen[t] == pytest.approx(form(t), rel=1e-12, abs=1e-15), t


@pytest.mark.torch
@pytest.mark.parametrize("name", ["StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "MultiStepLR"])
def test_vs_torch(name):
    torch = pytest.importorskip("torch")
    make, _ = CLOSED[name]
    opt = _opt()
    sch = make(opt)
    topt = torch.optim.SGD([torch.zeros(3, requires_grad=True)], lr=BASE)
    args = {
        "StepLR": dict(step_size=7, gamma=0.5),
        "ExponentialLR": dict(gamma=0.95),
        "CosineAnnealingLR": dict(T_max=50, eta_min=0.01),
        "LinearLR": dict(start_factor=0.1, total_iters=10),
        "MultiStepLR": dict(milestones=[5, 20], gamma=0.1),
    }[name]
    tsch = getattr(torch.optim.lr_scheduler, name)(topt, **args)
    for _ in range(60):
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-9)
        topt.step()
        tsch.step()
        sch.step()


@pytest.mark.parametrize("name", list(CLOSED))
def test_resume_from_state_dict(name):
    make, _ = CLOSED[name]
    o1 = _opt()
    s1 = make(o1)
    lrs1 = []
    for _ in range(40):
        lrs1.append(o1.param_groups[0]["lr"])
        s1.step()
    o2 = _opt()
    s2 = make(o2)
    lrs2 = []
    for _ in range(17):
        lrs2.append(o2.param_groups[0]["lr"])
        s2.step()
    osd, ssd = o2.state_dict(), s2.state_dict()
    o3 = _opt(lr=9.0)
    s3 = make(o3)
    o3.load_state_dict(osd)
    s3.load_state_dict(ssd)
    for _ in range(23):
        lrs2.append(o3.param_groups[0]["lr"])
        s3.step()
    assert lrs1 == lrs2


def test_reduce_on_plateau():
    opt = _opt(1.0)
    sch = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.1)
    metrics = [5, 4, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]
    lrs = []
    for m in metrics:
        sch.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    # bad epochs 1, 2, 3 > patience at metric index 4 -> 0.5; cooldown 1 then 3 more bad -> 0.25
    assert lrs[:4] == [1.0] * 4 and lrs[4] == 0.5
    assert lrs[5:8] == [0.5] * 3 and lrs[8] == 0.5
    assert min(lrs) == 0.1  # floored at min_lr
    torch = pytest.importorskip("torch")
    topt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    tsch = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, factor=0.5, patience=2, cooldown=1, min_lr=0.1)
    tl = []
    for m in metrics:
        tsch.step(m)
        tl.append(topt.param_groups[0]["lr"])
    assert lrs == tl


def test_reduce_on_plateau_resume():
    metrics = list(np.abs(np.sin(np.arange(40))) + np.linspace(1, 0.9, 40))
    o1 = _opt(1.0)
    s1 = S.ReduceLROnPlateau(o1, patience=1, factor=0.7)
    for m in metrics:
        s1.step(m)
    o2 = _opt(1.0)
    s2 = S.ReduceLROnPlateau(o2, patience=1, factor=0.7)
    for m in metrics[:15]:
        s2.step(m)
    sd = s2.state_dict()
    o3 = _opt(1.0)
    s3 = S.ReduceLROnPlateau(o3, patience=1, factor=0.7)
    s3.load_state_dict(sd)
    for m in metrics[15:]:
        s3.step(m)
    assert o3.param_groups[0]["lr"] == o1.param_groups[0]["lr"] and s3.best == s1.best


@pytest.mark.parametrize(
    "ctor,match",
    [
        (lambda o: S.StepLR(o, step_size=0), "step_size"),
        (lambda o: S.ExponentialLR(o, gamma=-1.0), "gamma"),
        (lambda o: S.CosineAnnealingLR(o, T_max=0), "T_max"),
        (lambda o: S.LinearLR(o, start_factor=0.0), "start_factor"),
        (lambda o: S.LinearWarmup(o, warmup_steps=0), "warmup_steps"),
        (lambda o: S.ReduceLROnPlateau(o, factor=1.0), "factor"),
        (lambda o: S.ReduceLROnPlateau(o, mode="up"), "mode"),
    ],
)
def test_bad_arguments(ctor, match):
    opt = _opt()
    with pytest.raises(ValueError, match=match):
        ctor(opt)
    assert opt.param_groups[0]["lr"] == BASE


def test_load_wrong_schedule_state():
    opt = _opt()
    s = S.StepLR(opt, 3)
    with pytest.raises(ValueError, match="missing"):
        s.load_state_dict(S.ExponentialLR(_opt(), 0.9).state_dict())
    assert s.last_epoch == 0
