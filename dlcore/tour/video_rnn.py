"""F32 (BLOCKS): RNNs for video prediction: an LSTM reads bouncing-ball frames and predicts the
next frame.

Data: dlcore.data.bouncing_ball, 8x8 frames, ball radius 1.5 px, speed 0.5-1 px/frame,
20 frames per video; 512 training videos (seed 0), 128 held-out videos (seed 1). Model
(FrameLSTM below): the flattened frame (64) -> nn.LSTM(64, 128) -> Linear(128, 64) -> sigmoid,
the prediction of frame t + 1 from frames 0..t. Trained with Adam(5e-3), batch 32, 30 epochs
(quick: 256 videos of 10 frames, hidden 64, batch 16, Adam(1e-2), 10 epochs) by
dlcore.train.fit on the MSE. Scored by the 1-step MSE over every predicted frame (t + 1 = 1 ..
19) of the held-out videos, against the copy-last-frame baseline (frame t as the prediction of
frame t + 1) on the same frames. The first prediction sees one frame only (no velocity yet);
it is included. The LSTM runs with 1 dlcore thread; restored afterwards.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import nn
from ._recurrent import one_thread
from .registry import register

CRITERIA = (
    "held-out 1-step MSE of the LSTM <= 0.5 x the copy-last-frame baseline "
    "(quick mode, 12 frames and 6 epochs: <= 0.7 x)",
)
SIZE = 8
# (frames per video, training videos, hidden, batch, epochs, lr, bound on LSTM / copy MSE)
SETTINGS = {False: (20, 512, 128, 32, 30, 5e-3, 0.5), True: (10, 256, 64, 16, 10, 1e-2, 0.7)}


class FrameLSTM(nn.Module):
    """Frames (B, T, 64) -> predicted next frames (B, T, 64) in (0, 1)."""

    def __init__(self, hidden: int):
        super().__init__()
        self.lstm = nn.LSTM(SIZE * SIZE, hidden, batch_first=True)
        self.head = nn.Linear(hidden, SIZE * SIZE)

    def forward(self, x):
        return self.head(self.lstm(x)[0]).sigmoid()


def videos(n: int, steps: int, seed: int) -> np.ndarray:
    """float32 (n, steps, 64): flattened bouncing-ball frames."""
    from ..data import bouncing_ball

    frames, _ = bouncing_ball(n=n, steps=steps, size=SIZE, radius=1.5, speed=(0.5, 1.0), seed=seed)
    return np.ascontiguousarray(frames.reshape(n, steps, SIZE * SIZE))


def one_step_mse(model, v: np.ndarray) -> tuple[float, float]:
    """(model MSE, copy-last-frame MSE) of frames 1.. given the frames before, over v (N, T, 64)."""
    from .. import from_numpy, no_grad

    with no_grad():
        pred = model(from_numpy(np.ascontiguousarray(v[:, :-1]))).numpy()
    return float(((pred - v[:, 1:]) ** 2).mean()), float(((v[:, :-1] - v[:, 1:]) ** 2).mean())


@register(
    "video-rnn",
    "BLOCKS",
    "F32",
    criteria=CRITERIA,
    priority="P2",
    claim=(
        "Recurrent nets can predict video: reading the frames so far, an RNN infers the motion and "
        "predicts the next frame better than assuming nothing moves."
    ),
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Video prediction: an LSTM reads bouncing-ball frames and predicts the next one.

    Data: seeded 8x8 videos of a bouncing ball, 20 frames each, 512 training and 128 held-out videos
    (quick: 256 of 10 frames). Model: flattened frame - LSTM(64, 128) - Linear(128, 64) - sigmoid,
    predicting frame t + 1 from frames 0..t; Adam(5e-3), batch 32, 30 epochs (quick: hidden 64, batch 16,
    Adam(1e-2), 10 epochs), MSE. Measured: held-out 1-step MSE over every predicted frame against the
    copy-last-frame baseline on the same frames.
    """
    with one_thread():  # small recurrent gemms: one thread (see the module docstring)
        return _experiment(quick, out_dir)


def _experiment(quick: bool, out_dir: Path | None) -> dict:
    from .. import optim
    from ..data import DataLoader, TensorDataset
    from ..nn import functional as F
    from ..train import fit
    from ._progress import fit_bar

    steps, n_train, hidden, batch, epochs, lr, factor = SETTINGS[quick]
    train, test = videos(n_train, steps, seed=0), videos(128, steps, seed=1)
    model = FrameLSTM(hidden)
    x, y = np.ascontiguousarray(train[:, :-1]), np.ascontiguousarray(train[:, 1:])
    loader = DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=True, seed=0)
    opt = optim.Adam(model.parameters(), lr=lr)
    hist = fit(model, F.mse_loss, opt, loader, epochs=epochs, verbose=0, callbacks=fit_bar(epochs))
    mse, copy = one_step_mse(model, test)
    figures = []
    if out_dir is not None:
        from .. import from_numpy, no_grad
        from .plotting import new_figure, save

        with no_grad():
            pred = model(from_numpy(np.ascontiguousarray(test[:1, :-1]))).numpy()[0]
        shown = min(8, steps - 1)
        fig, (a, b) = new_figure(2, width=6.0)
        a.plot(hist["loss"], label="train MSE")
        a.axhline(copy, color="C1", ls="--", label="copy last frame (held-out)")
        a.axhline(mse, color="C0", ls=":", label="LSTM (held-out)")
        a.set(xlabel="epoch", ylabel="1-step MSE", yscale="log", title="next-frame prediction")
        a.legend()
        rows = [test[0, 1 : shown + 1], pred[:shown]]
        grid = np.concatenate([np.concatenate([f.reshape(SIZE, SIZE) for f in r], axis=1) for r in rows])
        b.imshow(grid, cmap="gray", vmin=0, vmax=1)
        b.set(title="held-out video: true (top), predicted (bottom)", xticks=[], yticks=[])
        figures.append(save(fig, out_dir, "video_rnn"))
    return {
        "metrics": {
            "frames": steps,
            "training_videos": n_train,
            "hidden": hidden,
            "epochs": epochs,
            "train_mse": list(hist["loss"]),
            "heldout_mse_lstm": mse,
            "heldout_mse_copy_last": copy,
            "lstm_over_copy": mse / copy,
            "s_train": float(sum(hist.epoch_times)),
        },
        "criteria": {
            CRITERIA[0]: (bool(mse <= factor * copy), f"{mse / copy:.3f} x ({mse:.4g} vs {copy:.4g})")
        },
        "figures": figures,
    }
