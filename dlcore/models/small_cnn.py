"""SmallCNN: conv-conv-pool-FC for small single- or few-channel images (8x8 digits, 16x16 canvases,
9x9 boards).

Layout (state_dict keys as the torch module of the same structure):
  features   = Sequential(Conv2d(in, c0, 3, padding=1), ReLU, Conv2d(c0, c1, 3, padding=1), ReLU,
                          MaxPool2d(2, ceil_mode=True))      -> (N, c1, ceil(H/2), ceil(W/2))
  [global_pool: amax over H, W                               -> (N, c1)]
  classifier = Sequential(Flatten, Linear(flat, hidden), ReLU, Linear(hidden, num_classes))
flat = c1 * ceil(image_size / 2) ** 2 (ceil_mode keeps the last row and column of an odd-sized
image, such as a 9x9 board's edge), or c1 with global_pool (then any H, W >= 2 is accepted: the
network is translation invariant up to the pooling grid).
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ._checks import channel_pair, check_images, positive_int


class SmallCNN(nn.Module):
    """conv(3x3)-ReLU-conv(3x3)-ReLU-maxpool(2)-[global max]-FC-ReLU-FC; outputs logits (N, classes)."""

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        image_size: int = 8,
        channels: tuple[int, int] = (16, 32),
        hidden: int = 64,
        global_pool: bool = False,
        dtype=np.float32,
    ):
        super().__init__()
        name = type(self).__name__
        self.num_classes = positive_int(name, "num_classes", num_classes)
        self.in_channels = positive_int(name, "in_channels", in_channels)
        self.image_size = positive_int(name, "image_size", image_size)
        if self.image_size < 2:
            raise ValueError(f"{name}: image_size must be >= 2 (one 2x2 max-pool), got {image_size}")
        c0, c1 = channel_pair(name, channels)
        hidden = positive_int(name, "hidden", hidden)
        self.global_pool = bool(global_pool)
        self.features = nn.Sequential(
            nn.Conv2d(self.in_channels, c0, 3, padding=1, dtype=dtype),
            nn.ReLU(),
            nn.Conv2d(c0, c1, 3, padding=1, dtype=dtype),
            nn.ReLU(),
            nn.MaxPool2d(2, ceil_mode=True),
        )
        flat = c1 if self.global_pool else c1 * ((self.image_size + 1) // 2) ** 2
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(flat, hidden, dtype=dtype),
            nn.ReLU(),
            nn.Linear(hidden, self.num_classes, dtype=dtype),
        )

    def forward(self, x):
        size = None if self.global_pool else self.image_size
        check_images(type(self).__name__, x, self.in_channels, 2, size)
        h = self.features(x)
        if self.global_pool:
            h = h.amax((2, 3))
        return self.classifier(h)

    def extra_repr(self) -> str:
        return f"num_classes={self.num_classes}, image_size={self.image_size}, global_pool={self.global_pool}"
