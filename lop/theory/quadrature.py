"""Gaussian expectations and Hermite coefficients by quadrature.

Default: piecewise Gauss-Legendre on [-L, L] = [-12, 12] against the N(0,1) density, split at unit
intervals and at the activation's kinks. Each piece's integrand is analytic, so this converges
spectrally even for ReLU/SELU (measured: ReLU Hermite coefficients to 1.2e-15 up to degree 1000, see
tests/theory/test_hermite_quadrature.py). Truncating at |z| = 12 costs < 1e-30.

Plain Gauss-Hermite (`method="gauss-hermite"`, at most 350 nodes: numpy's rule overflows beyond ~370)
is kept for comparison. It is spectral for smooth phi (tanh, first 31 coefficients: error 2e-6 / 2e-10 /
2e-15 with 50 / 100 / 200 nodes) but only O(1/n) across a kink (ReLU, first 11 coefficients: error
3.3e-3 / 1.6e-3 / 8.2e-4 with 50 / 100 / 200 nodes).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .activations import as_activation

HALF_WIDTH = 12.0  # P(|z| > 12) ~ 4e-33
NODES_PER_PIECE = 48  # resolves Hermite polynomials up to degree ~1000 on unit pieces


@lru_cache(maxsize=256)
def gaussian_rule(kinks: tuple[float, ...] = (), half_width: float = HALF_WIDTH,
                  m: int = NODES_PER_PIECE) -> tuple[np.ndarray, np.ndarray]:
    """Nodes z and weights w with sum(w f(z)) = E f(Z), Z ~ N(0,1), for f smooth between kinks."""
    breaks = np.arange(-half_width, half_width + 0.5, 1.0)
    inside = [k for k in kinks if -half_width < k < half_width]
    breaks = np.unique(np.concatenate([breaks, inside]))
    t, wt = np.polynomial.legendre.leggauss(m)
    lo, hi = breaks[:-1, None], breaks[1:, None]
    z = (lo + (hi - lo) * (t + 1) / 2).ravel()
    w = ((hi - lo) / 2 * wt).ravel() * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    z.setflags(write=False)
    w.setflags(write=False)
    return z, w


def gauss_expect(f, kinks=()) -> float:
    """E f(Z) for Z ~ N(0,1); `f` vectorised, smooth except at `kinks`."""
    z, w = gaussian_rule(tuple(sorted(float(k) for k in kinks)))
    return float(np.dot(w, f(z)))


def scaled_hermite(z: np.ndarray, sqrt_w: np.ndarray, n: int) -> np.ndarray:
    """Rows k = 0..n of sqrt(w) * h_k(z), h_k = He_k / sqrt(k!) (orthonormal under N(0,1)).

    The recurrence h_{k+1} = (z h_k - sqrt(k) h_{k-1}) / sqrt(k+1) is linear, so carrying the sqrt
    of the weight from the start keeps every value bounded (no overflow at large |z| and k).
    """
    out = np.empty((n + 1, z.size))
    out[0] = sqrt_w
    if n >= 1:
        out[1] = z * sqrt_w
    for k in range(1, n):
        out[k + 1] = (z * out[k] - math.sqrt(k) * out[k - 1]) / math.sqrt(k + 1)
    return out


def hermite_coefficients(phi, n: int, method: str = "piecewise", nodes: int = 200) -> np.ndarray:
    """a_k = E[phi(Z) h_k(Z)] for k = 0..n (orthonormal probabilists' Hermite), so phi = sum a_k h_k.

    method="piecewise": Gauss-Legendre split at the kinks (accurate to ~1e-15 for every activation here).
    method="gauss-hermite": `nodes`-point Gauss-Hermite; slow algebraic convergence across kinks.
    """
    phi = as_activation(phi)
    if int(n) != n or n < 0:
        raise ValueError(f"n (the highest Hermite degree) must be a non-negative integer, got {n!r}")
    n = int(n)
    if method == "piecewise":
        z, w = gaussian_rule(tuple(sorted(phi.kinks)))
    elif method == "gauss-hermite":
        if not 1 <= int(nodes) <= 350:
            raise ValueError(f"gauss-hermite nodes must be in 1..350 (numpy's rule overflows above), got {nodes}")
        z, w = np.polynomial.hermite_e.hermegauss(int(nodes))
        w = w / math.sqrt(2 * math.pi)
    else:
        raise ValueError(f"unknown method {method!r}; use 'piecewise' or 'gauss-hermite'")
    sqrt_w = np.sqrt(w)
    return scaled_hermite(z, sqrt_w, n) @ (sqrt_w * phi(z))


def moments(phi) -> dict:
    """E f, E f^2, Var f, E f'^2 for f = phi(a z + b), z ~ N(0,1)."""
    phi = as_activation(phi)
    z, w = gaussian_rule(tuple(sorted(phi.kinks)))
    f, df = phi(z), phi.derivative(z)
    mean = float(w @ f)
    # Var from centred values: no cancellation when |mean| >> std (e.g. ReLU with a large bias).
    return {"mean": mean, "second": float(w @ (f * f)), "var": float(w @ (f - mean) ** 2),
            "dsecond": float(w @ (df * df))}
