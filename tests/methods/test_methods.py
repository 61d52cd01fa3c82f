"""Each method's update against its paper's equations on tiny hand-set cases."""
import math

import numpy as np
import pytest
import torch
import yaml
from helpers import context, method, set_mlp_first_layer

from lop.config import DEFAULT_CONFIG, SCHEMA_PATH, ConfigError, apply_preset, resolve_config, validate
from lop.methods import METHODS, build_method, resolve_settings
from lop.methods.units import unit_layers
from lop.metric_variants import redo_scores


def adam_step(ctx, x, loss_of=lambda out: out.square().sum()):
    ctx.opt.zero_grad()
    loss_of(ctx.model(x)).backward()
    ctx.opt.step()


# ---------------------------------------------------------------- registry and config
def test_defaults_are_written_once_in_the_method_classes():
    """Neither config.yaml nor the schema names a method or its settings: the registry fills them."""
    schema = yaml.safe_load(SCHEMA_PATH.read_text())
    assert "enum" not in schema["properties"]["continual"]["properties"]["method"]
    assert yaml.safe_load(DEFAULT_CONFIG.read_text())["continual"]["method_params"] == {}
    cc = resolve_config(preset="small")["continual"]
    assert cc["methods"] == list(METHODS)
    assert cc["method_params"] == {n: m.defaults for n, m in METHODS.items() if m.defaults}
    assert resolve_settings({"method": "none", "methods": ["redo"], "method_params": {"redo": {"tau": 0.5}}}
                            )["method_params"]["redo"] == {**METHODS["redo"].defaults, "tau": 0.5}
    with pytest.raises(ConfigError, match="config key `continual.methods`: unknown method 'redoo'"):
        validate(apply_preset({**yaml.safe_load(DEFAULT_CONFIG.read_text()), "preset": "small"},
                              overrides={"continual": {"methods": ["redoo"]}}))


@pytest.mark.parametrize("params, message", [
    ({"redo": {"tau": -1}}, r"`continual.method_params.redo.tau`: -1 is outside \[0.0, None\]"),
    ({"redo": {"every": 2.5}}, r"`continual.method_params.redo.every`: 2.5 is not of the type of its default 100"),
    ({"shrink_perturb": {"shrink": 1.5}}, r"`continual.method_params.shrink_perturb.shrink`: 1.5 is outside"),
])
def test_a_setting_out_of_range_or_of_the_wrong_type_is_a_config_error(params, message):
    with pytest.raises(ValueError, match=message):
        resolve_settings({"method": "none", "methods": "all", "method_params": params})


def test_bad_names_and_keys_fail_clearly():
    with pytest.raises(ValueError, match="continual.method: unknown method 'redoo'"):
        build_method("redoo", {}, context())
    with pytest.raises(ValueError, match=r"method_params.redo: unknown keys \['period'\]"):
        build_method("redo", {"redo": {"period": 3}}, context())


# ---------------------------------------------------------------- ReDo (Sokar et al. 2023)
def test_redo_score_by_hand():
    H = torch.tensor([[0.0, 1.0, -2.0], [0.0, 3.0, 2.0]])  # mean|h| = 0, 2, 2; layer mean 4/3
    assert torch.allclose(redo_scores(H), torch.tensor([0.0, 1.5, 1.5]))
    assert (redo_scores(torch.zeros(4, 3)) == 0).all()  # a silent layer: every unit dormant


def test_redo_recycles_dormant_units_only():
    ctx = context(lr=1e-3)
    x = set_mlp_first_layer(ctx.model)   # fc1 activations 0, 1, 2: scores 0, 1, 2
    m = method("redo", ctx, tau=0.5, every=2)
    adam_step(ctx, x)
    fc1, fc2 = ctx.model.layers[0].fc, ctx.model.layers[1].fc
    before = {n: p.detach().clone() for n, p in ctx.model.named_parameters()}
    m.after_step(1)                                             # not a multiple of `every`: nothing
    assert all(torch.equal(before[n], p) for n, p in ctx.model.named_parameters())
    adam_step(ctx, x)
    h = m.recorder.acts["fc1"]
    assert torch.allclose(redo_scores(h), torch.tensor([0.0, 1.0, 2.0]), atol=0.01)  # lr 1e-3: fc1 barely moved
    before = {n: p.detach().clone() for n, p in ctx.model.named_parameters()}
    moments = {k: ctx.opt.state[fc1.weight][k].clone() for k in ("exp_avg", "exp_avg_sq")}
    m.after_step(2)
    bound = 1 / math.sqrt(3)
    assert not torch.equal(fc1.weight[0], before["layers.0.fc.weight"][0])       # unit 0 re-drawn ...
    assert (fc1.weight[0].abs() <= bound).all() and abs(float(fc1.bias[0].detach())) <= bound  # ... from U(-1/sqrt(3), 1/sqrt(3))
    assert torch.equal(fc1.weight[1:], before["layers.0.fc.weight"][1:])          # live units untouched
    assert (fc2.weight[:, 0] == 0).all() and torch.equal(fc2.weight[:, 1:], before["layers.1.fc.weight"][:, 1:])
    for k in ("exp_avg", "exp_avg_sq"):
        st = ctx.opt.state[fc1.weight][k]
        assert (st[0] == 0).all() and torch.equal(st[1:], moments[k][1:])
        assert (ctx.opt.state[fc2.weight][k][:, 0] == 0).all() and (ctx.opt.state[fc1.bias][k][0] == 0)
    assert m.recycled == {"fc1": 1, "fc2": 0}


