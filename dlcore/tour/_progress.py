"""Progress of the running tour entry: `track(iterable, desc)` wraps an entry's main loop.

The runner turns bars on (`enable(True)`) for `dlcore tour` on a terminal; otherwise, and in
tests, `track` yields the items unchanged and prints nothing. Bars go to stderr and vanish when
done (the runner prints one line per finished entry). `fit_bar(epochs)` gives dlcore.train.fit
the same bar over its epochs, through a callback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from ..callbacks import Callback

T = TypeVar("T")
_state = {"enabled": False, "entry": ""}


def enable(on: bool, entry: str = "") -> None:
    """Bars on or off; `entry` names the running entry in each bar's label."""
    _state["enabled"], _state["entry"] = bool(on), entry


def track(iterable: Iterable[T], desc: str = "", total: int | None = None) -> Iterator[T]:
    """Yield from iterable, showing a tqdm bar labelled '<entry>: <desc>' when bars are on."""
    if not _state["enabled"]:
        yield from iterable
        return
    from tqdm.auto import tqdm

    label = f"{_state['entry']}: {desc}" if desc else _state["entry"]
    yield from tqdm(iterable, desc=label, total=total, file=sys.stderr, leave=False, dynamic_ncols=True)


class _FitBar(Callback):
    """Advances a `track` bar over range(total) by one at every fit epoch."""

    def __init__(self, total: int, desc: str) -> None:
        super().__init__()
        self.total, self.desc, self._it = total, desc, None

    def on_train_begin(self, logs: dict) -> None:
        self._it = iter(track(range(self.total), self.desc, total=self.total))

    def on_epoch_begin(self, epoch: int, logs: dict) -> None:
        next(self._it, None)

    def on_train_end(self, logs: dict) -> None:
        for _ in self._it or ():
            pass


def fit_bar(total: int, desc: str = "epochs") -> list:
    """Callbacks for dlcore.train.fit showing a bar over its `total` epochs; [] when bars are off
    (passing them to fit changes no number)."""
    return [_FitBar(total, desc)] if _state["enabled"] else []
