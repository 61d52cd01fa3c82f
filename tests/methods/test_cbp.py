"""Continual Backprop (lop.methods.cbp) on stacks of Linear layers (the bit-flip reference): counts, re-initialisation, function preservation."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from lop.methods.cbp import ContinualBackprop


def make_net(sizes=(21, 30, 1), seed=0):
    torch.manual_seed(seed)
    layers = [nn.Linear(a, b).double() for a, b in zip(sizes[:-1], sizes[1:])]
    return layers


def forward(layers, x):
    hs = []
    for i, l in enumerate(layers):
        x = l(x)
        if i < len(layers) - 1:
            x = torch.relu(x)
            hs.append(x)
    return x, hs


def test_replaces_expected_number_of_units_with_fractional_accumulation():
    layers = make_net((21, 40, 1))
    rate, maturity, steps = 0.003, 10, 500
    cbp = ContinualBackprop.on_linears(layers, replacement_rate=rate, maturity=maturity, rng=np.random.default_rng(0))
    x = torch.rand(1, 21, dtype=torch.float64)
    expected, counted = 0.0, []
    for t in range(steps):
        _, hs = forward(layers, x)
        eligible = int((cbp.age[0] + 1 > maturity).sum())
        expected += rate * eligible
        cbp.step([h.detach() for h in hs])
        counted.append(len(cbp.last_replaced[0]))
    assert cbp.replaced[0] == sum(counted) == math.floor(expected + 1e-9)
    assert cbp.replaced[0] > 10


def test_stochastic_rounding_replaces_rate_times_units_on_average():
    layers = make_net((21, 50, 1))
    cbp = ContinualBackprop.on_linears(layers, replacement_rate=0.002, maturity=0, accumulate=False,
                            rng=np.random.default_rng(1))
    x = torch.rand(4, 21, dtype=torch.float64)
    for _ in range(2000):
        _, hs = forward(layers, x)
        cbp.step([h.detach() for h in hs])
    # expected 0.002 * 50 * 2000 = 200 (binomial, sd ~ 13); units restart at age 0 so slightly fewer
    assert 150 < cbp.replaced[0] < 230


def test_replacement_reinitialises_inputs_zeroes_outputs_and_preserves_function_up_to_bias_correction():
    layers = make_net((21, 20, 1), seed=3)
    with torch.no_grad():
        layers[0].bias.fill_(5.0)  # live units: h_hat != 0, so the bias correction matters
    cbp = ContinualBackprop.on_linears(layers, replacement_rate=0.05, maturity=5, rng=np.random.default_rng(2))
    gen = torch.Generator().manual_seed(0)
    probe = torch.rand(64, 21, dtype=torch.float64, generator=gen)
    checked = live = 0
    for t in range(60):
        x = torch.rand(1, 21, dtype=torch.float64, generator=gen)
        _, hs = forward(layers, x)
        w_in_before = layers[0].weight.detach().clone()
        w_out_before = layers[1].weight.detach().clone()
        out_before, hs_probe = forward(layers, probe)
        # h_hat the step will use: the EMA updated with this step's features, bias-corrected by age
        age = cbp.age[0] + 1
        h_hat = (cbp.mean_act[0] * cbp.params["decay"] + (1 - cbp.params["decay"]) * hs[0][0]) / (1 - cbp.params["decay"] ** age)
        cbp.step([h.detach() for h in hs])
        units = cbp.last_replaced[0]
        if not units:
            continue
        checked += 1
        out_after, _ = forward(layers, probe)
        u = torch.tensor(units)
        # function: each replaced unit's contribution w_out_j h_j(x) becomes the constant w_out_j h_hat_j
        shift = (w_out_before[0, u] * (h_hat[u] - hs_probe[0][:, u])).sum(dim=1, keepdim=True)
        torch.testing.assert_close(out_after, out_before + shift, rtol=0, atol=1e-12)
        live += int((h_hat[u] > 0).any())
        assert (layers[1].weight[:, u] == 0).all()
        assert (layers[0].bias[u] == 0).all()
        bound = math.sqrt(2) * math.sqrt(3 / 21)
        assert (layers[0].weight[u] != w_in_before[u]).all(), "incoming weights re-drawn"
        assert (layers[0].weight[u].abs() <= bound).all()
        assert (cbp.age[0][u] == 0).all() and (cbp.util[0][u] == 0).all()
        keep = torch.ones(20, dtype=torch.bool)
        keep[u] = False
        assert torch.equal(layers[0].weight[keep], w_in_before[keep]), "other units untouched"
    assert checked >= 3 and live >= 2


def test_lowest_utility_mature_units_are_the_ones_replaced():
    layers = make_net((21, 10, 1), seed=4)
    cbp = ContinualBackprop.on_linears(layers, replacement_rate=0.1, maturity=3, rng=np.random.default_rng(0))
    with torch.no_grad():
        layers[0].bias.fill_(3.0)  # every unit alive, so every other utility is > 0
        layers[1].weight[0, 7] = 0.0  # unit 7 contributes nothing -> utility 0 -> replaced first
    gen = torch.Generator().manual_seed(1)
    for _ in range(4):
        _, hs = forward(layers, torch.rand(1, 21, dtype=torch.float64, generator=gen))
        cbp.step([h.detach() for h in hs])
    assert cbp.last_replaced[0] == [7]


def test_works_on_a_deeper_stack():
    layers = make_net((21, 16, 12, 1), seed=5)
    cbp = ContinualBackprop.on_linears(layers, replacement_rate=0.05, maturity=2, rng=np.random.default_rng(0))
    x = torch.rand(8, 21, dtype=torch.float64)
    for _ in range(50):
        _, hs = forward(layers, x)
        cbp.step([h.detach() for h in hs])
    assert cbp.replaced[0] > 0 and cbp.replaced[1] > 0


def test_upstream_variant_one_unit_per_step_no_input_reinit_all_biases_zeroed():
    layers = make_net((21, 30, 1), seed=6)
    with torch.no_grad():
        layers[0].bias.fill_(0.3)
    w_in = layers[0].weight.detach().clone()
    cbp = ContinualBackprop.on_linears(layers, replacement_rate=1e-4, maturity=5, variant="upstream")
    x = torch.rand(1, 21, dtype=torch.float64)
    for t in range(20):
        _, hs = forward(layers, x)
        cbp.step([h.detach() for h in hs])
        assert len(cbp.last_replaced[0]) == (1 if t >= 5 else 0)
    assert torch.equal(layers[0].weight, w_in)
    assert (layers[0].bias == 0).all()


@pytest.mark.parametrize("kw", [dict(replacement_rate=2.0), dict(decay=1.0), dict(variant="x"), dict(maturity=-1)])
def test_bad_arguments(kw):
    with pytest.raises(ValueError):
        ContinualBackprop.on_linears(make_net(), **kw)
