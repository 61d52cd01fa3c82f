"""ViT (paper App. B): patch embedding, CLS token + learned position embedding, `depth` pre-norm
blocks (multi-head self-attention, MLP with GELU and ratio 4), final norm, linear head on the CLS token.
Dropout p applies to the attention output, MLP and embeddings, and to the attention weights unless
`attn_dropout` (config `models.vit.attn_dropout`) sets that rate on its own: null follows p (the text,
"dropout 0.1 (also attention)"); the authors' config fixed it at 0.1 (conf/model/vit.yaml attn_drop_rate)
whatever their dropout_p, so their "no dropout" ViTs still dropped attention weights. Probe points: the
residual stream after each block.

Attention keeps an explicit fused qkv projection laid out (3, heads, head_dim) so that cloning can
duplicate whole heads (lop.cloning): a clone has 2x heads of the same head dim, which is exactly
function-preserving, unlike widening each head (which scales the logits by sqrt(2)).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .common import make_norm, named_probe


class Attention(nn.Module):
    def __init__(self, dim, heads, head_dim, dropout, attn_dropout):
        super().__init__()
        self.heads, self.head_dim, self.p = heads, head_dim, attn_dropout  # p: on the attention weights
        self.qkv = nn.Linear(dim, 3 * heads * head_dim)
        self.proj = nn.Linear(heads * head_dim, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(x).reshape(b, t, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v, dropout_p=self.p if self.training else 0.0)
        return self.drop(self.proj(out.transpose(1, 2).reshape(b, t, self.heads * self.head_dim)))


class FeedForward(nn.Module):
    def __init__(self, dim, hidden, dropout):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.drop1 = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, dim)
        self.drop2 = nn.Dropout(dropout)

    def forward(self, x):
        return self.drop2(self.fc2(self.drop1(self.act(self.fc1(x)))))


class Block(nn.Module):
    def __init__(self, dim, heads, head_dim, mlp_hidden, norm, affine, dropout, attn_dropout, name):
        super().__init__()
        self.norm1 = make_norm(norm, "token", dim, affine)
        self.attn = Attention(dim, heads, head_dim, dropout, attn_dropout)
        self.norm2 = make_norm(norm, "token", dim, affine)
        self.mlp = FeedForward(dim, mlp_hidden, dropout)
        self.probe = named_probe(name)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return self.probe(x + self.mlp(self.norm2(x)))


class PatchEmbed(nn.Module):
    def __init__(self, in_ch, dim, patch):
        super().__init__()
        self.proj = nn.Conv2d(in_ch, dim, patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # (B, tokens, dim)


class ViT(nn.Module):
    def __init__(self, in_shape, num_classes, *, patch=8, dim=384, depth=6, heads=6, mlp_ratio=4, norm="none",
                 affine=True, dropout=0.0, head_dim=None, attn_dropout=None):
        super().__init__()
        attn_dropout = dropout if attn_dropout is None else attn_dropout
        if not 0.0 <= attn_dropout < 1.0:
            raise ValueError(f"models.vit.attn_dropout must be in [0, 1) or null; got {attn_dropout}")
        c, h, w = in_shape
        if h % patch or w % patch:
            raise ValueError(f"ViT patch {patch} must divide the image size {h}x{w}")
        if head_dim is None:
            if dim % heads:
                raise ValueError(f"ViT dim {dim} is not divisible by heads {heads}")
            head_dim = dim // heads
        n_tokens = (h // patch) * (w // patch) + 1
        self.patch_embed = PatchEmbed(c, dim, patch)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.randn(1, n_tokens, dim) * 0.02)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.Sequential(*[
            Block(dim, heads, head_dim, dim * mlp_ratio, norm, affine, dropout, attn_dropout, f"block{i + 1}")
            for i in range(depth)
        ])
        self.norm = make_norm(norm, "token", dim, affine)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
        x = self.blocks(self.drop(x + self.pos_embed))
        return self.head(self.norm(x)[:, 0])
