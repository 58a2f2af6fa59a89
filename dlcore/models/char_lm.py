"""CharLM: a character-level LSTM language model, Embedding -> nn.LSTM -> Linear decoder, with
sampling. Submodules `embed`, `lstm`, `decoder` carry torch's names and layouts, so the
state_dict loads into the torch module of the same structure (weight_ih_l0 (4H, E) ...).
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..graph import no_grad
from ..random import generator as _global_generator
from ..tensor import Tensor
from ._checks import positive_int


def _codes(model: str, x, batch_first: bool) -> Tensor:
    """x (int array or Tensor) as an int64 Tensor of shape (T, B) ((B, T) when batch_first)."""
    t = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    if t.ndim != 2 or t.dtype.kind not in "iu":
        want = "(B, T)" if batch_first else "(T, B)"
        raise ValueError(f"{model}: expected integer codes of shape {want}, got {t.dtype} {tuple(t.shape)}")
    return t


class CharLM(nn.Module):
    """Codes (T, B) int -> (logits (T, B, V), (h_n, c_n)), each (num_layers, B, H).

    batch_first=True takes (B, T) codes and returns (B, T, V) logits (the states stay
    (num_layers, B, H), as torch). `state` continues from a previous call's (h_n, c_n); None
    starts from zeros. dropout applies between LSTM layers in training mode (as nn.LSTM).
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int = 16,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        batch_first: bool = False,
        dtype=np.float32,
    ):
        super().__init__()
        self.vocab_size = positive_int("CharLM", "vocab_size", vocab_size)
        self.hidden_size = positive_int("CharLM", "hidden_size", hidden_size)
        self.num_layers = positive_int("CharLM", "num_layers", num_layers)
        self.batch_first = bool(batch_first)
        self.embed = nn.Embedding(self.vocab_size, positive_int("CharLM", "embed_dim", embed_dim))
        self.lstm = nn.LSTM(
            embed_dim, self.hidden_size, self.num_layers, dropout=dropout, batch_first=self.batch_first
        )
        self.decoder = nn.Linear(self.hidden_size, self.vocab_size)
        if np.dtype(dtype) != np.float32:
            self.to(dtype=dtype)

    def forward(self, x, state=None):
        x = _codes("CharLM", x, self.batch_first)
        out, state = self.lstm(self.embed(x), state)
        return self.decoder(out), state

    def generate(self, prompt, length: int, temperature: float = 1.0, generator=None) -> np.ndarray:
        """`length` codes sampled one at a time after the 1-D int `prompt` (>= 1 code), each from
        softmax(logits / temperature) of the previous step (temperature 0: argmax). generator:
        a numpy Generator (default dlcore's global one, so dlcore.manual_seed fixes the draw).
        Runs in eval mode without recording a graph; the training mode is restored. Returns
        int64 (length,)."""
        prompt = np.asarray(prompt).reshape(-1)
        if prompt.size == 0 or prompt.dtype.kind not in "iu":
            raise ValueError(f"CharLM.generate: prompt must be >= 1 integer code, got {prompt!r}")
        if int(length) != length or length < 0:
            raise ValueError(f"CharLM.generate: length must be a non-negative int, got {length!r}")
        if temperature < 0:
            raise ValueError(f"CharLM.generate: temperature must be >= 0, got {temperature}")
        rng = _global_generator() if generator is None else generator
        was_training = self.training
        self.eval()
        out = np.empty(int(length), dtype=np.int64)
        try:
            with no_grad():
                step = prompt.astype(np.int64)[:, None]  # (T, 1)
                state = None
                for i in range(int(length)):
                    logits, state = self(step.T if self.batch_first else step, state)
                    z = logits.numpy().reshape(-1, self.vocab_size)[-1].astype(np.float64)
                    if temperature == 0:
                        out[i] = int(np.argmax(z))
                    else:
                        p = np.exp((z - z.max()) / temperature)
                        out[i] = rng.choice(self.vocab_size, p=p / p.sum())
                    step = out[i : i + 1, None]
        finally:
            self.train(was_training)
        return out
