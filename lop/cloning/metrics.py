"""Cloning metrics (paper Sec. 3, App. B): how exactly a network's units are still copies of each other.

H is (rows, units) as everywhere in lop.metrics (use `lop.models.flatten_units`). Clone blocks are given
as a (base_units, factor) LongTensor of unit indices (row j = the copies of base unit j), as returned by
`lop.cloning.clone_blocks`; by default the interleaved layout of `lop.cloning.clone_model` is assumed,
i.e. block j = units j*f .. j*f + f - 1.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn


def interleaved_blocks(units: int, factor: int) -> torch.Tensor:
    if factor < 1 or units % factor:
        raise ValueError(f"{units} units cannot form clone blocks of size factor={factor}")
    return torch.arange(units).reshape(units // factor, factor)


def _blocks(H: torch.Tensor, factor: int, blocks: torch.Tensor | None) -> torch.Tensor:
    if H.dim() != 2:
        raise ValueError(f"cloning metrics take H as (rows, units); got shape {tuple(H.shape)} "
                         "(flatten conv/token activations with lop.models.flatten_units)")
    if blocks is None:
        return interleaved_blocks(H.shape[1], factor).to(H.device)
    if blocks.dim() != 2 or blocks.shape[1] != factor or blocks.numel() != H.shape[1]:
        raise ValueError(f"blocks must be (base_units, factor={factor}) covering all {H.shape[1]} units; "
                         f"got {tuple(blocks.shape)}")
    return blocks.to(H.device)


def cloning_r2(H: torch.Tensor, factor: int, blocks: torch.Tensor | None = None) -> torch.Tensor:
    """Share of the layer's variance explained by the clone-block means (the paper's text, App. B).

    Predictor of H[:, u] = mean of H over u's clone block (same row). R^2 = 1 - Var(residual) / Var(H),
    both variances over all rows x units of the layer (the residual has zero mean by construction).
    Exact clones give 1; independent, identically distributed units give about 1/f (the block mean
    explains 1/f of the variance). A layer with zero total variance (e.g. all units dead) is trivially
    explained: returns 1.
    """
    b = _blocks(H, factor, blocks)
    Hd = H.double()
    grouped = Hd[:, b]                                       # (rows, base_units, factor)
    resid = grouped - grouped.mean(dim=2, keepdim=True)
    ss_res = resid.pow(2).sum()
    ss_tot = (Hd - Hd.mean()).pow(2).sum()
    if ss_tot == 0:
        return torch.ones((), dtype=torch.float64, device=H.device)
    return 1.0 - ss_res / ss_tot


def cloning_r2_upstream(H: torch.Tensor, factor: int, blocks: torch.Tensor | None = None,
                        eps: float = 1e-10) -> torch.Tensor:
    """Upstream's per-layer "cloning r2" (ajoudaki/loss-of-plasticity, src/utils/cloning.py,
    test_activation_cloning), reproduced for comparison (audit finding d7-cloning-r2).

    Per row: std over the f copies of each base unit, divided by the std over ALL units of that row
    (both unbiased), averaged over rows and base units: r2 = 1 - mean(std_within / (std_row + eps)).
    It is a ratio of standard deviations, not variances, normalised per row, so it is not an R^2 and
    not comparable to `cloning_r2`: exact clones give 1 for both, but i.i.d. Gaussian units give about
    1 - sqrt(2/pi) = 0.20 for f = 2 (cloning_r2: 0.5).
    """
    b = _blocks(H, factor, blocks)
    Hd = H.double()
    within = Hd[:, b].std(dim=2)                           # (rows, base_units)
    per_row = Hd.std(dim=1, keepdim=True)                  # (rows, 1)
    return 1.0 - (within / (per_row + eps)).mean()


def upstream_mean_r2(per_layer: dict[str, float]) -> float:
    """Upstream's summary 'mean' r2, with its averaging bug: the sum of the FORWARD entries divided by
    the number of ALL entries (forward + backward), i.e. about half the forward mean.

    `per_layer` maps upstream-style keys '<layer>_forward' / '<layer>_backward' to values.
    """
    if not per_layer:
        raise ValueError("no per-layer r2 values")
    return sum(v for k, v in per_layer.items() if "forward" in k) / len(per_layer)


def clone_match_error(H_clone: torch.Tensor, H_base: torch.Tensor, factor: int,
                      blocks: torch.Tensor | None = None) -> torch.Tensor:
    """max_{rows, j, copies} |H_clone[:, copy of j] - H_base[:, j]| / max|H_base| (0 for an exact clone)."""
    b = _blocks(H_clone, factor, blocks)
    if H_base.dim() != 2 or H_base.shape != (H_clone.shape[0], b.shape[0]):
        raise ValueError(f"H_base must be (rows, base_units) = {(H_clone.shape[0], b.shape[0])}; "
                         f"got {tuple(H_base.shape)}")
    diff = (H_clone.double()[:, b] - H_base.double()[:, :, None]).abs().max()
    scale = H_base.double().abs().max()
    return diff / scale if scale > 0 else diff


def probe_forward_backward(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                           loss_fn: Callable = F.cross_entropy) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """{probe name: (H, G)} on one batch: H the probe's activations, G = dLoss/dH, both (rows, units).

    Runs in the model's current mode (train mode: dropout active, BatchNorm on batch statistics);
    BatchNorm running statistics are restored afterwards and parameter .grad is not touched
    (the gradients come from torch.autograd.grad on the probe outputs).
    """
    from lop.models import flatten_units
    from lop.probing import ProbeRecorder  # here, not at the top: lop.probing imports lop.metrics, which imports this
    saved = {n: b.clone() for n, b in model.named_buffers()}
    try:
        with torch.enable_grad(), ProbeRecorder(model) as rec:
            loss = loss_fn(model(x), y)
            acts = rec.acts
            names = [n for n, a in acts.items() if a.requires_grad]
            grads = torch.autograd.grad(loss, [acts[n] for n in names], allow_unused=True)
    finally:
        with torch.no_grad():
            for n, b in model.named_buffers():
                b.copy_(saved[n])
    gmap = dict(zip(names, grads))
    out = {}
    for n, a in acts.items():
        g = gmap.get(n)
        g = torch.zeros_like(a) if g is None else g
        out[n] = (flatten_units(a.detach()), flatten_units(g.detach()))
    return out


def layer_cloning_r2(model_clone: nn.Module, x: torch.Tensor, y: torch.Tensor, factor: int,
                     loss_fn: Callable = F.cross_entropy, upstream: bool = False) -> dict[str, dict[str, torch.Tensor]]:
    """{probe name: {"forward": R^2 of activations, "backward": R^2 of dLoss/dactivations}} of a clone.

    Blocks come from the clone profile recorded by `lop.cloning.clone_model` on each probe.
    `upstream=True` uses `cloning_r2_upstream` instead of the paper-text definition.
    """
    from lop.cloning import clone_blocks
    r2 = cloning_r2_upstream if upstream else cloning_r2
    out = {}
    for name, (H, G) in probe_forward_backward(model_clone, x, y, loss_fn).items():
        b = clone_blocks(model_clone, name, factor)
        out[name] = {"forward": r2(H, factor, b), "backward": r2(G, factor, b)}
    return out


def mean_cloning_r2(per_layer: dict[str, dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """Average over layers (paper text: "averaged over layers, forward and backward")."""
    return {d: torch.stack([v[d] for v in per_layer.values()]).mean() for d in ("forward", "backward")}