def test_redo_can_keep_the_adam_moments_of_recycled_units():
    ctx = context(lr=1e-3)
    x = set_mlp_first_layer(ctx.model)   # fc1 activations 0, 1, 2: scores 0, 1, 2
    m = method("redo", ctx, tau=1.0, every=1, reset_moments=False)  # units 0 and 1 recycled
    adam_step(ctx, x)
    fc1, fc2 = ctx.model.layers[0].fc, ctx.model.layers[1].fc
    w1 = fc1.weight[1].detach().clone()
    moments = {(p, k): ctx.opt.state[p][k].clone() for p in (fc1.weight, fc1.bias, fc2.weight)
               for k in ("exp_avg", "exp_avg_sq")}
    assert moments[(fc1.weight, "exp_avg")][1].abs().sum() > 0  # the live unit 1 has moments to keep
    m.after_step(1)
    assert m.recycled["fc1"] == 2 and not torch.equal(fc1.weight[1], w1)  # recycled as with the reset ...
    assert all(torch.equal(ctx.opt.state[p][k], v) for (p, k), v in moments.items())  # ... moments kept
    m = method("redo", ctx, tau=1.0, every=1)  # the default resets them
    adam_step(ctx, x)
    m.after_step(1)
    assert (ctx.opt.state[fc1.weight]["exp_avg"][:2] == 0).all()


def test_redo_conv_channel_outgoing_columns_cover_the_flatten():
    """Recycling channel j of the CNN's last conv zeroes exactly the FC columns that read channel j."""
    ctx = context("cnn", in_shape=(1, 8, 8))   # two max-pools: 2 channels of 2x2 reach the FC layer
    m = method("redo", ctx)
    layers = {u.name: u for u in m.units}
    assert list(layers) == ["conv1", "conv2", "fc"] and layers["conv2"].w_out().shape == (4, 2, 4)
    last = layers["conv2"]
    m.recycle(last, torch.tensor([1]))
    feats = torch.randn(5, 2, 2, 2)   # (B, C, H, W) after the last pool: 2 channels of 2x2
    fc = ctx.model.fc
    shifted = feats.clone()
    shifted[:, 1] += torch.randn(5, 2, 2)
    assert torch.equal(fc(feats.flatten(1)), fc(shifted.flatten(1)))   # channel 1 no longer reaches the FC layer
    shifted = feats.clone()
    shifted[:, 0] += 1
    assert not torch.allclose(fc(feats.flatten(1)), fc(shifted.flatten(1)))


# ---------------------------------------------------------------- shrink and perturb (Ash & Adams 2020)
def test_shrink_perturb_is_shrink_plus_fresh_init_noise():
    ctx = context()
    m = method("shrink_perturb", ctx, shrink=0.5, sigma=0.25)
    theta = {n: p.detach().clone().double() for n, p in ctx.model.named_parameters()}
    rng = torch.get_rng_state()
    m.task_start(0)                                                 # no boundary before the first task
    assert all(torch.equal(theta[n].float(), p) for n, p in ctx.model.named_parameters())
    twin = method("shrink_perturb", context())
    twin.gen.set_state(m.gen.get_state())
    eps = twin.draw()                                               # the draw task_start(1) will make
    m.task_start(1)
    assert torch.equal(torch.get_rng_state(), rng)                   # the run's global RNG is untouched
    for n, p in ctx.model.named_parameters():
        assert torch.allclose(p.double(), 0.5 * theta[n] + 0.25 * eps[n].double(), rtol=0, atol=1e-7), n
    # eps is the nets' initial distribution (a fresh build), not the run's own init
    w = eps["layers.0.fc.weight"]
    assert (w.abs() <= 1 / math.sqrt(3)).all() and not torch.equal(w, theta["layers.0.fc.weight"].float())
    assert not torch.equal(twin.draw()["head.weight"], eps["head.weight"])   # a new draw per boundary


