"""Small shared pieces of the manifold tests (models at test sizes, randomised norm state, training)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from lop.models import build_model

SIZES = {
    "mlp": dict(width=16, depth=3),
    "cnn": dict(channels=[4, 8, 8], fc=16),
    "resnet": dict(width=4),
    "vit": dict(patch=4, dim=16, depth=2, heads=2),
}
IN_SHAPE = (3, 8, 8)
CLASSES = 10


def make_model(arch, norm="none", affine=True, dropout=0.0, seed=0, **overrides):
    torch.manual_seed(seed)
    m = build_model(arch, in_shape=IN_SHAPE, num_classes=CLASSES, norm=norm, affine=affine, dropout=dropout,
                    **{**SIZES[arch], **overrides})
    randomise_state(m, seed)
    return m


def randomise_state(model, seed=0):
    """Give every 1-d parameter (biases, norm affine, CLS) and BatchNorm running statistic a random value,
    so that cloning them is actually tested (defaults 0/1 would be duplicated by accident)."""
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if p.dim() == 1 or "cls_token" in n:
                p.add_(0.3 * torch.randn(p.shape, generator=g))
        for n, b in model.named_buffers():
            if n.endswith("running_mean"):
                b.copy_(0.2 * torch.randn(b.shape, generator=g))
            elif n.endswith("running_var"):
                b.copy_(0.5 + torch.rand(b.shape, generator=g))


def batches(n=4, batch=8, seed=0):
    g = torch.Generator().manual_seed(seed + 100)
    return [(torch.randn(batch, *IN_SHAPE, generator=g), torch.randint(0, CLASSES, (batch,), generator=g))
            for _ in range(n)]


def train(model, opt, data, steps, grad_hook=None):
    model.train()
    for t in range(steps):
        x, y = data[t % len(data)]
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        if grad_hook is not None:
            grad_hook(model)
        opt.step()
    return model


def rel_err(a, b):
    return ((a - b).abs().max() / b.abs().max()).item()
