"""The tour: one module per experiment of the seed post, each a registered entry with criteria.

`dlcore tour` runs them (see runner.py); `registry.entries()` imports every module of this
package so that a new experiment only needs a new file with an `@register(...)` function.
"""

from .registry import Entry, entries, get, register

__all__ = ["Entry", "entries", "get", "register"]