def test_shrink_perturb_eps_has_the_init_distribution():
    ctx = context(width=400, in_shape=(300, 1, 1))
    eps = method("shrink_perturb", ctx).draw()["layers.1.fc.weight"]     # 400 x 400 from U(-1/20, 1/20)
    assert abs(float(eps.std()) - (1 / 20) / math.sqrt(3)) < 2e-4 and float(eps.abs().max()) <= 1 / 20


# ---------------------------------------------------------------- L2-init (Kumar et al. 2023)
def test_l2_init_term_and_gradient():
    ctx = context()
    ctx.model.double()
    m = method("l2_init", ctx, coef=0.3)
    m.theta0 = [p.detach().clone() for p in ctx.model.parameters()]
    assert float(m.extra_loss().detach()) == 0.0
    torch.manual_seed(5)
    deltas = [torch.randn_like(p) for p in ctx.model.parameters()]
    with torch.no_grad():
        for p, d in zip(ctx.model.parameters(), deltas):
            p.add_(d)
    loss = m.extra_loss()
    assert math.isclose(float(loss.detach()), 0.3 * sum(float((d ** 2).sum()) for d in deltas), rel_tol=1e-12)
    loss.backward()
    for p, d in zip(ctx.model.parameters(), deltas):
        assert torch.allclose(p.grad, 2 * 0.3 * d, rtol=1e-12, atol=0)


# ---------------------------------------------------------------- head reset only
def test_head_reset_restarts_the_heads_adam_state():
    ctx = context(lr=0.01)
    x = torch.tensor([[1.0, 2.0, 3.0]]).view(1, 3, 1, 1)
    adam_step(ctx, x)
    adam_step(ctx, x)
    body = ctx.model.layers[0].fc.weight
    kept = ctx.opt.state[body]["exp_avg"].clone()
    method("head_reset", ctx).task_start(1)
    assert ctx.opt.state.get(ctx.model.head.weight, {}) == {} and torch.equal(ctx.opt.state[body]["exp_avg"], kept)
    with torch.no_grad():  # the protocol's zeroing, as the loop does it after task_start
        ctx.model.head.weight.zero_()
        ctx.model.head.bias.zero_()
    adam_step(ctx, x, lambda out: (out * torch.tensor([[1.0, -2.0]])).sum())
    # A fresh Adam's first step is -lr * g / (|g| + eps) = -lr * sign(g): the head's bias grad is (1, -2).
    assert torch.allclose(ctx.model.head.bias, torch.tensor([-0.01, 0.01]), atol=1e-9)
    assert int(ctx.opt.state[ctx.model.head.weight]["step"]) == 1


# ---------------------------------------------------------------- Continual Backprop (Dohare et al. 2024)
def test_cbp_on_an_mlp_matches_the_bitflip_reference():
    """The method on an MLP makes exactly the decisions of the same class on the bare stack of Linears (the bit-flip
    reference, paper variant), whose random numbers come from numpy."""
    ctx = context(width=6, depth=2)
    ref_model = context(width=6, depth=2).model
    ref_model.load_state_dict(ctx.model.state_dict())
    params = dict(replacement_rate=0.2, decay=0.9, maturity=2)
    m = method("cbp", ctx, **params)
    ref = METHODS["cbp"].on_linears([b.fc for b in ref_model.layers] + [ref_model.head], rng=np.random.default_rng(0), **params)
    g = torch.Generator().manual_seed(1)
    for _ in range(8):
        x = torch.randn(16, 3, 1, 1, generator=g)
        ctx.model(x)
        feats = [torch.relu(b.fc(h)) for b, h in zip(ref_model.layers, [x.flatten(1)])]
        feats.append(torch.relu(ref_model.layers[1].fc(feats[0])))
        with torch.no_grad():
            m.after_step(0)
            ref.step(feats)
        assert m.last_replaced == ref.last_replaced
        for a, b in zip(m.util, ref.util):
            assert torch.allclose(a, b, rtol=1e-6, atol=0)
        assert torch.equal(torch.stack(m.age), torch.stack(ref.age))
        for mine, theirs in ((ctx.model.head, ref_model.head), (ctx.model.layers[1].fc, ref_model.layers[1].fc)):
            assert torch.allclose(mine.bias, theirs.bias, atol=1e-6)
            assert torch.equal(mine.weight == 0, theirs.weight == 0)
        # The re-drawn incoming rows come from different generators: copy them so the twins stay in step.
        for b_mine, b_ref in zip(ctx.model.layers, ref_model.layers):
            b_ref.fc.weight.data.copy_(b_mine.fc.weight)
            b_ref.fc.bias.data.copy_(b_mine.fc.bias)
    assert sum(m.replaced) > 3


