"""CNN (paper App. B): 3 x [Conv3x3 -> norm -> ReLU -> MaxPool2] -> flatten -> Linear(fc) -> ReLU
-> dropout -> Linear. The paper puts no norm on the fully connected layer."""
from __future__ import annotations

from torch import nn

from .common import make_norm, named_probe


class ConvBlock(nn.Module):
    def __init__(self, c_in, c_out, norm, affine, name):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, stride=1, padding=1)
        self.norm = make_norm(norm, "2d", c_out, affine)
        self.act = nn.ReLU()
        self.probe = named_probe(name)  # post-activation of the conv, before pooling
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        return self.pool(self.probe(self.act(self.norm(self.conv(x)))))


class CNN(nn.Module):
    def __init__(self, in_shape, num_classes, *, channels=(64, 128, 256), fc=512, norm="none", affine=True,
                 dropout=0.0):
        super().__init__()
        c, h, w = in_shape
        if h % (2 ** len(channels)) or w % (2 ** len(channels)):
            raise ValueError(f"CNN with {len(channels)} max-pools needs image sides divisible by "
                             f"{2 ** len(channels)}; got {h}x{w}")
        blocks, c_in = [], c
        for i, c_out in enumerate(channels):
            blocks.append(ConvBlock(c_in, c_out, norm, affine, f"conv{i + 1}"))
            c_in = c_out
        self.features = nn.Sequential(*blocks)
        self.flatten = nn.Flatten()
        side = (h // 2 ** len(channels)) * (w // 2 ** len(channels))
        self.fc = nn.Linear(c_in * side, fc)
        self.act = nn.ReLU()
        self.probe = named_probe("fc")
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(fc, num_classes)

    def forward(self, x):
        x = self.flatten(self.features(x))
        return self.head(self.drop(self.probe(self.act(self.fc(x)))))
