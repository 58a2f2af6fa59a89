"""Data: Dataset protocol, TensorDataset, DataLoader, bundled/synthetic datasets.

Everything here is offline: `digits()` reads scikit-learn's bundled 8x8 digits, the rest is
generated in-process from a seed.
"""

from .datasets import digits
from .label_noise import noisy_labels
from .loader import DataLoader, Dataset, TensorDataset
from .synthetic import line_points, plane_points
from .synthetic_images import gomoku_boards, shifted_digits

__all__ = [
    "Dataset",
    "TensorDataset",
    "DataLoader",
    "digits",
    "line_points",
    "plane_points",
    "noisy_labels",
    "shifted_digits",
    "gomoku_boards",
]
