"""The F36 entry's helpers around dlcore.models.WaveNet: LastSteps (the head on the last steps
only, a Module for dlcore.train.fit) and generate (sampling one mu-law code at a time)."""

from __future__ import annotations

import numpy as np

from .. import nn
from ..models.wavenet import WaveNet
from ._progress import track


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
        for i in track(range(n), "generating"):
            logits = (
                model(from_numpy(buf[None, None, i : i + rf]), last=1).numpy()[0, :, 0].astype(np.float64)
            )
            p = np.exp(logits - logits.max())
            codes[i] = rng.choice(mu + 1, p=p / p.sum())
            buf[rf + i] = table[codes[i]]
    return codes
