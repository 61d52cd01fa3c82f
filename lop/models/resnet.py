"""ResNet-18 (paper App. B): Conv3x3 stem (stride 1, no max-pool) -> norm -> ReLU; BasicBlocks
[2,2,2,2] with widths w, 2w, 4w, 8w and strides 1,2,2,2; global average pool -> dropout -> Linear.
Probe points: the output of each BasicBlock."""
from __future__ import annotations

from torch import nn

from .common import make_norm, named_probe


class BasicBlock(nn.Module):
    def __init__(self, c_in, c_out, stride, norm, affine, name):
        super().__init__()
        bias = norm == "none"  # without a norm layer nothing else shifts the units
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=bias)
        self.norm1 = make_norm(norm, "2d", c_out, affine)
        self.act1 = nn.ReLU()
        self.conv2 = nn.Conv2d(c_out, c_out, 3, stride=1, padding=1, bias=bias)
        self.norm2 = make_norm(norm, "2d", c_out, affine)
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=bias),
                                          make_norm(norm, "2d", c_out, affine))
        else:
            self.shortcut = nn.Identity()
        self.act2 = nn.ReLU()
        self.probe = named_probe(name)

    def forward(self, x):
        out = self.norm2(self.conv2(self.act1(self.norm1(self.conv1(x)))))
        return self.probe(self.act2(out + self.shortcut(x)))


class ResNet18(nn.Module):
    def __init__(self, in_shape, num_classes, *, width=64, blocks=(2, 2, 2, 2), norm="none", affine=True,
                 dropout=0.0):
        super().__init__()
        c = in_shape[0]
        self.stem = nn.Sequential(nn.Conv2d(c, width, 3, stride=1, padding=1, bias=norm == "none"),
                                  make_norm(norm, "2d", width, affine), nn.ReLU())
        layers, c_in, k = [], width, 0
        for stage, n in enumerate(blocks):
            c_out = width * 2 ** stage
            for i in range(n):
                k += 1
                layers.append(BasicBlock(c_in, c_out, (1 if stage == 0 else 2) if i == 0 else 1, norm, affine,
                                         f"block{k}"))
                c_in = c_out
        self.layers = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(c_in, num_classes)

    def forward(self, x):
        return self.head(self.drop(self.flatten(self.pool(self.layers(self.stem(x))))))
