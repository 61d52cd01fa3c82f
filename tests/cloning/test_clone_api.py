"""lop.cloning API: argument checks, the rule registry and its errors, block layout, other factors,
GroupNorm with several groups, cloning a clone. Runtime ~5 s."""
import pytest
import torch
from torch import nn

from lop.cloning import (UnsupportedModuleError, clone_blocks, clone_model, clone_parameter_axes,
                         register_rule)
from lop.cloning.registry import RULES, set_param
from lop.cloning.metrics import layer_cloning_r2
from lop.models import probes
from lop.models.common import named_probe
from manifold_helpers import SIZES, batches, make_model, rel_err


@pytest.mark.parametrize("bad", [1, 0, -2, 2.5, 2.0, True, "2", None])
def test_factor_must_be_integer_at_least_two(bad):
    with pytest.raises(ValueError, match="factor"):
        clone_model(make_model("mlp"), bad)


class Mystery(nn.Module):
    def forward(self, x):
        return x


def test_unsupported_module_names_type_and_rule():
    net = nn.Sequential(nn.Linear(4, 4), Mystery(), nn.Linear(4, 2))
    with pytest.raises(UnsupportedModuleError, match=r"Mystery.*register_rule\(Mystery\)"):
        clone_model(net)
    with pytest.raises(UnsupportedModuleError, match="Softmax"):  # mixes units: no rule on purpose
        clone_model(nn.Sequential(nn.Linear(4, 4), nn.Softmax(-1), nn.Linear(4, 2)))
    with pytest.raises(UnsupportedModuleError, match="groups"):
        clone_model(nn.Sequential(nn.Conv2d(4, 4, 3, groups=2), nn.Flatten(), nn.LazyLinear(2)))


class Scale(nn.Module):
    """Per-unit learnable gain: a module type the library does not know."""
    def __init__(self, n):
        super().__init__()
        self.gain = nn.Parameter(torch.rand(n) + 0.5)

    def forward(self, x):
        return x * self.gain


def test_new_module_type_needs_one_rule():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 6), Scale(6), nn.Tanh(), nn.Linear(6, 3))
    with pytest.raises(UnsupportedModuleError, match="Scale"):
        clone_model(net)

    @register_rule(Scale)
    def _scale(m, p_in, ctx, p_out):
        set_param(m, "gain", p_in.select(m.gain.data, 0), {0: p_in})
        return p_in
    try:
        x = torch.randn(7, 5)
        assert rel_err(clone_model(net, 3)(x), net(x)) <= 1e-12
    finally:
        del RULES[Scale]


def test_original_untouched_and_parameters_not_shared():
    base = make_model("vit", "layer")
    clone = clone_model(base)
    ids = {id(p) for p in base.parameters()}
    assert not ids & {id(p) for p in clone.parameters()}
    assert base.blocks[0].attn.heads == 2 and clone.blocks[0].attn.heads == 4
    assert clone.blocks[0].attn.head_dim == base.blocks[0].attn.head_dim  # heads duplicated, not widened
    assert clone.cls_token.shape[-1] == 2 * base.cls_token.shape[-1]


def test_clone_blocks_interleaved_layout():
    clone = clone_model(make_model("cnn", "batch"), 3)
    b = clone_blocks(clone, "conv2", 3)
    assert torch.equal(b, torch.arange(24).reshape(8, 3))
    with pytest.raises(KeyError, match="no probed layer"):
        clone_blocks(clone, "conv9")
    with pytest.raises(ValueError, match="factor 3"):
        clone_blocks(clone, "conv2", 2)
    with pytest.raises(ValueError, match="clone_model"):
        clone_blocks(make_model("cnn"), "conv2")
    axes = clone_parameter_axes(clone)
    assert set(axes["features.0.conv.weight"]) == {0}          # input pixels are not cloned
    assert set(axes["features.1.conv.weight"]) == {0, 1}
    assert set(axes["head.weight"]) == {1} and "head.bias" not in axes  # logits are not cloned


@pytest.mark.parametrize("arch", list(SIZES))
def test_factor_three_and_clone_of_clone(arch):
    base = make_model(arch, "layer" if arch == "vit" else "batch")
    base.eval()
    x, y = batches(1)[0]
    c3 = clone_model(base, 3).eval()
    c22 = clone_model(clone_model(base, 2), 2).eval()
    with torch.no_grad():
        assert rel_err(c3(x), base(x)) <= 1e-10
        assert rel_err(c22(x), base(x)) <= 1e-10
    for name, r in layer_cloning_r2(c3, x, y, 3).items():
        assert r["forward"].item() >= 1 - 1e-12 and r["backward"].item() >= 1 - 1e-12, name
    name = list(probes(c22))[0]
    assert clone_blocks(c22, name).shape[1] == 2


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_groupnorm_with_several_groups_is_exact(groups):
    """Interleaved blocks keep base group g inside clone group g, so GroupNorm(G, C) -> GroupNorm(G, fC)."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.GroupNorm(groups, 8), nn.ReLU(), named_probe("gn"),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))
    with torch.no_grad():
        net[1].weight.add_(torch.randn(8))
        net[1].bias.add_(torch.randn(8))
    clone = clone_model(net, 2)
    assert clone[1].num_groups == groups and clone[1].num_channels == 16
    x = torch.randn(4, 3, 6, 6)
    assert rel_err(clone(x), net(x)) <= 1e-12
