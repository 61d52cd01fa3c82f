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


def augment_uint8(x: torch.Tensor, *, crop_pad: int, flip: bool, generator=None) -> torch.Tensor:
    """Random crop with zero padding `crop_pad` (torchvision RandomCrop(padding=p)) and horizontal flip."""
    b, c, h, w = x.shape
    if crop_pad > 0:
        p = crop_pad
        xp = torch.nn.functional.pad(x, (p, p, p, p))
        off = torch.randint(0, 2 * p + 1, (2, b), device=x.device, generator=generator)
        rows = (off[0][:, None] + torch.arange(h, device=x.device))[:, None, :, None]
        cols = (off[1][:, None] + torch.arange(w, device=x.device))[:, None, None, :]
        bi = torch.arange(b, device=x.device)[:, None, None, None]
        ci = torch.arange(c, device=x.device)[None, :, None, None]
        x = xp[bi, ci, rows, cols]
    if flip:
        mask = torch.rand(b, device=x.device, generator=generator) < 0.5
        x = torch.where(mask[:, None, None, None], x.flip(-1), x)
    return x


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
