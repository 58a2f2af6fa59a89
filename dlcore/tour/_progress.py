"""Progress of the running tour entry: `track(iterable, desc)` wraps an entry's main loop.

The runner turns bars on (`enable(True)`) for `dlcore tour` on a terminal; otherwise, and in
tests, `track` yields the items unchanged and prints nothing. Bars go to stderr and vanish when
done (the runner prints one line per finished entry).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

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
