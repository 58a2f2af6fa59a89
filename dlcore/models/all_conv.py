"""AllConvNet: a small all-convolutional net (Springenberg et al. 2015, "Striving for Simplicity"):
stride-2 convolutions instead of pooling, a 1x1 convolution to class maps and a global average.

Layout (downsample="stride"; state_dict keys as the torch module of the same structure):
  features = Sequential(Conv2d(in, c0, 3, padding=1), ReLU,
                        Conv2d(c0, c0, 3, stride=2, padding=1), ReLU,
                        Conv2d(c0, c1, 3, padding=1), ReLU,
                        Conv2d(c1, c1, 3, stride=2, padding=1), ReLU,
                        Conv2d(c1, num_classes, 1))          -> (N, classes, H/4, W/4) for H, W divisible by 4
  logits   = mean of the class maps over H, W                -> (N, classes)
downsample="maxpool" is the matched conv+max-pool control (their "ConvPool" variant): each
stride-2 convolution becomes a stride-1 one followed by MaxPool2d(2) (same parameters; the
pools add entries 4 and 9 to `features`, so the later indices shift). H, W >= 4.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ._checks import channel_pair, check_images, positive_int

DOWNSAMPLES = ("stride", "maxpool")


class AllConvNet(nn.Module):
    """Five convolutions (two of them downsampling), 1x1 class maps, global average; logits (N, classes)."""

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        channels: tuple[int, int] = (32, 64),
        downsample: str = "stride",
        dtype=np.float32,
    ):
        super().__init__()
        name = type(self).__name__
        self.num_classes = positive_int(name, "num_classes", num_classes)
        self.in_channels = positive_int(name, "in_channels", in_channels)
        c0, c1 = channel_pair(name, channels)
        if downsample not in DOWNSAMPLES:
            raise ValueError(f"{name}: downsample must be one of {DOWNSAMPLES}, got {downsample!r}")
        self.downsample = downsample

        def down(c: int) -> list:
            if downsample == "stride":
                return [nn.Conv2d(c, c, 3, stride=2, padding=1, dtype=dtype), nn.ReLU()]
            return [nn.Conv2d(c, c, 3, padding=1, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2)]

        self.features = nn.Sequential(
            nn.Conv2d(self.in_channels, c0, 3, padding=1, dtype=dtype),
            nn.ReLU(),
            *down(c0),
            nn.Conv2d(c0, c1, 3, padding=1, dtype=dtype),
            nn.ReLU(),
            *down(c1),
            nn.Conv2d(c1, self.num_classes, 1, dtype=dtype),
        )

    def forward(self, x):
        check_images(type(self).__name__, x, self.in_channels, 4)
        return self.features(x).mean((2, 3))

    def extra_repr(self) -> str:
        return f"num_classes={self.num_classes}, downsample={self.downsample!r}"
