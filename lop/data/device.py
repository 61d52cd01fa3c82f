"""Images resident on the training device as uint8, batches and augmentation built on the device.

This replaces the authors' PIL DataLoader (two workers re-forked every epoch, our main GPU cost): the
whole Tiny ImageNet train set is 1.2 GB of uint8 and fits on any modern GPU; cropping, flipping and
normalising a batch is a handful of tensor ops with no host round trip.
"""
from __future__ import annotations

import numpy as np
import torch

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class DeviceImages:
    """uint8 images (N x H x W x C numpy) and labels moved once to `device`, NCHW."""

    def __init__(self, x: np.ndarray, y: np.ndarray, device, mean=IMAGENET_MEAN, std=IMAGENET_STD):
        if x.dtype != np.uint8 or x.ndim != 4:
            raise ValueError(f"expected uint8 N x H x W x C images, got {x.dtype} {x.shape}")
        self.device = torch.device(device)
        self.x = torch.from_numpy(np.ascontiguousarray(x)).to(self.device).permute(0, 3, 1, 2).contiguous()
        self.y = torch.as_tensor(np.asarray(y), dtype=torch.long, device=self.device)
        c = self.x.shape[1]
        self.mean = torch.tensor(mean[:c] if len(mean) >= c else [0.5] * c, device=self.device).view(1, c, 1, 1) * 255
        self.std = torch.tensor(std[:c] if len(std) >= c else [0.25] * c, device=self.device).view(1, c, 1, 1) * 255

    @property
    def shape(self):
        """(C, H, W) of one image."""
        return tuple(self.x.shape[1:])

    def __len__(self):
        return self.x.shape[0]

    def indices_of(self, classes) -> torch.Tensor:
        """Indices of all images whose label is in `classes` (on the device)."""
        classes = torch.as_tensor(list(classes), device=self.device)
        return torch.nonzero(torch.isin(self.y, classes), as_tuple=False).squeeze(1)

    def batch(self, idx: torch.Tensor, *, augment: dict | None = None, generator: torch.Generator | None = None):
        """Normalised float batch (B, C, H, W) and labels for indices `idx`, augmented on the device.

        augment: {"crop_pad": p, "flip": bool, "color_jitter": j} or None (no augmentation).
        """
        x = self.x.index_select(0, idx)
        if augment:
            x = augment_uint8(x, crop_pad=augment.get("crop_pad", 0), flip=augment.get("flip", False),
                              generator=generator)
        x = x.float()
        if augment and augment.get("color_jitter", 0.0) > 0:
            x = color_jitter(x, augment["color_jitter"], generator)
        return (x - self.mean) / self.std, self.y.index_select(0, idx)


class PaddedSubset:
    """Images `idx` of a DeviceImages (a task's, or a whole training set), padded and mirrored once, so
    that each augmented batch is one gather (`crop_windows`) instead of a pad, a flip and a copy per step.

    `batch(pos, generator)` equals `images.batch(idx[pos], augment=augment, generator=generator)` bitwise
    and draws the same random numbers in the same order (tests/data/test_data.py). Memory: the subset's
    padded images, twice with flipping, as uint8.
    """

    def __init__(self, images: DeviceImages, idx: torch.Tensor, augment: dict | None):
        self.images, self.idx, self.augment = images, idx, augment or {}
        self.pad = max(int(self.augment.get("crop_pad", 0)), 0)
        self.flip = bool(self.augment.get("flip", False))
        self.jitter = float(self.augment.get("color_jitter", 0.0))
        self.y = images.y.index_select(0, idx)
        x = images.x.index_select(0, idx)
        self.size = tuple(x.shape[-2:])
        p = self.pad
        xp = torch.nn.functional.pad(x, (p, p, p, p)) if p else x
        self.src = mirrored(xp) if self.flip else xp

    def __len__(self):
        return self.idx.numel()

    def batch(self, pos: torch.Tensor, generator: torch.Generator | None = None):
        """Normalised, augmented batch (B, C, H, W) and labels of subset positions `pos`."""
        if not (self.pad or self.flip):
            return self.images.batch(self.idx.index_select(0, pos), augment=self.augment, generator=generator)
        b, dev = pos.numel(), self.src.device
        off = torch.randint(0, 2 * self.pad + 1, (2, b), device=dev, generator=generator) if self.pad else None
        mask = torch.rand(b, device=dev, generator=generator) < 0.5 if self.flip else None
        x = crop_windows(self.src, pos, off, mask, self.size).float()
        if self.jitter > 0:
            x = color_jitter(x, self.jitter, generator)
        return (x - self.images.mean) / self.images.std, self.y.index_select(0, pos)


def augment_uint8(x: torch.Tensor, *, crop_pad: int, flip: bool, generator=None) -> torch.Tensor:
    """Random crop with zero padding `crop_pad` (torchvision RandomCrop(padding=p)) and horizontal flip."""
    b = x.shape[0]
    if crop_pad <= 0 and not flip:
        return x
    p = max(crop_pad, 0)
    xp = torch.nn.functional.pad(x, (p, p, p, p)) if p else x
    off = torch.randint(0, 2 * p + 1, (2, b), device=x.device, generator=generator) if p else None
    mask = torch.rand(b, device=x.device, generator=generator) < 0.5 if flip else None
    return crop_windows(mirrored(xp) if flip else xp, torch.arange(b, device=x.device), off, mask, x.shape[-2:])


def mirrored(xp: torch.Tensor) -> torch.Tensor:
    """(2N, C, H, W): the images, then their mirror images (the source `crop_windows` flips from)."""
    return torch.cat([xp, xp.flip(-1)])


def crop_windows(src: torch.Tensor, rows: torch.Tensor, off: torch.Tensor | None, mask: torch.Tensor | None,
                 size) -> torch.Tensor:
    """Windows of `size` (h, w) from padded images `src` in one index_select.

    rows: which image (B,); off: (2, B) row and column offsets into the padding (None: centred, no
    padding); mask: (B,) flip, with `src = mirrored(padded)` (None: no flip, `src` the padded images).
    A mirrored window at column offset c is the window at 2p - c of the mirror image (2p = padded width
    - w), so crop and flip are one gather. The gather reads every window from an overlapping strided view
    of `src` (one row per possible window start), a copy of B x C x h x w elements and nothing else.
    """
    h, w = size
    n, c, hp, wp = src.shape
    src = src.contiguous()
    sn, sc, sh, sw = src.stride()
    start = rows * sn
    if off is not None:
        col = off[1] if mask is None else torch.where(mask, (wp - w) - off[1], off[1])
        start = start + off[0] * sh + col * sw
    if mask is not None:
        start = start + mask.long() * ((n // 2) * sn)
    windows = src.as_strided((src.numel() - ((c - 1) * sc + (h - 1) * sh + (w - 1) * sw), c, h, w), (1, sc, sh, sw))
    return windows.index_select(0, start)


def color_jitter(x: torch.Tensor, strength: float, generator=None) -> torch.Tensor:
    """Brightness, contrast and saturation factors each uniform in [1 - s, 1 + s] (pixel range 0..255).

    Upstream used torchvision ColorJitter(0.1); this is its batched on-device analogue (hue not jittered).
    """
    b = x.shape[0]
    f = 1 + strength * (2 * torch.rand(3, b, 1, 1, 1, device=x.device, generator=generator) - 1)
    x = x * f[0]
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * f[1] + mean
    if x.shape[1] == 3:
        grey = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
        x = (x - grey) * f[2] + grey
    return x.clamp(0, 255)
