"""LearnedOptimizer: a dlcore Optimizer whose update rule is an LSTMOptimizer (dlcore.optim.learned).

    p <- p + lr * net(grad p)      coordinatewise, each coordinate with its own LSTM state

The group's coordinates are the rows of one LSTM batch (one fused-kernel call per layer and step,
no graph: the weights are not trained here, see dlcore.optim.meta_train). lr (default 1) scales
the update the net was meta-trained to give, so the lr schedulers apply. Parameters of any float
dtype: the gradient enters the net in its dtype and the update is cast back.

State per group (state_dict()["state"][i]): "step" and "lstm_state", the recurrent state of
every coordinate, an array (n, 2 * num_layers, hidden_size) in the group's flat order (rows
h_0, c_0, h_1, c_1, ... per coordinate). A parameter whose grad is None keeps its state, as in
the other optimizers. The net's weights are not part of this state_dict: save net.state_dict().
"""

from __future__ import annotations

import numpy as np

from ..graph import no_grad
from .learned import LSTMOptimizer
from .optimizer import Optimizer

STATE = "lstm_state"


class LearnedOptimizer(Optimizer):
    """LearnedOptimizer(params, net, lr=1.0): step() applies net's update to every coordinate."""

    def __init__(self, params, net: LSTMOptimizer, lr: float = 1.0):
        if not isinstance(net, LSTMOptimizer):
            raise TypeError(f"LearnedOptimizer: net must be an LSTMOptimizer, got {type(net).__name__}")
        self.net = net
        super().__init__(params, dict(lr=lr))

    def _state_shape(self, flat: dict) -> tuple:
        return (flat["data"].size, 2 * self.net.num_layers, self.net.hidden_size)

    def _init_state(self, group, flat, state):
        super()._init_state(group, flat, state)
        if STATE not in state:
            state[STATE] = self.net.zero_state(flat["data"].size)

    def _bufs(self, flat, state):
        """The per-coordinate buffers (sliced by coordinate to keep skipped parameters as they were)."""
        return [flat["data"]] + ([state[STATE]] if STATE in state else [])

    def _update(self, group, flat, state):
        with no_grad():
            update, new = self.net(flat["grad"], state[STATE])
        state[STATE][...] = LSTMOptimizer.pack_state(new)
        flat["data"] += (group["lr"] * update.data).astype(flat["data"].dtype)

    def load_state_dict(self, state_dict: dict) -> None:
        """As Optimizer.load_state_dict, with each group's lstm_state checked against its shape
        (n, 2 * num_layers, hidden_size) first; a mismatch raises ValueError and changes nothing."""
        name = "LearnedOptimizer.load_state_dict"
        if not isinstance(state_dict, dict):
            raise ValueError(f"{name}: not an optimizer state_dict (a {type(state_dict).__name__})")
        raw, stripped, lstm = state_dict.get("state", {}), {}, {}
        for key, st in raw.items():
            st = dict(st)
            try:
                i = int(key)
            except (TypeError, ValueError):
                raise ValueError(f"{name}: state keys are group indices, got {key!r}") from None
            if not 0 <= i < len(self._flat):
                raise ValueError(f"{name}: state for group {key}, but there are {len(self._flat)} groups")
            if st and STATE not in st:
                raise ValueError(f"{name}: group {i} state lacks ['{STATE}'] (another optimizer's state?)")
            if STATE in st:
                a = np.asarray(st.pop(STATE))
                want = self._state_shape(self._flat[i])
                if a.shape != want:
                    raise ValueError(f"{name}: group {i} '{STATE}' has shape {a.shape}, expected {want}")
                lstm[i] = np.array(a, dtype=self.net.dtype)
            stripped[key] = st
        super().load_state_dict({**state_dict, "state": stripped})
        for i, a in lstm.items():
            self.state[i][STATE] = a
