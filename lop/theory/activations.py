"""Activations as plain numpy functions of a standard Gaussian input: f(z) = phi(a z + b).

Each one knows its derivative in z (chain rule included: f'(z) = a phi'(a z + b)) and where it is not
smooth (`kinks`, in z), so that Gaussian expectations can split their quadrature there and stay exact.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, ndtr

# SELU constants (Klambauer et al. 2017, as in torch.nn.SELU).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _relu(u):
    return np.maximum(u, 0.0)


def _drelu(u):
    return (u > 0).astype(float)  # relu'(0) = 0, as in torch


def _dtanh(u):
    return 1.0 - np.tanh(u) ** 2


def _gelu(u):
    return u * ndtr(u)  # exact (erf) GELU, torch's default


def _dgelu(u):
    return ndtr(u) + u * np.exp(-0.5 * u * u) / math.sqrt(2 * math.pi)


def _dsigmoid(u):
    s = expit(u)
    return s * (1.0 - s)


def _elu(u, alpha=1.0, scale=1.0):
    return scale * np.where(u > 0, u, alpha * np.expm1(np.minimum(u, 0.0)))


def _delu(u, alpha=1.0, scale=1.0):
    return scale * np.where(u > 0, 1.0, alpha * np.exp(np.minimum(u, 0.0)))


# name -> (phi, phi', non-smooth points of phi in its own argument u)
_TABLE = {
    "relu": (_relu, _drelu, (0.0,)),
    "tanh": (np.tanh, _dtanh, ()),
    "gelu": (_gelu, _dgelu, ()),
    "sigmoid": (expit, _dsigmoid, ()),
    "selu": (lambda u: _elu(u, SELU_ALPHA, SELU_SCALE), lambda u: _delu(u, SELU_ALPHA, SELU_SCALE), (0.0,)),
    "elu": (_elu, _delu, (0.0,)),  # C^1 at 0 for alpha = 1, but phi'' jumps: still a quadrature breakpoint
    "linear": (lambda u: u * 1.0, lambda u: np.ones_like(u), ()),
}
NAMES = tuple(_TABLE)


@dataclass(frozen=True)
class Activation:
    """f(z) = phi(a z + b); hashable so that per-activation quantities can be cached."""

    name: str
    a: float = 1.0
    b: float = 0.0

    def __call__(self, z):
        return _TABLE[self.name][0](self.a * np.asarray(z, dtype=float) + self.b)

    def derivative(self, z):
        """df/dz = a phi'(a z + b)."""
        return self.a * _TABLE[self.name][1](self.a * np.asarray(z, dtype=float) + self.b)

    @property
    def kinks(self) -> tuple[float, ...]:
        """Points z where f or f' (or f'') is not smooth."""
        return tuple((u - self.b) / self.a for u in _TABLE[self.name][2])

    def __str__(self):
        return f"{self.name}({self.a:g}z{self.b:+g})"


def activation(name: str, a: float = 1.0, b: float = 0.0) -> Activation:
    """phi(a z + b) for phi in relu, tanh, gelu, sigmoid, selu, elu, linear."""
    if name not in _TABLE:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(NAMES)}")
    a, b = float(a), float(b)
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"activation {name!r}: gain a={a} and bias b={b} must be finite")
    if a == 0.0:
        raise ValueError(f"activation {name!r}: gain a must be nonzero (phi(b) is a constant, "
                         "its correlation kernel is undefined)")
    return Activation(name, a, b)


def as_activation(phi) -> Activation:
    """Accept an Activation or a name."""
    if isinstance(phi, Activation):
        return phi
    if isinstance(phi, str):
        return activation(phi)
    raise TypeError(f"expected an Activation (lop.theory.activation(name, a, b)) or a name, got {type(phi).__name__}")
