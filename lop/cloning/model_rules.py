"""Cloning rules for the lop.models architectures: each says in which order data flows through the
children and where profiles must agree (residual additions)."""
from __future__ import annotations

import torch

from lop.models.cnn import CNN, ConvBlock
from lop.models.mlp import MLP, MLPBlock
from lop.models.resnet import BasicBlock, ResNet18
from lop.models.vit import Attention, Block, FeedForward, PatchEmbed, ViT

from .profile import Profile
from .registry import UnsupportedModuleError, register_rule, set_param
from .torch_rules import clone_dense


def register_chain(cls: type, *names: str) -> None:
    """Rule for a module whose forward applies the children `names` one after the other."""
    def rule(m, p_in, ctx, p_out):
        for i, n in enumerate(names):
            p_in = ctx.clone(getattr(m, n), p_in, p_out if i == len(names) - 1 else None)
        return p_in
    register_rule(cls)(rule)


register_chain(MLP, "flatten", "layers", "head")
register_chain(MLPBlock, "fc", "norm", "act", "probe", "drop")
register_chain(ConvBlock, "conv", "norm", "act", "probe", "pool")
register_chain(CNN, "features", "flatten", "fc", "act", "probe", "drop", "head")
register_chain(ResNet18, "stem", "layers", "pool", "flatten", "drop", "head")
register_chain(PatchEmbed, "proj")


def _check_residual(a: Profile, b: Profile, where: str) -> None:
    if not a.same_as(b):
        raise UnsupportedModuleError(f"{where}: the two branches of a residual sum have different clone profiles")


@register_rule(BasicBlock)
def _basic_block(m: BasicBlock, p_in, ctx, p_out):
    p_sc = ctx.clone(m.shortcut, p_in)
    p = ctx.clone(m.act1, ctx.clone(m.norm1, ctx.clone(m.conv1, p_in)))
    p = ctx.clone(m.norm2, ctx.clone(m.conv2, p, p_sc))  # conv2 must land on the shortcut's profile
    _check_residual(p, p_sc, "BasicBlock")
    return ctx.clone(m.probe, ctx.clone(m.act2, p), p_out)


@register_rule(Attention)
def _attention(m: Attention, p_in, ctx, p_out):
    # Duplicate whole heads (heads x f, same head_dim): every clone head computes the base head's
    # logits q.k / sqrt(head_dim) exactly. Widening head_dim instead would scale the logits.
    f, H, hd = ctx.factor, m.heads, m.head_dim
    heads = Profile.interleaved(H, f).src                                    # clone head -> base head
    per_head = (heads[:, None] * hd + torch.arange(hd)).reshape(-1)   # (H*f*hd,)
    qkv_src = (torch.arange(3)[:, None] * (H * hd) + per_head).reshape(-1)  # (3, H*f, hd)
    p_in = p_in.resolve(m.qkv.in_features)
    clone_dense(m.qkv, p_in, Profile(qkv_src, f), "in_features", "out_features")
    p_heads = Profile(per_head, f)
    p_o = ctx.default_out(m.proj.out_features) if p_out is None else p_out
    clone_dense(m.proj, p_heads, p_o, "in_features", "out_features")
    m.heads = H * f
    ctx.visited.update({id(m.qkv), id(m.proj)})
    return ctx.clone(m.drop, p_o)


@register_rule(FeedForward)
def _feed_forward(m: FeedForward, p_in, ctx, p_out):
    p = ctx.clone(m.drop1, ctx.clone(m.act, ctx.clone(m.fc1, p_in)))
    return ctx.clone(m.drop2, ctx.clone(m.fc2, p, p_out))


@register_rule(Block)
def _vit_block(m: Block, p_in, ctx, p_out):
    p_attn = ctx.clone(m.attn, ctx.clone(m.norm1, p_in), p_in)  # residual: land on the stream's profile
    p_mlp = ctx.clone(m.mlp, ctx.clone(m.norm2, p_in), p_in)
    _check_residual(p_attn, p_in, "ViT Block attention")
    _check_residual(p_mlp, p_in, "ViT Block MLP")
    return ctx.clone(m.probe, p_in, p_out)


@register_rule(ViT)
def _vit(m: ViT, p_in, ctx, p_out):
    p = ctx.clone(m.patch_embed, p_in)  # residual stream: dim x f, interleaved
    # CLS token and position embedding are added into the stream: duplicate them like biases.
    set_param(m, "cls_token", p.select(m.cls_token.data, 2), {2: p})
    set_param(m, "pos_embed", p.select(m.pos_embed.data, 2), {2: p})
    p = ctx.clone(m.blocks, ctx.clone(m.drop, p))
    p = ctx.clone(m.norm, p)
    return ctx.clone(m.head, p, p_out)
