"""A small ResNet (He et al. 2015) for small images, NCHW: a 3x3 stem, stages of basic residual
blocks (two 3x3 convs with BatchNorm2d and an identity or 1x1 projection shortcut), global
average pooling and a Linear classifier. Submodule names follow torchvision's BasicBlock
(conv1, bn1, conv2, bn2, downsample) so state_dict keys read the same.
"""

from __future__ import annotations

from .. import nn


class BasicBlock(nn.Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); conv1 carries the stride.

    x (N, in_channels, H, W) -> (N, out_channels, ceil(H/stride), ceil(W/stride)). The shortcut
    is the identity when shapes agree, else downsample = Conv2d 1x1 (stride) -> BatchNorm2d.
    zero_init: bn2's weight starts at 0, so the block starts as (relu of) its shortcut.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, zero_init: bool = False):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if zero_init:
            self.bn2.weight.data[...] = 0.0
        self.downsample = None
        if stride != 1 or in_channels != out_channels:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )
        self.relu = nn.ReLU()

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class ResNet(nn.Module):
    """stem (Conv2d 3x3 -> BatchNorm2d -> ReLU, widths[0] channels) -> stages -> global average
    pool -> Linear(widths[-1], num_classes).

    Stage i has depths[i] BasicBlocks of widths[i] channels; every stage after the first halves
    H and W in its first block (stride 2). Input (N, in_channels, H, W), output (N, num_classes)
    logits. The default, widths (16, 32, 64) and 1 block a stage, has 77,754 parameters.
    """

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        widths: tuple[int, ...] = (16, 32, 64),
        depths: tuple[int, ...] = (1, 1, 1),
        zero_init_residual: bool = False,
    ):
        super().__init__()
        if not widths or len(widths) != len(depths) or min(depths) < 1 or min(widths) < 1:
            raise ValueError(
                f"ResNet: widths and depths must be non-empty, of one length, all >= 1; "
                f"got {widths}, {depths}"
            )
        self.conv1 = nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU()
        blocks, channels = [], widths[0]
        for i, (width, depth) in enumerate(zip(widths, depths)):
            for j in range(depth):
                stride = 2 if i > 0 and j == 0 else 1
                blocks.append(BasicBlock(channels, width, stride, zero_init=zero_init_residual))
                channels = width
        self.layers = nn.Sequential(*blocks)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layers(x)
        return self.fc(self.flatten(self.avgpool(x)))
