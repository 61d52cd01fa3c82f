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
    # Cosines from the Gram matrix: one (units x units) product, no normalised copy of H (which has
    # rows = samples x positions, e.g. 51,200 for a conv layer).
    gram = H.T @ H
    norms = gram.diagonal().clamp_min(0).sqrt()
    cos = gram / (norms[:, None] * norms[None, :]).clamp_min(1e-300)
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


def _rank_rows(H: torch.Tensor, max_rows: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The float64 row subsample both ranks read (drawn once), NaN/inf zeroed, and whether H was finite."""
    H = _subsample_rows(_check(H), max_rows).double()
    finite = torch.isfinite(H).all()
    return torch.nan_to_num(H, nan=0.0, posinf=0.0, neginf=0.0), finite  # results masked by `finite`


def singular_values(H: torch.Tensor, max_rows: int = MAX_RANK_ROWS, center: bool = False) -> torch.Tensor:
    H, finite = _rank_rows(H, max_rows)
    if center:
        H = H - H.mean(dim=0, keepdim=True)
    s = torch.linalg.svdvals(H)
    # A diverged network yields NaN ranks rather than an exception mid-run (no host sync to decide).
    return torch.where(finite, s, torch.full_like(s, float("nan")))


def _effective_rank(s: torch.Tensor) -> torch.Tensor:
    total = s.sum()
    p = s / total.clamp_min(1e-300)
    entropy = -(p * torch.log(p.clamp_min(1e-300))).sum()
    return torch.where(total == 0, torch.zeros_like(total), torch.exp(entropy))  # all-zero H: rank 0; NaN stays NaN


def _stable_rank(Hc: torch.Tensor, finite: torch.Tensor) -> torch.Tensor:
    # sum s^2 = ||Hc||_F^2 and sum s^4 = ||Hc^T Hc||_F^2 (the eigenvalues of the Gram matrix are s^2):
    # the same number as from an SVD, for one small matrix product. The Gram is taken on the smaller side.
    gram = Hc.T @ Hc if Hc.shape[0] >= Hc.shape[1] else Hc @ Hc.T
    s2 = gram.diagonal().sum()
    denom = (gram * gram).sum()
    r = torch.where(denom == 0, torch.zeros_like(denom), s2 ** 2 / denom.clamp_min(1e-300))
    return torch.where(finite, r, torch.full_like(r, float("nan")))


def effective_rank(H: torch.Tensor, max_rows: int = MAX_RANK_ROWS) -> torch.Tensor:
    """exp(entropy of p), p = singular values of the uncentered H normalised to sum 1 (Roy & Vetterli)."""
    return _effective_rank(singular_values(H, max_rows))


def stable_rank(H: torch.Tensor, max_rows: int = MAX_RANK_ROWS) -> torch.Tensor:
    """(sum s^2)^2 / sum s^4 of the mean-centred H: the paper's 'stable rank' (Renyi-2 participation ratio).

    Not the same quantity as ||H||_F^2 / ||H||_2^2 or the 99%-energy srank used elsewhere in the literature.
    """
    H, finite = _rank_rows(H, max_rows)
    return _stable_rank(H - H.mean(dim=0, keepdim=True), finite)


def ranks(H: torch.Tensor, max_rows: int = MAX_RANK_ROWS) -> tuple[torch.Tensor, torch.Tensor]:
    """(effective_rank, stable_rank) of H from one row subsample and one float64 copy (what a probe uses)."""
    Hs, finite = _rank_rows(H, max_rows)
    s = torch.where(finite, torch.linalg.svdvals(Hs), torch.tensor(float("nan"), dtype=Hs.dtype, device=Hs.device))
    return _effective_rank(s), _stable_rank(Hs - Hs.mean(dim=0, keepdim=True), finite)
