"""Metrics the field uses under one name with different definitions, each under its own name.

H is (rows, units) as in lop.metrics (flatten conv / token activations with lop.models.flatten_units).
The paper's metric definitions use exactly two of these, and lop.metrics computes those for the figures:

  stable rank  -> `stable_rank_participation` (= lop.metrics.stable_rank): (sum s^2)^2 / sum s^4 of the
                  mean-centred H, the Renyi-2 participation ratio
  dormancy     -> `dead_fraction` (= lop.metrics.dead_fraction): |h| < eps on more than 95% of the rows

The others, for comparison with other papers and codebases:

  stable_rank_norm_ratio  ||H||_F^2 / ||H||_2^2 = sum s^2 / max s^2  (the numerical-analysis stable rank,
                          e.g. Rudelson & Vershynin 2007), of H as given (uncentred)
  srank                   min k with sum_{i<=k} s_i >= (1 - delta) sum s  (Kumar et al. 2021, singular values
                          themselves, delta = 0.01: "rank up to 99%")
  energy_rank             min k with sum_{i<=k} s_i^2 >= energy * sum s^2  (99% of the squared spectrum,
                          the PCA "explained variance" count)
  redo_scores / redo_dormant_fraction  Sokar et al. 2023: s_i = mean|h_i| / mean over units of mean|h|;
                          a unit is tau-dormant if s_i <= tau (the score is scale-free; the paper's dead
                          fraction uses an absolute eps instead)

All SVD-based variants subsample rows like lop.metrics (at most `max_rows`, fixed generator).
"""
from __future__ import annotations

import torch

from . import metrics
from .metrics import dead_fraction, singular_values

stable_rank_participation = metrics.stable_rank

__all__ = ["dead_fraction", "energy_rank", "redo_dormant_fraction", "redo_scores", "srank", "stable_rank_norm_ratio",
           "stable_rank_participation"]


def stable_rank_norm_ratio(H: torch.Tensor, max_rows: int = metrics.MAX_RANK_ROWS, center: bool = False) -> torch.Tensor:
    """||H||_F^2 / ||H||_2^2 (0 for an all-zero H)."""
    s2 = singular_values(H, max_rows, center=center) ** 2
    top = s2.max()
    return torch.where(top == 0, torch.zeros_like(top), s2.sum() / top.clamp_min(1e-300))


def _count_to(share: torch.Tensor, level: float) -> torch.Tensor:
    """Smallest k with cumulative share >= level (shares of a non-negative spectrum, sorted descending)."""
    total = share.sum()
    cum = torch.cumsum(share, 0) / total.clamp_min(1e-300)
    k = (cum < level - 1e-12).sum() + 1  # the tolerance keeps an exact 0.99 from rounding one unit up
    return torch.where(total == 0, torch.zeros_like(k), k).to(torch.float64)


def srank(H: torch.Tensor, delta: float = 0.01, max_rows: int = metrics.MAX_RANK_ROWS) -> torch.Tensor:
    """Kumar et al. (2021) srank_delta: singular values (not squared) up to 1 - delta of their sum."""
    return _count_to(singular_values(H, max_rows), 1 - delta)


def energy_rank(H: torch.Tensor, energy: float = 0.99, max_rows: int = metrics.MAX_RANK_ROWS) -> torch.Tensor:
    """Number of squared singular values holding `energy` of sum s^2."""
    return _count_to(singular_values(H, max_rows) ** 2, energy)


def redo_scores(H: torch.Tensor) -> torch.Tensor:
    """Per-unit ReDo score mean|h_i| / mean_k mean|h_k| (all zeros when the whole layer is silent)."""
    a = metrics._check(H).abs().mean(dim=0)
    layer = a.mean()
    return torch.where(layer > 0, a / layer.clamp_min(1e-300), torch.zeros_like(a))


def redo_dormant_fraction(H: torch.Tensor, tau: float = 0.0) -> torch.Tensor:
    """Fraction of tau-dormant units (score <= tau; Sokar et al. report tau = 0 and 0.1)."""
    return (redo_scores(H) <= tau).float().mean()
