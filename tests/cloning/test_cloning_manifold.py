"""Theorem 2.1(2) (cloning manifold), Remark 2.3 (optimizer state) and the Theorem A.2(1) erratum.

Setting: a float64 tanh MLP 6 -> 8 -> 10 -> 3 whose hidden units form blocks of f = 2 (interleaved:
block j = units 2j, 2j+1). A point on M_C: every block pair (I, J) of a weight matrix has equal row sums
and equal column sums. We start from clone_model of a 6 -> 4 -> 5 -> 3 base net (block-constant) and add
R with zero row AND column sums inside every block pair of the interior matrix, so the point is on M_C
but NOT block-constant. Torch stores W[receiver, sender]; the paper writes W_{uv} for u -> v, so the
paper's "row sums" (out-sums per sender) are torch column sums and vice versa.
Runtime ~10 s."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lop.cloning import clone_model

F_ = 2
# Step sizes with comparable progress (loss x ~0.35 in 500 steps). With larger steps float rounding noise
# (copies whose incoming rows differ by R round differently) is amplified off M_C: see
# test_rounding_noise_is_amplified_at_large_steps.
OPTIMIZERS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.05),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.005, momentum=0.9),
    "adam": lambda p: torch.optim.Adam(p, lr=1e-3),
}


def base_net(seed=0):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(3.0)  # O(1) pre-activations so that tanh is clearly nonlinear
    return net


def zero_sum_blocks(n_out, n_in, f, scale, seed):
    """R with zero row and column sums inside every f x f block: R_block = P M P, P = I - 11^T/f."""
    g = torch.Generator().manual_seed(seed)
    P = torch.eye(f) - torch.full((f, f), 1.0 / f)
    M = torch.randn(n_out, n_in, f, f, generator=g)
    R = P @ M @ P  # (n_out, n_in, f, f)
    return scale * R.permute(0, 2, 1, 3).reshape(n_out * f, n_in * f)


def on_manifold_net(seed=0, f=F_):
    net = clone_model(base_net(seed), f)
    with torch.no_grad():
        R = zero_sum_blocks(5, 4, f, 1.0, seed + 1)
        net[2].weight.add_(R)
    return net


def data(seed=0, n=32):
    g = torch.Generator().manual_seed(seed + 10)
    return torch.randn(n, 6, generator=g), torch.randint(0, 3, (n,), generator=g)


def forward_all(net, x):
    """Hidden pre-activations, post-activations and the loss (to take backward errors from)."""
    z1 = net[0](x); h1 = torch.tanh(z1); z2 = net[2](h1); h2 = torch.tanh(z2)
    return [z1, z2], [h1, h2], net[4](h2)


def block_spread(M):
    """max over rows and blocks of |unit - first unit of its block|, relative to max|M|."""
    B = M.reshape(M.shape[0], -1, F_)
    return ((B - B[..., :1]).abs().max() / M.abs().max()).item()


def sum_residuals(W, f_out, f_in):
    """Max deviation of the row sums and of the column sums inside each block pair from their block mean."""
    n_out, n_in = W.shape[0] // f_out, W.shape[1] // f_in
    B = W.reshape(n_out, f_out, n_in, f_in)
    rows = B.sum(3)  # (n_out, f_out, n_in): in-sum of each receiving unit over a sender block
    cols = B.sum(1)  # (n_out, n_in, f_in): out-sum of each sending unit into a receiver block
    return ((rows - rows.mean(1, keepdim=True)).abs().max().item(),
            (cols - cols.mean(2, keepdim=True)).abs().max().item())


def manifold_residual(net, f=F_):
    res = [*sum_residuals(net[0].weight, f, 1), *sum_residuals(net[2].weight, f, f),
           *sum_residuals(net[4].weight, 1, f)]
    for b in (net[0].bias, net[2].bias):
        res.append((b.reshape(-1, f) - b.reshape(-1, f)[:, :1]).abs().max().item())
    return max(res)


def non_block_constant(W):
    B = W.reshape(W.shape[0] // F_, F_, W.shape[1] // F_, F_)
    return (B - B.mean((1, 3), keepdim=True)).abs().max().item()


def test_start_point_is_on_manifold_but_not_block_constant():
    net = on_manifold_net()
    assert manifold_residual(net) <= 1e-14
    assert non_block_constant(net[2].weight) > 0.1


def test_forward_backward_and_gradient_have_block_structure():
    net = on_manifold_net()
    x, y = data()
    zs, hs, out = forward_all(net, x)
    for h in hs:
        h.retain_grad()
    for z in zs:
        z.retain_grad()
    F.cross_entropy(out, y).backward()
    for t in [*zs, *hs]:
        assert block_spread(t) <= 1e-12  # (i) forward values
    for t in [*zs, *hs]:
        assert block_spread(t.grad) <= 1e-12  # (ii) backward errors
    # (iii) the gradient is block-constant inside every block pair (so it is tangent to M_C: Def 2.1)
    g = net[2].weight.grad.reshape(5, F_, 4, F_)
    assert (g - g[:, :1, :, :1]).abs().max() / g.abs().max() <= 1e-12
    g0 = net[0].weight.grad.reshape(4, F_, 6)
    assert (g0 - g0[:, :1]).abs().max() / g0.abs().max() <= 1e-12
    g4 = net[4].weight.grad.reshape(3, 5, F_)
    assert (g4 - g4[..., :1]).abs().max() / g4.abs().max() <= 1e-12


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_training_stays_on_cloning_manifold(name):
    net = on_manifold_net()
    R0 = non_block_constant(net[2].weight)
    opt = OPTIMIZERS[name](net.parameters())  # state initialised at cloning
    x, y = data()
    losses = []
    for _ in range(500):
        opt.zero_grad()
        loss = F.cross_entropy(forward_all(net, x)[2], y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.6 * losses[0]  # it did train
    assert manifold_residual(net) <= 1e-10
    # the non-block-constant part R is untouched by block-constant updates
    assert abs(non_block_constant(net[2].weight) - R0) <= 1e-10


def drift_after(net, opt, steps=500, f=F_):
    x, y = data()
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(forward_all(net, x)[2], y).backward()
        opt.step()
    return manifold_residual(net, f)


def test_remark_2_3_perturbed_adam_state_drifts():
    """Invariance needs optimizer state that starts at cloning: a 1e-6 change in one clone's Adam
    moments (not block-constant) moves the network off M_C; the unperturbed control stays on it."""
    residual = {}
    for perturb in (False, True):
        net = on_manifold_net()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        drift_after(net, opt, 5)
        if perturb:
            st = opt.state[net[2].weight]
            st["exp_avg"][0, 0] += 1e-6          # one weight into clone unit 0 of block 0 only
            st["exp_avg_sq"][0, 0] *= 1 + 1e-6
        residual[perturb] = drift_after(net, opt, 500)
    assert residual[False] <= 1e-12
    assert residual[True] > 1e-8


@pytest.mark.parametrize("f", [2, 3])
def test_remark_2_3_weight_decay(f):
    """Weight decay: coupled L2 in Adam breaks invariance for blocks of f >= 3 (the decay term lambda*R is
    not block-constant and Adam rescales it entrywise). For f = 2 every zero-sum 2x2 block is r*[[1,-1],
    [-1,1]], whose entrywise rescaling keeps equal row/column sums, so M_C survives; SGD and AdamW decay R
    linearly and keep its zero sums. So 'weight decay can break it' holds only for Adam+L2 with f >= 3.
    (f = 3 starts ~5e-16 off M_C because 1/3 is not a float; 'on' allows for that.)"""
    def opt_drift(make):
        net = on_manifold_net(f=f)
        return drift_after(net, make(net.parameters()), f=f)
    on = 1e-10 if f == 2 else 1e-9
    assert opt_drift(lambda p: torch.optim.Adam(p, lr=1e-3)) <= on
    adam_l2 = opt_drift(lambda p: torch.optim.Adam(p, lr=1e-3, weight_decay=0.1))
    assert adam_l2 > 1e-3 if f >= 3 else adam_l2 <= on
    assert opt_drift(lambda p: torch.optim.SGD(p, lr=0.05, weight_decay=0.1)) <= on
    assert opt_drift(lambda p: torch.optim.AdamW(p, lr=1e-3, weight_decay=0.1)) <= on


def test_rounding_noise_is_amplified_at_large_steps():
    """Finding (not in the paper): M_C holds in exact arithmetic, but at a non-block-constant point the
    copies' pre-activations are sums of different numbers, so they differ by float rounding (~1e-16).
    With Adam at lr 1e-2 that deviation grows exponentially (unstable normal directions, Def A.2) and
    the network leaves M_C by itself within a few hundred steps."""
    net = on_manifold_net(seed=3)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    early = drift_after(net, opt, 20)
    late = drift_after(net, opt, 280)
    assert early <= 1e-12 and late > 1e-4, (early, late)


def test_theorem_A2_1_erratum_forward_equality_needs_in_sums():
    """v1 Thm A.2(1): 'equal ROW sums give identical forward values'. In the paper's u -> v convention
    rows are senders, so equal row sums = equal out-sums per SENDING unit. Forward equality of the
    receiving units needs equal in-sums per RECEIVING unit (the column condition)."""
    x, _ = data()
    g = torch.Generator().manual_seed(3)
    a, b = torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g)
    # torch W[receiver, sender]; inside each 2x2 block [[r0s0, r0s1], [r1s0, r1s1]]
    col_only = torch.stack([torch.stack([a, -a], -1), torch.stack([b, -b], -1)], 1)  # in-sums kept
    row_only = torch.stack([torch.stack([a, b], -1), torch.stack([-a, -b], -1)], 1)  # out-sums kept
    results = {}
    for name, D in {"column_only": col_only, "row_only": row_only}.items():
        net = clone_model(base_net(), F_)
        with torch.no_grad():
            net[2].weight.add_(D.reshape(10, 8))
        row_res, col_res = sum_residuals(net[2].weight, F_, F_)
        zs, hs, out = forward_all(net, x)
        hs[1].retain_grad(), hs[0].retain_grad()
        F.cross_entropy(out, data()[1]).backward()
        results[name] = (row_res, col_res, block_spread(hs[1]), block_spread(hs[0].grad))
    row_res, col_res, fwd, bwd = results["column_only"]
    assert row_res <= 1e-12 and col_res > 1e-3   # paper's column condition (in-sums) only
    assert fwd <= 1e-12                          # forward equality holds
    assert bwd > 1e-3                            # backward equality needs the other condition
    row_res, col_res, fwd, bwd = results["row_only"]
    assert col_res <= 1e-12 and row_res > 1e-3   # paper's row condition (out-sums) only
    assert fwd > 1e-3                            # forward equality breaks, contrary to v1 Thm A.2(1)
