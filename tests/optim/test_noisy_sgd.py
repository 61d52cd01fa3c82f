"""NoisySGD (lop.optim): noise std sigma_t * ||g|| per tensor, sigma_t = sigma0 * lambda^t with t from 0,
added before momentum; sigma0 = 0 is bitwise torch SGD."""
import math

import pytest
import torch

from lop.optim import NoisySGD


def _noise_of_step(opt, params, grads, lr=1.0):
    """Set grads, take one step, return the noise each tensor received (lr = 1, no momentum)."""
    before = [p.detach().clone() for p in params]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    opt.step()
    return [(b - p.detach()) / lr - g for p, b, g in zip(params, before, grads)]


def test_noise_std_is_sigma_times_grad_norm_per_tensor():
    torch.manual_seed(0)
    n = 200_000
    a, b = torch.zeros(n, dtype=torch.float64, requires_grad=True), torch.zeros(n, dtype=torch.float64, requires_grad=True)
    ga, gb = torch.randn(n, dtype=torch.float64) * 1e-3, torch.randn(n, dtype=torch.float64) * 5.0
    opt = NoisySGD([a, b], lr=1.0, sigma0=0.02, decay=1.0, generator=torch.Generator().manual_seed(1))
    na, nb = _noise_of_step(opt, [a, b], [ga, gb])
    for noise, g in ((na, ga), (nb, gb)):
        expected = 0.02 * g.norm().item()
        # std of n Gaussian draws: relative standard error 1/sqrt(2n) ~ 0.16%; allow 1%.
        assert noise.std().item() == pytest.approx(expected, rel=1e-2)
        assert abs(noise.mean().item()) < 5 * expected / math.sqrt(n)
        # Gaussian, not uniform: kurtosis ~ 3.
        z = noise / noise.std()
        assert (z ** 4).mean().item() == pytest.approx(3.0, abs=0.1)


def test_decay_schedule_counts_steps_from_zero():
    p = torch.zeros(100_000, dtype=torch.float64, requires_grad=True)
    g = torch.randn(100_000, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    opt = NoisySGD([p], lr=1.0, sigma0=0.05, decay=0.5, generator=torch.Generator().manual_seed(2))
    assert [opt.sigma(t) for t in range(3)] == [0.05, 0.025, 0.0125]
    for t in range(4):
        (noise,) = _noise_of_step(opt, [p], [g])
        assert noise.std().item() == pytest.approx(0.05 * 0.5 ** t * g.norm().item(), rel=2e-2), t
    assert opt.t == 4


def test_lambda_zero_is_noise_at_first_step_only_and_lambda_one_is_constant():
    g = torch.randn(50_000, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    p = torch.zeros_like(g, requires_grad=True)
    opt = NoisySGD([p], lr=1.0, sigma0=0.01, decay=0.0, generator=torch.Generator().manual_seed(3))
    (first,) = _noise_of_step(opt, [p], [g])
    assert first.std().item() == pytest.approx(0.01 * g.norm().item(), rel=3e-2)
    for _ in range(3):
        (later,) = _noise_of_step(opt, [p], [g])
        assert later.abs().max().item() < 1e-12  # only float64 rounding of p - lr*g
    p2 = torch.zeros_like(g, requires_grad=True)
    opt = NoisySGD([p2], lr=1.0, sigma0=0.01, decay=1.0, generator=torch.Generator().manual_seed(4))
    stds = [_noise_of_step(opt, [p2], [g])[0].std().item() for _ in range(5)]
    assert stds == pytest.approx([0.01 * g.norm().item()] * 5, rel=3e-2)


def test_noise_goes_in_before_momentum():
    g = torch.randn(50_000, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    p = torch.zeros_like(g, requires_grad=True)
    opt = NoisySGD([p], lr=1.0, sigma0=0.05, decay=1.0, momentum=0.9, generator=torch.Generator().manual_seed(5))
    (noise,) = _noise_of_step(opt, [p], [g])
    # first momentum step: buffer = g + noise, so the noise sits in the buffer
    buf = opt.state[p]["momentum_buffer"]
    assert torch.allclose(buf - g, noise, atol=1e-12)
    assert noise.std().item() == pytest.approx(0.05 * g.norm().item(), rel=3e-2)


@pytest.mark.parametrize("momentum,weight_decay,nesterov", [(0.0, 0.0, False), (0.9, 5e-4, False), (0.9, 0.0, True)])
def test_sigma0_zero_is_bitwise_sgd(momentum, weight_decay, nesterov):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.ReLU(), torch.nn.Linear(32, 3))
    twin = [p.detach().clone().requires_grad_(True) for p in model.parameters()]
    kw = dict(lr=0.05, momentum=momentum, weight_decay=weight_decay, nesterov=nesterov)
    noisy = NoisySGD(model.parameters(), sigma0=0.0, decay=0.9, **kw)
    sgd = torch.optim.SGD(twin, **kw)
    x, y = torch.randn(64, 10), torch.randint(0, 3, (64,))
    for _ in range(20):
        for opt, params in ((noisy, list(model.parameters())), (sgd, twin)):
            opt.zero_grad()
            out = torch.nn.functional.linear(torch.relu(torch.nn.functional.linear(x, params[0], params[1])),
                                             params[2], params[3])
            torch.nn.functional.cross_entropy(out, y).backward()
            opt.step()
    for a, b in zip(model.parameters(), twin):
        assert torch.equal(a, b)


def test_state_dict_round_trips_the_step_counter():
    p = torch.zeros(3, requires_grad=True)
    opt = NoisySGD([p], sigma0=0.1, decay=0.5)
    for _ in range(3):
        p.grad = torch.ones(3)
        opt.step()
    opt2 = NoisySGD([p], sigma0=0.1, decay=0.5)
    opt2.load_state_dict(opt.state_dict())
    assert opt2.t == 3 and opt2.sigma() == pytest.approx(0.1 * 0.5 ** 3)


def test_bad_arguments_name_the_config_key():
    p = torch.zeros(3, requires_grad=True)
    with pytest.raises(ValueError, match="sigma0"):
        NoisySGD([p], sigma0=-1.0)
    with pytest.raises(ValueError, match="decay"):
        NoisySGD([p], decay=1.5)

