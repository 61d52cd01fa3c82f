"""Definition A.2: stability class of the cloning manifold of a trained small MLP, from Hessian-vector
products restricted to the normal space of M_C (lop.cloning.stability). Runtime ~5 s.

Result: a SADDLE. For f = 2 the normal space splits into "row effects" (copies' incoming weights move
in opposite directions) and "column effects" (outgoing weights move oppositely). For a ReLU MLP both
diagonal Hessian blocks vanish (a symmetric copy change is second order in the function and ReLU has
phi'' = 0), leaving H_NN = [[0, B], [B^T, 0]], whose spectrum is +-singular values of B: always
indefinite unless B = 0."""
import pytest
import torch
import torch.nn.functional as F

from lop.cloning import clone_model
from lop.cloning.stability import NormalSpace, classify_cloned_manifold
from lop.models import build_model


def dataset():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(128, 1, 1, 4, generator=g)
    teacher = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    with torch.no_grad():
        Y = teacher(X).argmax(1)
    return X, Y


def trained_base(seed=1, steps=3000):
    X, Y = dataset()
    torch.manual_seed(seed)
    base = build_model("mlp", in_shape=(1, 1, 4), num_classes=3, width=4, depth=2)
    opt = torch.optim.Adam(base.parameters(), 1e-2)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(base(X), Y).backward()
        opt.step()
    return base


def projector_matrix(space, params):
    sizes, shapes = [p.numel() for p in params], [p.shape for p in params]
    n = sum(sizes)
    cols = []
    for i in range(n):
        e = torch.zeros(n)
        e[i] = 1
        v = [c.reshape(s) for c, s in zip(torch.split(e, sizes), shapes)]
        cols.append(torch.cat([x.reshape(-1) for x in space.project(v)]))
    return torch.stack(cols, 1)


def test_normal_projector_is_orthogonal_and_kills_tangent_directions():
    base = trained_base(steps=10)
    clone = clone_model(base, 2)
    params = list(clone.parameters())
    space = NormalSpace(clone)
    P = projector_matrix(space, params)
    assert torch.allclose(P, P.T, atol=1e-14) and torch.allclose(P @ P, P, atol=1e-14)
    assert round(torch.trace(P).item()) == space.dim(params) > 0
    # tangent: the clone of a perturbed base, and zero row/column-sum changes inside block pairs
    pert = clone_model(base, 2)
    with torch.no_grad():
        for p in base.parameters():
            p.add_(0.1 * torch.randn_like(p))
    moved = clone_model(base, 2)
    d = [a.detach() - b.detach() for a, b in zip(moved.parameters(), pert.parameters())]
    assert max(x.abs().max().item() for x in space.project(d)) <= 1e-14
    R = torch.tensor([[1.0, -1.0], [-1.0, 1.0]]).repeat(4, 4)  # zero sums in every 2x2 block
    w = dict(clone.named_parameters())["layers.1.fc.weight"]
    proj = space.project([R if p is w else torch.zeros_like(p) for p in params])
    assert max(x.abs().max().item() for x in proj) <= 1e-14
    # and an asymmetric change of one copy is (partly) normal
    v = [torch.zeros_like(p) for p in params]
    v[0][0, 0] = 1.0
    assert sum((x * x).sum() for x in space.project(v)) > 0.1


def test_cloned_manifold_of_trained_mlp_is_a_saddle():
    X, Y = dataset()
    base = trained_base()
    clone = clone_model(base, 2)
    loss = lambda m: F.cross_entropy(m(X), Y)  # noqa: E731
    res = classify_cloned_manifold(clone, loss, n_directions=32, seed=0)
    assert res.grad_normal_norm <= 1e-12        # Def 2.1: the gradient is tangent to M_C
    assert res.kind == "saddle", res
    assert res.lambda_min < 0 < res.lambda_max
    assert (res.curvatures > 0).any() and (res.curvatures < 0).any()
    # cross-check against the explicit Hessian restricted to the normal space
    params = list(clone.parameters())
    names = [n for n, _ in clone.named_parameters()]
    sizes, shapes = [p.numel() for p in params], [p.shape for p in params]

    def f(flat):
        ps = {n: c.reshape(s) for n, c, s in zip(names, torch.split(flat, sizes), shapes)}
        return F.cross_entropy(torch.func.functional_call(clone, ps, (X,)), Y)
    H = torch.autograd.functional.hessian(f, torch.cat([p.detach().reshape(-1) for p in params]))
    P = projector_matrix(NormalSpace(clone), params)
    U = torch.linalg.eigh(P).eigenvectors[:, torch.linalg.eigh(P).eigenvalues > 0.5]  # basis of N
    ev = torch.linalg.eigvalsh(U.T @ H @ U)
    assert ev.min().item() == pytest.approx(res.lambda_min, rel=1e-6)
    assert ev.max().item() == pytest.approx(res.lambda_max, rel=1e-6)
    # ReLU: the spectrum on N is symmetric (H_NN = [[0, B], [B^T, 0]])
    assert torch.allclose(ev, -ev.flip(0), atol=1e-10 * ev.abs().max())
