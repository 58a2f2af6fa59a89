"""F43 (RD/Theory): the number of linear regions of a ReLU net grows exponentially with depth.

Montufar et al. (2014): the hand-built tent-map net with 2 ReLU units per layer and L layers
folds [0, 1] L times, so its output has exactly 2^L linear pieces, while any one-hidden-layer net
with the same 2L units has at most 2L + 1 pieces on a line (one kink per unit). Both counts come
from dlcore.theory.count_linear_regions (exact, from activation-pattern breakpoints along the
segment). Randomly initialised nets of the same widths are counted too: they come nowhere near
the exponential (Hanin & Rolnick 2019: at init the count grows with the number of units, not
exponentially with depth); the post's claim is about what depth can express.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .registry import register

CRITERIA = (
    "tent-map net (2 units x L layers) has exactly 2^L linear regions on [0, 1] for L = 1..12",
    "shallow net with 2L units has <= 2L + 1 regions on [0, 1] for L = 1..12 (every seed)",
)
DEPTHS = list(range(1, 13))
RANDOM_WIDTH = 8


def shallow_net(units: int, rng: np.random.Generator):
    """Linear(1, units), ReLU, Linear(units, 1), float64, kinks drawn uniformly inside (0, 1):
    the most regions a shallow net can have on [0, 1]."""
    from .. import nn

    net = nn.Sequential(
        nn.Linear(1, units, dtype=np.float64), nn.ReLU(), nn.Linear(units, 1, dtype=np.float64)
    )
    w = rng.choice([-1.0, 1.0], size=units) * rng.uniform(0.5, 2.0, size=units)
    net[0].weight.data[:, 0] = w
    net[0].bias.data[...] = -w * rng.uniform(0.0, 1.0, size=units)
    net[2].weight.data[...] = rng.normal(size=(1, units))
    return net


def random_net(depth: int, width: int, inputs: int):
    """inputs -> depth x (Linear(width), ReLU) -> Linear(1), float64, default (PyTorch-style) init."""
    from .. import nn

    layers, n_in = [], inputs
    for _ in range(depth):
        layers += [nn.Linear(n_in, width, dtype=np.float64), nn.ReLU()]
        n_in = width
    return nn.Sequential(*layers, nn.Linear(n_in, 1, dtype=np.float64))


@register(
    "linear-regions",
    "RD/Theory",
    "F43",
    criteria=CRITERIA,
    priority="P1",
    claim="Deep ReLU networks can carve their input into exponentially many linear pieces in depth, "
    "far more than a shallow network with the same number of units can.",
)
def run(quick: bool, out_dir: Path | None) -> dict:
    """Exact linear-region counts along [0, 1] of the tent-map net vs shallow nets, and of random nets.

    Tent-map nets (2 ReLU units per layer, L = 1..12 layers, built by hand) and one-hidden-layer
    nets with 2L units (kinks placed inside [0, 1], 5 seeds) are counted exactly on [0, 1] with
    dlcore.theory.count_linear_regions. Randomly initialised 2-input nets of width 8 and depth
    1..12 (5 seeds; quick: 2) are counted along the segment (-3, -2) -> (3, 2) and one region map
    of a depth-4 random net is drawn on [-3, 3]^2 (activation_regions_2d).
    """
    from ..theory import activation_regions_2d, count_linear_regions, tent_map_net
    from ._progress import track
    from ._theory import sig

    rng = np.random.default_rng(43)
    tent = [count_linear_regions(tent_map_net(L), 0.0, 1.0).count for L in DEPTHS]
    shallow = [
        [count_linear_regions(shallow_net(2 * L, rng), 0.0, 1.0).count for _ in range(5)] for L in DEPTHS
    ]
    seeds = 2 if quick else 5
    random_counts = []
    for L in track(DEPTHS, "depths"):
        random_counts.append(
            [
                count_linear_regions(random_net(L, RANDOM_WIDTH, 2), [-3.0, -2.0], [3.0, 2.0]).count
                for _ in range(seeds)
            ]
        )
    map_net = random_net(4, RANDOM_WIDTH, 2)
    region_map = activation_regions_2d(map_net, (-3, 3), (-3, 3), n=150 if quick else 400)
    tent_ok = all(c == 2**L for c, L in zip(tent, DEPTHS))
    worst_excess = max(max(cs) - (2 * L + 1) for cs, L in zip(shallow, DEPTHS))
    metrics = {
        "depths": DEPTHS,
        "tent_map_regions": tent,
        "shallow_2L_units_regions_max": [max(cs) for cs in shallow],
        "shallow_worst_excess_over_2L_plus_1": int(worst_excess),
        "random_width": RANDOM_WIDTH,
        "random_init_regions_mean": sig([np.mean(cs) for cs in random_counts]),
        "random_init_regions_max": [int(max(cs)) for cs in random_counts],
        "region_map_depth4_patterns": region_map.count,
    }
    figures = []
    if out_dir is not None:
        figures.append(_figure(out_dir, tent, shallow, random_counts, region_map))
    n_exact = sum(c == 2**L for c, L in zip(tent, DEPTHS))
    return {
        "metrics": metrics,
        "figures": figures,
        "criteria": {
            CRITERIA[0]: (tent_ok, f"{n_exact}/12 exact, L=12: {tent[-1]}"),
            CRITERIA[1]: (worst_excess <= 0, f"max count - (2L+1) = {worst_excess}"),
        },
    }


def _figure(out_dir: Path, tent, shallow, random_counts, region_map) -> str:
    from .plotting import new_figure, save

    fig, (ax, ax2) = new_figure(2, width=5.2, height=4.0)
    depths = np.array(DEPTHS)
    ax.semilogy(depths, 2 * depths + 1, "-", color="0.6", lw=6, alpha=0.5, label="2L + 1 bound")
    ax.semilogy(depths, tent, "o-", label="tent-map net (2 units/layer), on [0, 1]")
    ax.semilogy(depths, [max(c) for c in shallow], "s--", ms=4, label="shallow net, 2L units (max of 5)")
    mean = [np.mean(c) for c in random_counts]
    ax.semilogy(depths, mean, "^-", label=f"random init, width {RANDOM_WIDTH} (mean), on the segment")
    ax.set(xlabel="depth L (hidden layers)", ylabel="linear regions on the segment", title="Regions vs depth")
    ax.legend(fontsize=8)
    colors = np.random.default_rng(0).permutation(region_map.count)[region_map.pattern_ids]
    ax2.pcolormesh(region_map.xs, region_map.ys, colors, cmap="tab20", shading="auto")
    ax2.plot([-3, 3], [-2, 2], "k-", lw=1, label="segment counted")
    ax2.set(xlabel="x1", ylabel="x2", title=f"Random depth-4 net: {region_map.count} regions on the grid")
    ax2.set_aspect("equal")
    ax2.legend(fontsize=8, loc="lower right")
    return save(fig, out_dir, "linear-regions")
