"""Stability of the cloning manifold (Definition A.2): the Hessian of the loss restricted to the normal
space of M_C at a cloned point.

M_C (Theorem 2.1(2)): inside every block pair of a weight tensor the row sums and the column sums are
equal; along a single cloned axis (biases, norm parameters, the first/last layer) the copies are equal.
Its tangent space at a point is, per block pair, "grand mean + interaction" of the ANOVA decomposition
of a perturbation; the normal space is "row effects + column effects":
    P_N(D) = M_in(D) + M_out(D) - 2 M_both(D)      (two cloned axes)
    P_N(D) = D - M_axis(D)                          (one cloned axis)
with M_S the mean over the copies along the axes S. Gradient flow near M_C moves the normal component
d by -P_N H P_N d, so (Def A.2) M_C is stable if H_NN is positive definite, unstable if negative
definite, a saddle if indefinite (degenerate if some normal curvature is ~0).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from torch import nn

from .registry import clone_parameter_axes


def _copy_mean(t: torch.Tensor, axis: int, src: torch.Tensor) -> torch.Tensor:
    """Replace every entry along `axis` by the mean over the copies of its base unit."""
    src = src.to(t.device)
    n_base = int(src.max()) + 1
    shape = list(t.shape)
    shape[axis] = n_base
    sums = torch.zeros(shape, dtype=t.dtype, device=t.device).index_add_(axis, src, t)
    counts = torch.bincount(src, minlength=n_base).to(t.dtype)
    view = [1] * t.dim()
    view[axis] = n_base
    return (sums / counts.reshape(view)).index_select(axis, src)


class NormalSpace:
    """Orthogonal projection onto the normal space of M_C for the parameters of a clone_model output."""

    def __init__(self, model_clone: nn.Module):
        axes = clone_parameter_axes(model_clone)
        if not axes:
            raise ValueError("the model has no cloned parameters: pass the output of lop.cloning.clone_model")
        self.names = [n for n, _ in model_clone.named_parameters()]
        self.axes = [axes.get(n, {}) for n in self.names]
        for n, ax in zip(self.names, self.axes):
            if len(ax) > 2:
                raise ValueError(f"parameter {n} has {len(ax)} cloned axes; only 1 or 2 are supported")

    def project(self, vecs: list[torch.Tensor]) -> list[torch.Tensor]:
        out = []
        for v, ax in zip(vecs, self.axes):
            items = list(ax.items())
            if not items:
                out.append(torch.zeros_like(v))          # no cloned axis: entirely tangent
            elif len(items) == 1:
                a, s = items[0]
                out.append(v - _copy_mean(v, a, s))
            else:
                (a, sa), (b, sb) = items
                ma, mb = _copy_mean(v, a, sa), _copy_mean(v, b, sb)
                out.append(ma + mb - 2 * _copy_mean(ma, b, sb))
        return out

    def dim(self, params: list[torch.Tensor]) -> int:
        """Dimension of the normal space (trace of the projector): per block pair of f_a x f_b copies,
        (f_a - 1) row effects + (f_b - 1) column effects."""
        total = 0
        for p, ax in zip(params, self.axes):
            fs = [len(s) // (int(s.max()) + 1) for s in ax.values()]
            if fs:
                f_a, f_b = (fs + [1])[:2]
                total += p.numel() * (f_a + f_b - 2) // (f_a * f_b)
        return total

    def random(self, params: list[torch.Tensor], generator: torch.Generator) -> list[torch.Tensor]:
        """A random unit-norm normal direction (Gaussian, projected, normalised)."""
        g = [torch.randn(p.shape, generator=generator, dtype=p.dtype).to(p.device) for p in params]
        n = self.project(g)
        norm = torch.sqrt(sum((x * x).sum() for x in n))
        return [x / norm for x in n]


def _flat(vs):
    return torch.cat([v.reshape(-1) for v in vs])


@dataclass
class StabilityResult:
    kind: str                       # "stable" | "unstable" | "saddle" | "degenerate"
    curvatures: np.ndarray          # v^T H v for random unit normal directions v
    lambda_min: float               # extreme eigenvalues of H restricted to the normal space
    lambda_max: float
    grad_normal_norm: float         # |P_N grad L| / |grad L|: ~0 on M_C (Def 2.1: gradient tangent)
    normal_dim: int


def classify_cloned_manifold(model_clone: nn.Module, loss_fn: Callable[[nn.Module], torch.Tensor],
                             n_directions: int = 32, seed: int = 0, rel_tol: float = 1e-6) -> StabilityResult:
    """Classify M_C at the clone's current parameters (Definition A.2).

    `loss_fn(model)` returns the (deterministic, full-batch) loss. Curvature samples are Rayleigh
    quotients along `n_directions` random normal directions; the class is decided by the extreme
    eigenvalues of P_N H P_N on the normal space (scipy eigsh on Hessian-vector products), with
    |lambda| <= rel_tol * max|lambda| counted as zero.
    """
    from scipy.sparse.linalg import LinearOperator, eigsh

    space = NormalSpace(model_clone)
    params = [p for p in model_clone.parameters()]
    loss = loss_fn(model_clone)
    grads = torch.autograd.grad(loss, params, create_graph=True)

    def hvp(vs):
        return torch.autograd.grad(grads, params, grad_outputs=vs, retain_graph=True)

    g_flat = _flat([g.detach() for g in grads])
    gn = _flat(space.project([g.detach() for g in grads])).norm() / g_flat.norm().clamp_min(1e-300)

    gen = torch.Generator().manual_seed(seed)
    curv = []
    for _ in range(n_directions):
        v = space.random(params, gen)
        curv.append(float(sum((a * b).sum() for a, b in zip(v, hvp(v)))))

    shapes = [p.shape for p in params]
    sizes = [p.numel() for p in params]

    def unflat(x):
        t = torch.as_tensor(x, dtype=params[0].dtype, device=params[0].device)
        return [c.reshape(s) for c, s in zip(torch.split(t, sizes), shapes)]

    def op(shift):
        # P H P on N; shift * (I - P) pushes the tangent directions out of the way of the extreme end.
        def mv(x):
            v = unflat(np.ravel(x))
            pv = space.project(v)
            out = _flat(space.project(list(hvp(pv)))) + shift * (_flat(v) - _flat(pv))
            return out.detach().cpu().numpy()
        n = sum(sizes)
        return LinearOperator((n, n), matvec=mv, dtype=np.float64)

    scale = max(abs(c) for c in curv) or 1.0
    big = 1e3 * scale
    lam_min = float(eigsh(op(+big), k=1, which="SA", tol=1e-10, return_eigenvectors=False)[0])
    lam_max = float(eigsh(op(-big), k=1, which="LA", tol=1e-10, return_eigenvectors=False)[0])
    zero = rel_tol * max(abs(lam_min), abs(lam_max), 1e-300)
    if lam_min > zero:
        kind = "stable"
    elif lam_max < -zero:
        kind = "unstable"
    elif lam_min < -zero and lam_max > zero:
        kind = "saddle"
    else:
        kind = "degenerate"
    return StabilityResult(kind, np.array(curv), lam_min, lam_max, float(gn), space.dim(params))
