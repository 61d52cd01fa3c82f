"""Theorem 2.1(1) (frozen units): a unit whose activation derivative is zero on every input gets exactly
zero gradient on all its incoming parameters, so SGD, momentum and Adam leave them bitwise fixed; only
an update that does not come from the gradient (AdamW's decoupled weight decay) moves them.
Runtime ~5 s."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

FROZEN = 0  # index of the frozen hidden unit

OPTIMIZERS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.05),
    "momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    "adam": lambda p: torch.optim.Adam(p, lr=1e-2),
}


def frozen_net(act: str, seed=0):
    """Input -> Linear(6, 8) -> act -> Linear(8, 3); unit 0 dead (ReLU, bias -100) or saturated (tanh,
    bias +100: tanh'(z) = 1 - tanh(z)^2 is exactly 0 in float64 once tanh(z) rounds to 1, z > ~19)."""
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(6, 8), nn.ReLU() if act == "relu" else nn.Tanh(), nn.Linear(8, 3))
    with torch.no_grad():
        net[0].bias[FROZEN] = -100.0 if act == "relu" else 100.0
    return net


def data(seed=0, n=64):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 6, generator=g) * 2 - 1, torch.randint(0, 3, (n,), generator=g)


def run(net, opt, steps=1000):
    x, y = data()
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()


@pytest.mark.parametrize("act", ["relu", "tanh"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_incoming_parameters_of_frozen_unit_stay_bitwise_fixed(act, name):
    net = frozen_net(act)
    x, _ = data()
    z = net[0](x)[:, FROZEN]
    assert (z < -50).all() if act == "relu" else (z > 50).all()  # frozen on every input
    w0, b0 = net[0].weight[FROZEN].clone(), net[0].bias[FROZEN].clone()
    others = net[0].weight[1:].clone()
    run(net, OPTIMIZERS[name](net.parameters()))
    assert torch.equal(net[0].weight[FROZEN], w0) and torch.equal(net[0].bias[FROZEN], b0)
    assert (net[0].weight[1:] - others).abs().max() > 1e-3  # the live units did train


@pytest.mark.parametrize("act", ["relu", "tanh"])
def test_adamw_weight_decay_moves_frozen_unit(act):
    """Control: decoupled weight decay is not a gradient step, so it leaves the frozen manifold."""
    net = frozen_net(act)
    w0 = net[0].weight[FROZEN].clone()
    run(net, torch.optim.AdamW(net.parameters(), lr=1e-2, weight_decay=0.1))
    assert (net[0].weight[FROZEN] - w0).abs().max() > 1e-3