def _interior(t):
    return t[..., 1:-1, 1:-1]


def test_cbp_conv_bias_correction_keeps_the_next_conv_output():
    """Replacing a conv channel whose activation is the constant h_hat leaves conv2's output unchanged
    away from the zero padding (the bias correction sums w_out over the kernel), and the FC layer's exactly."""
    ctx = context("cnn", channels=[3, 2], fc=4, in_shape=(1, 8, 8))
    conv1, conv2 = ctx.model.features[0], ctx.model.features[1].conv
    m = method("cbp", ctx, replacement_rate=1 / 3, decay=0.5, maturity=0)
    a = torch.rand(4, 3, 8, 8) + 0.5
    a[:, 1] = 0.7                                            # channel 1: constant, utility 0
    before = conv2(a).detach()
    with torch.no_grad():
        assert m._layer_step(0, m.units[0], a.permute(0, 2, 3, 1).reshape(-1, 3)) == [1]  # 3 x 1/3 = 1 unit
    assert (conv2.weight[:, 1] == 0).all() and float(conv1.conv.bias[1].detach()) == 0
    assert torch.allclose(_interior(conv2(a)), _interior(before), atol=1e-6)
    assert not torch.allclose(conv2(a), before, atol=1e-6)   # at the border the padding breaks the identity
    # conv2 -> FC through the flatten: exact everywhere
    fc = ctx.model.fc
    p = torch.rand(4, 2, 2, 2)
    p[:, 0] = 1.3
    before = fc(p.flatten(1)).detach()
    m2 = method("cbp", ctx, replacement_rate=1 / 2, decay=0.5, maturity=0)
    with torch.no_grad():
        assert m2._layer_step(1, m2.units[1], p.permute(0, 2, 3, 1).reshape(-1, 2)) == [0]
    assert (m2.units[1].w_out()[:, 0] == 0).all()
    assert torch.allclose(fc(p.flatten(1)), before, atol=1e-6)


def test_cbp_resets_the_replaced_units_adam_moments():
    ctx = context(width=4, depth=2, seed=1)   # seed 1: every fc1 unit gets a gradient on this batch
    m = method("cbp", ctx, replacement_rate=0.25, decay=0.9, maturity=1)
    x = torch.randn(8, 3, 1, 1, generator=torch.Generator().manual_seed(0))
    for step in (1, 2):  # step 2: all 4 units are mature (age 2 > 1), pending 4 x 0.25 = 1 replacement
        adam_step(ctx, x)
        m.after_step(step)
    fc1 = ctx.model.layers[0].fc
    units = m.last_replaced[0]
    assert len(units) == 1 and m.age[0][units[0]] == 0
    for k in ("exp_avg", "exp_avg_sq"):
        st = ctx.opt.state[fc1.weight][k]
        assert (st[units] == 0).all() and (st.abs().sum(1) > 0).sum() == 4 - len(units)


@pytest.mark.parametrize("arch,n", [("mlp", 2), ("cnn", 3), ("resnet", 2), ("vit", 1)])
def test_unit_layers_of_every_arch(arch, n):
    sizes = {"resnet": dict(in_shape=(3, 8, 8), num_classes=3, width=4, blocks=[1, 1]),
             "vit": dict(in_shape=(3, 8, 8), num_classes=3, patch=4, dim=8, depth=1, heads=2, mlp_ratio=2)}.get(arch, {})
    ctx = context(arch, **sizes)
    layers = unit_layers(ctx.model, arch)
    assert len(layers) == n
    m = method("cbp", ctx)
    x = torch.randn(2, *sizes.get("in_shape", (3, 1, 1) if arch == "mlp" else (1, 4, 4)))
    ctx.model(x)
    for u in layers:  # recorded activation: (rows, units); outgoing view: one block of columns per unit
        assert m.recorder.acts[u.name].shape[1] == u.width == u.w_out().shape[1]
