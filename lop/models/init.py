"""Weight initialisation schemes (config `models.init`).

`torch` keeps PyTorch's default initialisation of every layer (what the paper's text implies: it names
no scheme). `upstream` re-initialises as the authors' code did:
- ResNet (src/models/resnet.py): every Conv2d `kaiming_normal_(mode="fan_out", nonlinearity="relu")`,
  norm weights 1 and biases 0 (the torchvision recipe); Linear layers keep PyTorch's default.
- ViT (src/models/vit.py, the timm recipe): every Linear `trunc_normal_(std=0.02)` with zero bias,
  LayerNorm weight 1 / bias 0, CLS token and position embedding `trunc_normal_(std=0.02)`; the patch
  embedding convolution keeps PyTorch's default.
- MLP and CNN: upstream used PyTorch's default, so `upstream` changes nothing for them.

`torch` draws nothing here, so a run under `torch` is bitwise the run of a model built without this step.
"""
from __future__ import annotations

import torch
from torch import nn

INITS = ("torch", "upstream")
VIT_STD = 0.02


def apply_init(model: nn.Module, arch: str, scheme: str) -> nn.Module:
    """Re-initialise `model` (built as `arch`) in place by `scheme`; returns it."""
    if scheme not in INITS:
        raise ValueError(f"unknown init {scheme!r} (config models.init); choose one of {INITS}")
    if scheme == "torch" or arch in ("mlp", "cnn"):
        return model
    with torch.no_grad():
        if arch == "resnet":
            _resnet_upstream(model)
        elif arch == "vit":
            _vit_upstream(model)
        else:
            raise ValueError(f"models.init: no upstream scheme for arch {arch!r}")
    return model


def _norm_unit(m: nn.Module) -> None:
    if getattr(m, "weight", None) is not None:
        nn.init.ones_(m.weight)
    if getattr(m, "bias", None) is not None:
        nn.init.zeros_(m.bias)


def _resnet_upstream(model: nn.Module) -> None:
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            _norm_unit(m)


def _vit_upstream(model: nn.Module) -> None:
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=VIT_STD)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.LayerNorm, nn.BatchNorm1d)):
            _norm_unit(m)
    nn.init.trunc_normal_(model.cls_token, std=VIT_STD)
    nn.init.trunc_normal_(model.pos_embed, std=VIT_STD)
