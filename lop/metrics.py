"""Representation metrics, exactly as the paper defines them (Sec. 3, App. B).

Every function takes H as (rows, units): samples (x spatial positions x tokens) by units; use
`lop.models.flatten_units` for conv / token activations. Results are 0-dim tensors on H's device, so a
training loop can log them without a host sync.
"""
from __future__ import annotations

import torch

# Row cap for the SVD-based ranks (subsampled to at most 1024 rows with a fixed generator).
MAX_RANK_ROWS = 1024
_SUBSAMPLE_SEED = 0


def _check(H: torch.Tensor) -> torch.Tensor:
    if H.dim() != 2:
        raise ValueError(f"metrics take H as (rows, units); got shape {tuple(H.shape)} "
                         "(flatten conv/token activations with lop.models.flatten_units)")
    if H.shape[0] == 0 or H.shape[1] == 0:
        raise ValueError(f"empty activation matrix {tuple(H.shape)}")
    return H


def dead_fraction(H: torch.Tensor, eps: float = 1e-7, frac: float = 0.95) -> torch.Tensor:
    """Fraction of units with |H_ij| < eps on more than `frac` of the rows."""
    H = _check(H)
    inactive = (H.abs() < eps).float().mean(dim=0)
    return (inactive > frac).float().mean()


def duplicate_fraction(H: torch.Tensor, threshold: float = 0.95) -> torch.Tensor:
    """Fraction of units that have an EARLIER unit with cosine similarity > threshold.

    Cosine of the uncentered unit columns (paper App. B); a group of m copies counts m - 1.
    All-zero columns have no direction and never count as duplicates.
    """
    H = _check(H).double()
    norms = H.norm(dim=0)
    Hn = H / norms.clamp_min(1e-30)
    cos = Hn.T @ Hn
    cos = cos * ((norms > 0)[:, None] & (norms > 0)[None, :])
    earlier = torch.ones_like(cos, dtype=torch.bool).tril(diagonal=-1)  # [j, i] with i < j
    dup = ((cos > threshold) & earlier).any(dim=1)
    return dup.float().mean()


def saturated_fraction(H: torch.Tensor, G: torch.Tensor, ratio: float = 1e-4, frac: float = 0.99,
                       eps: float = 1e-12) -> torch.Tensor:
    """Fraction of units whose gradient is negligible relative to their typical activation.

    r_ij = |G_ij| / max(mean_i |H_ij|, eps) with G = dLoss/dH; a unit is saturated if r < ratio on
    more than `frac` of the rows.
    """
    H, G = _check(H), _check(G)
    if H.shape != G.shape:
        raise ValueError(f"H {tuple(H.shape)} and G {tuple(G.shape)} must have the same shape")
    scale = H.abs().mean(dim=0).clamp_min(eps)
    r = G.abs() / scale
    return ((r < ratio).float().mean(dim=0) > frac).float().mean()


def _subsample_rows(H: torch.Tensor, max_rows: int) -> torch.Tensor:
    if H.shape[0] <= max_rows:
        return H
    g = torch.Generator(device="cpu").manual_seed(_SUBSAMPLE_SEED)
    idx = torch.randperm(H.shape[0], generator=g)[:max_rows].to(H.device)
    return H.index_select(0, idx)


def singular_values(H: torch.Tensor, max_rows: int = MAX_RANK_ROWS, center: bool = False) -> torch.Tensor:
    H = _subsample_rows(_check(H), max_rows).double()
    finite = torch.isfinite(H).all()
    H = torch.nan_to_num(H, nan=0.0, posinf=0.0, neginf=0.0)  # SVD cannot take them; result masked below
    if center:
        H = H - H.mean(dim=0, keepdim=True)
    s = torch.linalg.svdvals(H)
    # A diverged network yields NaN ranks rather than an exception mid-run (no host sync to decide).
    return torch.where(finite, s, torch.full_like(s, float("nan")))


def effective_rank(H: torch.Tensor, max_rows: int = MAX_RANK_ROWS) -> torch.Tensor:
    """exp(entropy of p), p = singular values of the uncentered H normalised to sum 1 (Roy & Vetterli)."""
    s = singular_values(H, max_rows)
    total = s.sum()
    p = s / total.clamp_min(1e-300)
    entropy = -(p * torch.log(p.clamp_min(1e-300))).sum()
    return torch.where(total == 0, torch.zeros_like(total), torch.exp(entropy))  # all-zero H: rank 0; NaN stays NaN


def stable_rank(H: torch.Tensor, max_rows: int = MAX_RANK_ROWS) -> torch.Tensor:
    """(sum s^2)^2 / sum s^4 of the mean-centred H: the paper's 'stable rank' (Renyi-2 participation ratio).

    Not the same quantity as ||H||_F^2 / ||H||_2^2 or the 99%-energy srank used elsewhere in the literature.
    """
    s2 = singular_values(H, max_rows, center=True) ** 2
    denom = (s2 ** 2).sum()
    return torch.where(denom == 0, torch.zeros_like(denom), s2.sum() ** 2 / denom.clamp_min(1e-300))


# Cloning metrics (paper Sec. 3, App. B) live beside the cloning code; re-exported here as the public API.
from .cloning.metrics import clone_match_error, cloning_r2  # noqa: E402,F401
