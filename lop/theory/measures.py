"""Rank surrogates and per-activation scalars of Section 3 / Appendix A.1 (and the June-draft alpha)."""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import ndtr

from .activations import as_activation
from .kernels import dual_kernel, dual_kernel_matrix
from .quadrature import HALF_WIDTH, moments


def _square(M) -> np.ndarray:
    M = np.asarray(M, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] == 0:
        raise ValueError(f"expected a non-empty square matrix, got shape {M.shape}")
    return M


def er2(M) -> float:
    """Renyi-2 effective rank (tr M)^2 / ||M||_F^2 (for a PSD M: (sum lambda)^2 / sum lambda^2)."""
    M = _square(M)
    fro2 = float(np.sum(M * M))
    if fro2 == 0.0:
        raise ValueError("er2 of the zero matrix is undefined")
    return float(np.trace(M)) ** 2 / fro2


def effective_rank_spectrum(M, tol: float = 1e-10) -> float:
    """Shannon effective rank exp(H(p)), p = eigenvalues / their sum, of a symmetric PSD matrix."""
    M = _square(M)
    if not np.allclose(M, M.T, atol=tol, rtol=0):
        raise ValueError("effective_rank_spectrum expects a symmetric (PSD) matrix")
    lam = np.linalg.eigvalsh((M + M.T) / 2)
    if lam[0] < -tol * max(1.0, lam[-1]):
        raise ValueError(f"effective_rank_spectrum expects a PSD matrix; min eigenvalue {lam[0]:.3g}")
    lam = np.clip(lam, 0.0, None)
    if lam.sum() == 0:
        raise ValueError("effective rank of the zero matrix is undefined")
    p = lam[lam > 0] / lam.sum()
    return float(np.exp(-np.sum(p * np.log(p))))


def er2_gain(phi, C) -> float:
    """er2(K_phi(C)) / er2(C) (Theorem 3.1: >= 1)."""
    return er2(dual_kernel_matrix(phi, C)) / er2(C)


def kappa(phi, return_argmax: bool = False, grid: int = 2001):
    """Decorrelation strength max_{r in [0,1]} (r^2 - K(r)^2) (grid search refined by Brent)."""
    phi = as_activation(phi)
    r = np.linspace(0.0, 1.0, grid)
    gap = r * r - dual_kernel(phi, r) ** 2
    i = int(np.argmax(gap))
    lo, hi = r[max(i - 1, 0)], r[min(i + 1, grid - 1)]
    res = minimize_scalar(lambda x: -(x * x - dual_kernel(phi, x) ** 2), bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-10})
    best_r, best = (res.x, -res.fun) if -res.fun >= gap[i] else (r[i], gap[i])
    return (float(best), float(best_r)) if return_argmax else float(best)


def alpha(phi, centered: bool = False) -> float:
    """E[f'^2] / E[f^2] - 1 (June draft); centered: E[f'^2] / Var f - 1 (= K'(1) - 1 by Mehler)."""
    mo = moments(phi)
    return mo["dsecond"] / (mo["var"] if centered else mo["second"]) - 1.0


def frozen_fraction(phi, eps: float, step: float = 1e-3) -> float:
    """P(|f'(z)| < eps), z ~ N(0,1): the fraction of inputs on which the unit passes no gradient.

    The set {|f'| < eps} is located on a fine grid, its boundary points refined by Brent (also exact at
    jumps of f', e.g. ReLU's kink), and the Gaussian mass summed in closed form.
    """
    phi = as_activation(phi)
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps!r}")
    g = lambda z: np.abs(phi.derivative(z)) - eps  # noqa: E731
    z = np.arange(-HALF_WIDTH, HALF_WIDTH + step / 2, step)
    inside = g(z) < 0
    edges = [-np.inf]
    for i in np.flatnonzero(inside[1:] != inside[:-1]):
        edges.append(brentq(g, z[i], z[i + 1], xtol=1e-14) if g(z[i]) * g(z[i + 1]) < 0 else (z[i] + z[i + 1]) / 2)
    edges.append(np.inf)
    # segments alternate starting with the state at the left end (tails beyond +-12 are negligible)
    state, total = bool(inside[0]), 0.0
    for left, right in zip(edges[:-1], edges[1:]):
        if state:
            total += ndtr(right) - ndtr(left)
        state = not state
    return float(total)
