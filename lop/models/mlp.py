"""MLP (paper App. B): flatten -> depth x [Linear(width) -> norm -> ReLU -> dropout] -> Linear."""
from __future__ import annotations

from torch import nn

from .common import make_norm, named_probe


class MLPBlock(nn.Module):
    def __init__(self, d_in, width, norm, affine, dropout, name):
        super().__init__()
        self.fc = nn.Linear(d_in, width)
        self.norm = make_norm(norm, "1d", width, affine)
        self.act = nn.ReLU()
        self.probe = named_probe(name)  # post-activation, before dropout (identity in eval mode anyway)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        return self.drop(self.probe(self.act(self.norm(self.fc(x)))))


class MLP(nn.Module):
    def __init__(self, in_shape, num_classes, *, width=128, depth=5, norm="none", affine=True, dropout=0.0):
        super().__init__()
        d_in = 1
        for s in in_shape:
            d_in *= s
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(*[
            MLPBlock(d_in if i == 0 else width, width, norm, affine, dropout, f"fc{i + 1}") for i in range(depth)
        ])
        self.head = nn.Linear(width, num_classes)

    def forward(self, x):
        return self.head(self.layers(self.flatten(x)))
