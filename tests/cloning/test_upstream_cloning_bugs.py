"""Audit finding d7-vit-cloning: upstream's cloning is not function-preserving for the ViT (it doubles the embedding
dim but keeps the number of heads, so each head's dim doubles) and skips GroupNorm. Both are rebuilt here
"the upstream way" (interleaved expansion of every doubled axis, weights fed by doubled inputs / 2;
ajoudaki/loss-of-plasticity src/utils/cloning.py) and compared with lop.cloning. Runtime ~2 s."""
import math

import torch
from torch import nn

from lop.cloning import clone_model
from lop.models import build_model
from manifold_helpers import IN_SHAPE, batches, make_model, rel_err

INPUT_AXIS = {nn.Linear: 1, nn.Conv2d: 1}


def upstream_fill(base: nn.Module, big: nn.Module) -> nn.Module:
    """Copy base into the wider `big` as upstream does: every axis whose size doubled is expanded with
    big[j::2] = base (interleaved); a weight's input axis also divides by 2. Modules of types upstream
    does not handle (GroupNorm) keep their fresh initialisation."""
    handled = (nn.Linear, nn.Conv2d, nn.LayerNorm, nn.BatchNorm1d, nn.BatchNorm2d)
    with torch.no_grad():
        for (name, mb), (_, mg) in zip(base.named_modules(), big.named_modules()):
            own = list(mb.named_parameters(recurse=False))
            if not own or (name and not isinstance(mb, handled)):
                continue
            for pname, pb in own:
                pg = getattr(mg, pname)
                t = pb.detach()
                for axis in range(t.dim()):
                    if pg.shape[axis] == 2 * t.shape[axis]:
                        t = t.repeat_interleave(2, axis)
                        if axis == INPUT_AXIS.get(type(mb)) and pname == "weight":
                            t = t / 2
                pg.copy_(t)
    return big


def first_attention_logits(vit: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """q k^T / sqrt(head_dim) of the first block, shape (B, heads, T, T)."""
    h = vit.patch_embed(x)
    h = torch.cat([vit.cls_token.expand(h.shape[0], -1, -1), h], 1) + vit.pos_embed
    attn = vit.blocks[0].attn
    b, t, _ = h.shape
    q, k, _ = attn.qkv(vit.blocks[0].norm1(h)).reshape(b, t, 3, attn.heads, attn.head_dim).permute(2, 0, 3, 1, 4)
    return q @ k.transpose(-1, -2) / math.sqrt(attn.head_dim)


def test_vit_widened_heads_scale_logits_by_sqrt2():
    base = make_model("vit", "layer").eval()
    x, _ = batches(1)[0]
    ours = clone_model(base).eval()
    widened = upstream_fill(base, build_model("vit", in_shape=IN_SHAPE, num_classes=10, norm="layer",
                                              patch=4, dim=32, depth=2, heads=2)).eval()
    assert widened.blocks[0].attn.head_dim == 2 * base.blocks[0].attn.head_dim
    with torch.no_grad():
        y, y_ours, y_up = base(x), ours(x), widened(x)
        L, L_up = first_attention_logits(base, x), first_attention_logits(widened, x)
    assert rel_err(y_ours, y) <= 1e-10                      # duplicated heads: exact
    assert rel_err(L_up, math.sqrt(2) * L) <= 1e-12         # widened heads: logits x sqrt(2)
    assert rel_err(y_up, y) > 1e-3                          # so the clone computes another function


def test_groupnorm_left_uncloned_breaks_equality():
    """CNN with "layer" norm = GroupNorm(1, C) and trained (here: random) affine parameters. Upstream
    leaves GroupNorm at its fresh init (weight 1, bias 0) in the wide model; lop clones it."""
    base = make_model("cnn", "layer", affine=True).eval()
    x, _ = batches(1)[0]
    big = build_model("cnn", in_shape=IN_SHAPE, num_classes=10, norm="layer", channels=[8, 16, 16], fc=32)
    upstream = upstream_fill(base, big).eval()
    with torch.no_grad():
        assert rel_err(clone_model(base)(x), base(x)) <= 1e-10
        assert rel_err(upstream(x), base(x)) > 1e-3
        # the only difference is the GroupNorm affine parameters: copying them restores equality
        for mb, mu in zip(base.modules(), upstream.modules()):
            if isinstance(mb, nn.GroupNorm):
                mu.weight.copy_(mb.weight.repeat_interleave(2))
                mu.bias.copy_(mb.bias.repeat_interleave(2))
        assert rel_err(upstream(x), base(x)) <= 1e-10
