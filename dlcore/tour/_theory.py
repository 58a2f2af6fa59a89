"""Helper shared by the theory entries (F11, F12, F42, F43, F44): metrics rounded for the report."""

from __future__ import annotations

import numpy as np


def sig(values, digits: int = 4):
    """values (a number or nested lists/arrays of numbers) as floats to `digits` significant digits."""
    if isinstance(values, (list, tuple, np.ndarray)):
        return [sig(v, digits) for v in values]
    return float(f"{float(values):.{digits}g}")
