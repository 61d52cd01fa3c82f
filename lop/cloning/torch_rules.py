"""Cloning rules for torch.nn building blocks (one rule per module type, Theorem A.3)."""
from __future__ import annotations

import torch
from torch import nn

from lop.models.common import Probe, TokenBatchNorm

from .profile import Profile
from .registry import CloneContext, UnsupportedModuleError, register_rule, set_buffer, set_param


def _same_profile(m: nn.Module, p_in: Profile, ctx: CloneContext, p_out: Profile | None) -> Profile:
    """Elementwise / per-unit modules: the clone profile passes through unchanged."""
    return p_in


# Elementwise activations, dropout (a clone gets its OWN mask: that is what breaks the symmetry),
# per-channel pooling: none has parameters, all act on each unit separately.
register_rule(nn.Identity, nn.ReLU, nn.GELU, nn.Tanh, nn.Sigmoid, nn.SiLU, nn.ELU, nn.SELU, nn.LeakyReLU,
              nn.Softplus, nn.Dropout, nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d)(_same_profile)


@register_rule(Probe)
def _probe(m: Probe, p_in, ctx, p_out):
    # Remember which base unit each unit copies, for clone_blocks / cloning R^2.
    if p_in.inner != 1:
        raise UnsupportedModuleError("a Probe right after a Flatten of cloned channels has no unit layout; "
                                     "probe before the Flatten or after the next Linear")
    m.clone_src = p_in.src
    return p_in


@register_rule(nn.Flatten)
def _flatten(m: nn.Flatten, p_in, ctx, p_out):
    if m.start_dim != 1 or m.end_dim != -1:
        raise UnsupportedModuleError("only nn.Flatten(start_dim=1, end_dim=-1) can be cloned")
    return p_in.flattened()


@register_rule(nn.Sequential)
def _sequential(m: nn.Sequential, p_in, ctx, p_out):
    children = list(m)
    for i, child in enumerate(children):
        p_in = ctx.clone(child, p_in, p_out if i == len(children) - 1 else None)
    return p_in


def clone_dense(m: nn.Module, p_in: Profile, p_out: Profile, in_dim_name: str, out_dim_name: str) -> None:
    """Linear/Conv: W'[i, j] = W[src_out[i], src_in[j]] / factor_in, b'[i] = b[src_out[i]]."""
    w = p_out.select(p_in.select(m.weight.data, 1), 0) * p_in.fan_in_scale
    set_param(m, "weight", w, {0: p_out, 1: p_in})
    if m.bias is not None:
        set_param(m, "bias", p_out.select(m.bias.data, 0), {0: p_out})
    setattr(m, in_dim_name, w.shape[1])
    setattr(m, out_dim_name, w.shape[0])


@register_rule(nn.Linear)
def _linear(m: nn.Linear, p_in, ctx, p_out):
    p_in = p_in.resolve(m.in_features)
    if p_in.cloned and p_in.base_size != m.in_features:
        raise UnsupportedModuleError(f"Linear with {m.in_features} inputs fed {p_in.base_size} base units")
    p_out = ctx.default_out(m.out_features) if p_out is None else p_out
    clone_dense(m, p_in, p_out, "in_features", "out_features")
    return p_out


@register_rule(nn.Conv2d)
def _conv2d(m: nn.Conv2d, p_in, ctx, p_out):
    if m.groups != 1:
        raise UnsupportedModuleError(f"Conv2d with groups={m.groups} has no cloning rule (only groups=1)")
    if p_in.inner != 1:
        raise UnsupportedModuleError("Conv2d cannot follow a Flatten")
    p_out = ctx.default_out(m.out_channels) if p_out is None else p_out
    clone_dense(m, p_in, p_out, "in_channels", "out_channels")
    return p_out


@register_rule(nn.BatchNorm1d, nn.BatchNorm2d, TokenBatchNorm)
def _batchnorm(m: nn.modules.batchnorm._BatchNorm, p_in, ctx, p_out):
    # Per-unit statistics: a copy of a unit has the copy's batch statistics, so train mode is exact too.
    if not p_in.cloned:
        return p_in
    if p_in.inner != 1:
        raise UnsupportedModuleError("BatchNorm cannot follow a Flatten of cloned channels")
    if m.affine:
        set_param(m, "weight", p_in.select(m.weight.data, 0), {0: p_in})
        set_param(m, "bias", p_in.select(m.bias.data, 0), {0: p_in})
    if m.running_mean is not None:
        set_buffer(m, "running_mean", p_in.select(m.running_mean, 0))
        set_buffer(m, "running_var", p_in.select(m.running_var, 0))
    m.num_features = p_in.size
    return p_in


def _check_equal_counts(p: Profile, what: str) -> None:
    counts = torch.bincount(p.src, minlength=p.base_size)
    if not torch.all(counts == p.factor):
        raise UnsupportedModuleError(f"{what} needs every base unit copied exactly factor times")


@register_rule(nn.LayerNorm)
def _layernorm(m: nn.LayerNorm, p_in, ctx, p_out):
    # The mean and (biased) variance of a vector whose entries are each repeated f times equal those of
    # the vector itself, so LayerNorm over the cloned axis is exact with the same eps.
    if not p_in.cloned:
        return p_in
    if len(m.normalized_shape) != 1:
        raise UnsupportedModuleError("LayerNorm over more than the last axis has no cloning rule")
    _check_equal_counts(p_in, "LayerNorm")
    if m.elementwise_affine:
        set_param(m, "weight", p_in.select(m.weight.data, 0), {0: p_in})
        if m.bias is not None:
            set_param(m, "bias", p_in.select(m.bias.data, 0), {0: p_in})
    m.normalized_shape = (p_in.size,)
    return p_in


@register_rule(nn.GroupNorm)
def _groupnorm(m: nn.GroupNorm, p_in, ctx, p_out):
    # GroupNorm(G, C) normalises G contiguous channel groups. The clone keeps G groups of f*C/G channels;
    # it is exact iff clone group g holds exactly the channels of base group g, each f times (true for
    # the interleaved layout). GroupNorm(1, C) is then the LayerNorm argument over (C, H, W).
    if not p_in.cloned:
        return p_in
    G, C = m.num_groups, m.num_channels
    size = C // G
    clone_groups = p_in.src.reshape(G, size * p_in.factor)
    if not torch.all(clone_groups // size == torch.arange(G)[:, None]):
        raise UnsupportedModuleError("GroupNorm clone groups would mix base groups: use the interleaved layout")
    _check_equal_counts(p_in, "GroupNorm")
    if m.affine:
        set_param(m, "weight", p_in.select(m.weight.data, 0), {0: p_in})
        set_param(m, "bias", p_in.select(m.bias.data, 0), {0: p_in})
    m.num_channels = p_in.size
    return p_in
