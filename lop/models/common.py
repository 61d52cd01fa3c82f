"""Pieces shared by the four architectures: the norm factory and the probe point."""
from __future__ import annotations

import torch
from torch import nn

NORMS = ("none", "batch", "layer")


class Probe(nn.Identity):
    """A named point whose activations the metrics read (the probed layers of the paper's experiments, App. B).

    It computes nothing; `lop.probing` hooks it. Keeping probes as modules makes them survive
    `copy.deepcopy`, cloning and `torch.compile`, and makes the probe list explicit in `print(model)`.
    """


class TokenBatchNorm(nn.BatchNorm1d):
    """BatchNorm over (batch x tokens) for the ViT's `norm="batch"` variant: input (B, T, D)."""

    def forward(self, x):
        b, t, d = x.shape
        return super().forward(x.reshape(b * t, d)).reshape(b, t, d)


def make_norm(norm: str, kind: str, num_features: int, affine: bool) -> nn.Module:
    """Norm layer for `kind` in {"1d" (features), "2d" (conv channels), "token" (ViT)}.

    "layer" for conv nets is GroupNorm(1, C) as in the paper's App. B.
    """
    if norm not in NORMS:
        raise ValueError(f"unknown norm {norm!r}; choose one of {NORMS}")
    if norm == "none":
        return nn.Identity()
    if norm == "batch":
        cls = {"1d": nn.BatchNorm1d, "2d": nn.BatchNorm2d, "token": TokenBatchNorm}[kind]
        return cls(num_features, affine=affine)
    if kind == "2d":
        return nn.GroupNorm(1, num_features, affine=affine)
    return nn.LayerNorm(num_features, elementwise_affine=affine)


def probes(model: nn.Module) -> dict[str, Probe]:
    """Ordered {name: Probe} of a model, names as registered (e.g. 'layers.0.probe' -> short name)."""
    return {getattr(m, "probe_name", n): m for n, m in model.named_modules() if isinstance(m, Probe)}


def named_probe(name: str) -> Probe:
    p = Probe()
    p.probe_name = name
    return p


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def flatten_units(h: torch.Tensor) -> torch.Tensor:
    """Activations -> (rows, units): conv (B,C,H,W) -> (B*H*W, C); tokens (B,T,D) -> (B*T, D)."""
    if h.dim() == 2:
        return h
    if h.dim() == 4:
        return h.permute(0, 2, 3, 1).reshape(-1, h.shape[1])
    if h.dim() == 3:
        return h.reshape(-1, h.shape[-1])
    raise ValueError(f"cannot flatten activations of shape {tuple(h.shape)}")
