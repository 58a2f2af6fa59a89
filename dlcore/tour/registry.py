"""Registry of tour entries: @register(name, section, feature_id, criteria=[...], priority, claim).

An entry is fn(quick: bool, out_dir: Path | None) -> {"metrics": {...}, "criteria": {text: bool},
"figures": [paths]}; `criteria` holds, for every registered criterion text, a bool or a
(bool, measured value) pair (the report shows the value beside the criterion). out_dir is
where figures go (None: make none). `priority` is the MISSION-FEATURES priority ("P0", "P1" or
"P2"; P0/P1 entries must finish in 2 minutes); `claim` is the seed post's claim the entry tests,
in one or two sentences of our own words (the report shows it). The entry function's docstring
is its description: first line a summary, the rest what is run and how it is measured.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

_NOT_ENTRIES = {"registry", "runner", "plotting"}
_REGISTRY: dict[str, Entry] = {}


@dataclass(frozen=True)
class Entry:
    name: str
    section: str
    feature_id: str
    criteria: tuple[str, ...]
    fn: Callable[[bool, Path | None], dict]
    description: str = field(default="")
    priority: str = "P1"
    claim: str = ""

    @property
    def summary(self) -> str:
        """The first line of the description."""
        return self.description.split("\n", 1)[0]

    def __call__(self, quick: bool = False, out_dir: Path | None = None) -> dict:
        return self.fn(quick, out_dir)


PRIORITIES = ("P0", "P1", "P2")


def register(
    name: str,
    section: str,
    feature_id: str,
    criteria: list[str] | tuple[str, ...],
    priority: str = "P1",
    claim: str = "",
):
    """Decorator adding fn as tour entry `name` (the seed post's `section`, MISSION `feature_id`).

    Raises ValueError when the name is taken by another function, no criterion is given or the
    priority is not one of PRIORITIES.
    """
    if not criteria:
        raise ValueError(f"tour entry {name!r} needs at least one criterion")
    if priority not in PRIORITIES:
        raise ValueError(f"tour entry {name!r}: priority must be one of {PRIORITIES}, got {priority!r}")

    def wrap(fn: Callable) -> Callable:
        old = _REGISTRY.get(name)
        if old is not None and (old.fn.__module__, old.fn.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"tour entry {name!r} is already registered by {old.fn.__module__}")
        doc = inspect.cleandoc(fn.__doc__ or "")
        _REGISTRY[name] = Entry(name, section, feature_id, tuple(criteria), fn, doc, priority, claim)
        return fn

    return wrap


def unregister(name: str) -> None:
    """Remove an entry (tests register throwaway entries)."""
    _REGISTRY.pop(name, None)


def _discover() -> None:
    pkg = importlib.import_module(__package__)
    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name not in _NOT_ENTRIES and not mod.name.startswith("_"):
            importlib.import_module(f"{__package__}.{mod.name}")


def entries() -> dict[str, Entry]:
    """All entries, by feature id then name (imports every module of dlcore.tour)."""
    _discover()
    return dict(sorted(_REGISTRY.items(), key=lambda kv: (kv[1].feature_id, kv[0])))


def get(name: str) -> Entry:
    all_entries = entries()
    if name not in all_entries:
        raise KeyError(f"unknown tour entry {name!r}; known: {', '.join(all_entries)}")
    return all_entries[name]
