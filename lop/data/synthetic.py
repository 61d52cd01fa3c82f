"""An embedded, deterministic, class-structured image dataset for the small preset (no download).

Measured in the pre-study that chose the small preset: with these images the paper's continual-learning effects (dead units,
falling rank and accuracy without normalization) appear on a CPU within a few hundred steps per task.

Class c has a smooth prototype: the sum of two low-frequency Gaussian fields bicubically upsampled from
4x4 and 8x8 grids, standardised. A sample is the prototype under a random horizontal flip and circular
shift (up to size/8 pixels), times a random contrast in [0.7, 1.3], plus a per-channel brightness offset
(std 0.2), a fresh smooth distractor field (weight 1.0) and white noise (std 0.5). Stored as uint8 like
a real image dataset, so the same loaders and normalisation serve both.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def _smooth_fields(n: int, size: int, channels: int, g: torch.Generator) -> torch.Tensor:
    out = torch.zeros(n, channels, size, size)
    for grid in (4, 8):
        base = torch.randn(n, channels, grid, grid, generator=g)
        out += F.interpolate(base, size=(size, size), mode="bicubic", align_corners=False)
    out -= out.mean(dim=(1, 2, 3), keepdim=True)
    return out / out.std(dim=(1, 2, 3), keepdim=True).clamp_min(1e-8)


def make_synthetic(*, num_classes: int, per_class: int, image_size: int = 16, seed: int = 0,
                   split: str = "train", channels: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Return (images uint8 N x H x W x C, labels int64 N), N = num_classes * per_class, class-sorted.

    Prototypes depend only on `seed` (shared by the splits); samples depend on `seed` and `split`.
    """
    if num_classes < 2 or per_class < 1 or image_size < 4:
        raise ValueError(f"synthetic data needs num_classes >= 2, per_class >= 1, image_size >= 4; "
                         f"got {num_classes}, {per_class}, {image_size}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    g = torch.Generator().manual_seed(seed)
    protos = _smooth_fields(num_classes, image_size, channels, g)
    gs = torch.Generator().manual_seed(seed * 1_000_003 + (1 if split == "train" else 2))
    n = num_classes * per_class
    labels = torch.arange(num_classes).repeat_interleave(per_class)
    x = protos[labels]
    flip = torch.rand(n, generator=gs) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    r = max(1, image_size // 8)
    shifts = torch.randint(-r, r + 1, (n, 2), generator=gs)
    x = torch.stack([torch.roll(xi, (int(s[0]), int(s[1])), dims=(1, 2)) for xi, s in zip(x, shifts)])
    x = x * (0.7 + 0.6 * torch.rand(n, 1, 1, 1, generator=gs))
    x = x + 0.2 * torch.randn(n, channels, 1, 1, generator=gs)
    x = x + 1.0 * _smooth_fields(n, image_size, channels, gs)
    x = x + 0.5 * torch.randn(x.shape, generator=gs)
    # Map to bytes like a photo: ~3 std of range around mid-grey.
    img = (128 + 40 * x).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous()
    return img.numpy(), labels.numpy().astype(np.int64)
