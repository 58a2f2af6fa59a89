"""dlcore.theory: tools for the theory of ReLU networks and of sequence statistics.

count_linear_regions / activation_regions_2d count the linear regions of a ReLU network
(exact along a segment, estimated on a 2-D grid); tent_map_net and relu_interpolant build ReLU
networks by hand; mutual_information estimates the mutual information between symbols d apart.
User guide: docs/theory.md.
"""

from .constructions import evaluate, relu_interpolant, tent_map_net
from .information import (
    markov_mutual_information,
    mi_bias_floor,
    mutual_information,
    pair_counts,
    transition_matrix,
)
from .regions import RegionCount, RegionMap, activation_regions_2d, count_linear_regions

__all__ = [
    "RegionCount",
    "RegionMap",
    "count_linear_regions",
    "activation_regions_2d",
    "tent_map_net",
    "relu_interpolant",
    "evaluate",
    "mutual_information",
    "mi_bias_floor",
    "markov_mutual_information",
    "pair_counts",
    "transition_matrix",
]
