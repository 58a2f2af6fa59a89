"""WaveNet (van den Oord et al. 2016): a causal Conv1d, the gated residual block and a small
WaveNet over mu-law codes (the F36 tour entry trains it). Layouts as torch: activations (N, C, T),
time last; a model's output at t depends on inputs at t-RF+1 .. t only.
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
