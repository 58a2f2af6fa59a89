"""Figure helpers for tour entries: matplotlib with the Agg backend, one PNG per entry.

Not an entry module (the registry skips it). matplotlib is imported only when a figure is made.
"""

from __future__ import annotations

from pathlib import Path


def new_figure(ncols: int = 1, width: float = 4.5, height: float = 3.5):
    """(fig, axes) on the Agg backend; axes is a list of length ncols."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), squeeze=False)
    return fig, list(axes[0])


def save(fig, out_dir: Path, name: str) -> str:
    """Write fig to out_dir/<name>.png, close it, return the path."""
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.png"
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path)
