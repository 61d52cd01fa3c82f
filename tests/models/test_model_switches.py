"""The authors'-code model switches (docs/decisions.md, fidelity to the authors' code): `models.init` and `models.vit.attn_dropout`."""
import math

import pytest
import torch
from torch import nn

from lop.config import resolve_config
from lop.models import build_model
from lop.models.init import VIT_STD, apply_init

VIT = {"patch": 4, "dim": 32, "depth": 2, "heads": 2, "mlp_ratio": 4}


def _vit(**kw):
    torch.manual_seed(0)
    return build_model("vit", in_shape=(3, 16, 16), num_classes=5, norm="layer", **VIT, **kw)


def test_attention_dropout_switch_drops_attention_weights_in_train_mode_only():
    m = _vit(dropout=0.0, attn_dropout=0.5)
    assert all(b.attn.p == 0.5 and b.attn.drop.p == 0.0 and b.mlp.drop1.p == 0.0 for b in m.blocks)
    x = torch.randn(4, 3, 16, 16)
    m.train()
    torch.manual_seed(1)
    a = m(x)
    torch.manual_seed(2)
    assert not torch.allclose(a, m(x))  # different attention masks -> different outputs
    m.eval()
    ref = _vit(dropout=0.0)  # same weights, no dropout anywhere
    ref.load_state_dict(m.state_dict())
    ref.train()  # train mode: without attention dropout nothing is random
    torch.testing.assert_close(m(x), ref(x), rtol=0, atol=0)


def test_attention_dropout_follows_dropout_when_null():
    assert all(b.attn.p == 0.1 for b in _vit(dropout=0.1).blocks)
    assert all(b.attn.p == 0.0 for b in _vit(dropout=0.0, attn_dropout=None).blocks)
    with pytest.raises(ValueError, match="models.vit.attn_dropout"):
        _vit(attn_dropout=1.0)


def test_presets_set_the_switches():
    small, paper, up = (resolve_config(preset=p) for p in ("small", "paper", "upstream"))
    for cfg in (small, paper):
        assert cfg["models"]["init"] == "torch" and cfg["models"]["vit"]["attn_dropout"] is None
    assert up["models"]["init"] == "upstream" and up["models"]["vit"]["attn_dropout"] == 0.1


def test_upstream_resnet_init_is_kaiming_normal_fan_out():
    torch.manual_seed(0)
    m = build_model("resnet", in_shape=(3, 16, 16), num_classes=5, norm="batch", width=64, blocks=[1, 1],
                    init="upstream")
    conv = m.layers[1].conv2  # 128 -> 128 channels, 3x3: 147,456 weights
    want = math.sqrt(2.0 / (conv.out_channels * 9))
    assert conv.weight.std().item() == pytest.approx(want, rel=0.02)
    assert abs(conv.weight.mean().item()) < 0.01 * want
    assert torch.equal(m.layers[1].norm2.weight, torch.ones(128)) and torch.equal(m.layers[1].norm2.bias, torch.zeros(128))
    torch.manual_seed(0)
    default = build_model("resnet", in_shape=(3, 16, 16), num_classes=5, norm="batch", width=64, blocks=[1, 1])
    # PyTorch's default (kaiming_uniform, a=sqrt(5)) has std 1/sqrt(3 fan_in): 2.4x smaller here
    assert default.layers[1].conv2.weight.std().item() == pytest.approx(1 / math.sqrt(3 * 128 * 9), rel=0.02)


def test_upstream_vit_init_is_trunc_normal_002_with_zero_bias():
    m = _vit(init="upstream")
    lin = [mod for mod in m.modules() if isinstance(mod, nn.Linear)]
    w = torch.cat([mod.weight.flatten() for mod in lin])
    assert w.std().item() == pytest.approx(VIT_STD, rel=0.02)
    assert w.abs().max().item() <= 2.0  # truncation bounds of trunc_normal_ (absolute)
    assert all(torch.equal(mod.bias, torch.zeros_like(mod.bias)) for mod in lin)
    for p in (m.cls_token, m.pos_embed):
        assert p.abs().sum() > 0 and p.std().item() == pytest.approx(VIT_STD, rel=0.25)
    assert _vit().cls_token.abs().sum() == 0  # torch init: the CLS token starts at zero, as before


def test_torch_init_is_the_untouched_model_and_mlp_cnn_ignore_upstream():
    for arch, sizes in (("mlp", {"width": 8, "depth": 2}), ("cnn", {"channels": [4], "fc": 8})):
        torch.manual_seed(0)
        a = build_model(arch, in_shape=(3, 8, 8), num_classes=3, init="upstream", **sizes)
        torch.manual_seed(0)
        b = build_model(arch, in_shape=(3, 8, 8), num_classes=3, **sizes)
        assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    with pytest.raises(ValueError, match="models.init"):
        apply_init(nn.Linear(2, 2), "mlp", "xavier")
