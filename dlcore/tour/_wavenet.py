"""WaveNet building blocks (van den Oord et al. 2016) for the F36 tour entry: a causal Conv1d,
the gated residual block and a small WaveNet over mu-law codes.

Kept here until dlcore.models is a package on main (it has no __init__.py yet). Layouts as torch:
activations (N, C, T), time last; a model's output at t depends on inputs at t-RF+1 .. t only.
"""

from __future__ import annotations

import numpy as np

from .. import nn


class CausalConv1d(nn.Conv1d):
    """nn.Conv1d whose output y[..., t] sees x[..., :t+1] only: dilation * (kernel_size - 1) zeros
    before the sequence (padding='causal'), stride 1, output length = input length."""

    def __init__(self, in_channels, out_channels, kernel_size, dilation=1, bias=True, dtype=np.float32):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            padding="causal",
            dilation=dilation,
            bias=bias,
            dtype=dtype,
        )


class WaveNetBlock(nn.Module):
    """Gated residual block: z = tanh(f) * sigmoid(g) with [f; g] = CausalConv1d(R, 2R, 2, dilation)(x);
    returns (x + Conv1x1(R, R)(z), Conv1x1(R, S)(z)): the residual stream and the skip output."""

    def __init__(self, residual: int, skip: int, dilation: int, dtype=np.float32):
        super().__init__()
        self.residual = residual
        self.dilated = CausalConv1d(residual, 2 * residual, 2, dilation=dilation, dtype=dtype)
        self.res = nn.Conv1d(residual, residual, 1, dtype=dtype)
        self.skip = nn.Conv1d(residual, skip, 1, dtype=dtype)

    def forward(self, x):
        h = self.dilated(x)
        z = h[:, : self.residual].tanh() * h[:, self.residual :].sigmoid()
        return x + self.res(z), self.skip(z)


class WaveNet(nn.Module):
    """Amplitudes (N, 1, T) -> logits (N, classes, T) for the next sample's mu-law code.

    Conv1x1(1, R) -> `layers` WaveNetBlocks with dilations 1, 2, ..., 2^(layers-1) -> sum of the
    skips -> ReLU -> Conv1x1(S, S) -> ReLU -> Conv1x1(S, classes). Receptive field 2^layers: the
    output at t sees inputs t - 2^layers + 1 .. t. `last` (>= 1) keeps only the last `last` time
    steps for the head (training on the positions that see a full receptive field).
    """

    def __init__(self, layers: int, residual: int, skip: int, classes: int = 256, dtype=np.float32):
        super().__init__()
        self.receptive_field = 2**layers
        self.front = nn.Conv1d(1, residual, 1, dtype=dtype)
        self.blocks = nn.ModuleList([WaveNetBlock(residual, skip, 2**i, dtype=dtype) for i in range(layers)])
        self.head = nn.Sequential(
            nn.ReLU(),
            nn.Conv1d(skip, skip, 1, dtype=dtype),
            nn.ReLU(),
            nn.Conv1d(skip, classes, 1, dtype=dtype),
        )

    def forward(self, x, last: int | None = None):
        h, skips = self.front(x), None
        for block in self.blocks:
            h, s = block(h)
            skips = s if skips is None else skips + s
        if last is not None:
            skips = skips[:, :, skips.shape[2] - last :]
        return self.head(skips)


class LastSteps(nn.Module):
    """model(x, last=steps): a Module for dlcore.train.fit."""

    def __init__(self, model: WaveNet, steps: int):
        super().__init__()
        self.model, self.steps = model, steps

    def forward(self, x):
        return self.model(x, last=self.steps)


def generate(model: WaveNet, context: np.ndarray, n: int, seed: int = 0, mu: int = 255) -> np.ndarray:
    """n codes sampled one at a time from softmax(logits at the last step), each fed back as its
    decoded amplitude; the window starts as `context` (amplitudes, >= receptive_field samples)."""
    from .. import from_numpy, no_grad
    from ..data import mulaw_decode

    rf = model.receptive_field
    if len(context) < rf:
        raise ValueError(f"generate: context has {len(context)} samples, the receptive field is {rf}")
    rng = np.random.default_rng(seed)
    table = mulaw_decode(np.arange(mu + 1), mu).astype(np.float32)
    buf = np.concatenate([np.asarray(context[-rf:], np.float32), np.zeros(n, np.float32)])
    codes = np.empty(n, np.int64)
    with no_grad():
        for i in range(n):
            logits = (
                model(from_numpy(buf[None, None, i : i + rf]), last=1).numpy()[0, :, 0].astype(np.float64)
            )
            p = np.exp(logits - logits.max())
            codes[i] = rng.choice(mu + 1, p=p / p.sum())
            buf[rf + i] = table[codes[i]]
    return codes
