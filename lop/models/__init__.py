"""The four architectures of the paper's App. B behind one entry point, `build_model`."""
from __future__ import annotations

from torch import nn

from .cnn import CNN
from .common import NORMS, Probe, count_params, flatten_units, probes
from .init import INITS, apply_init
from .mlp import MLP
from .resnet import ResNet18
from .vit import ViT

ARCHS = {"mlp": MLP, "cnn": CNN, "resnet": ResNet18, "vit": ViT}

__all__ = ["ARCHS", "INITS", "NORMS", "Probe", "build_model", "count_params", "flatten_units", "probes"]


def build_model(arch: str, *, in_shape, num_classes: int, norm: str = "none", affine: bool = True,
                dropout: float = 0.0, init: str = "torch", **sizes) -> nn.Module:
    """Build `arch` for inputs of shape (C, H, W). `sizes` are the arch's size keys (config `models.<arch>`);
    `init` is config `models.init` (lop.models.init: PyTorch's default or the authors' scheme).

    Examples: build_model("cnn", in_shape=(3, 64, 64), num_classes=200, channels=[64, 128, 256], fc=512)
    """
    if arch not in ARCHS:
        raise ValueError(f"unknown arch {arch!r}; choose one of {sorted(ARCHS)}")
    if norm not in NORMS:
        raise ValueError(f"unknown norm {norm!r}; choose one of {NORMS}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1); got {dropout}")
    if num_classes < 1:
        raise ValueError(f"num_classes must be >= 1; got {num_classes}")
    model = ARCHS[arch](tuple(in_shape), num_classes, norm=norm, affine=affine, dropout=dropout, **sizes)
    return apply_init(model, arch, init)
