"""Config resolution and validation; model construction and probe points."""
import copy

import pytest
import torch
import yaml

from lop.config import DEFAULT_CONFIG, ConfigError, resolve_config
from lop.models import build_model, probes

RAW = yaml.safe_load(DEFAULT_CONFIG.read_text())


def test_presets_resolve_and_override():
    small, paper, up = (resolve_config(preset=p) for p in ("small", "paper", "upstream"))
    assert paper["continual"]["steps_per_task"] == 500 and paper["continual"]["lr"]["vit"] == 1e-4
    assert paper["continual"]["num_tasks"] == 40 and paper["continual"]["seeds"] == [0, 1, 2, 3, 4]
    assert small["continual"]["dataset"] == "synthetic" and small["models"]["cnn"]["channels"] == [8, 16, 32]
    assert up["continual"]["protocol"] == "upstream" and up["continual"]["probe"]["selection"] == "first_class"
    assert "presets" not in small


def test_unknown_preset_names_choices():
    with pytest.raises(ConfigError, match="unknown preset 'huge'.*small"):
        resolve_config(preset="huge")


@pytest.mark.parametrize("path,value,match", [
    (("continual", "steps_per_task"), 0, "continual.steps_per_task"),
    (("continual", "num_tasks"), -3, "continual.num_tasks"),
    (("continual", "stepz_per_task"), 5, "stepz_per_task"),
    (("continual", "archs"), ["mlp", "transformer"], "continual.archs"),
])
def test_bad_values_name_the_key(path, value, match):
    raw = copy.deepcopy(RAW)
    raw["presets"]["paper"] = {}
    node = raw
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    with pytest.raises(ConfigError, match=match):
        resolve_config(raw, preset="paper")


@pytest.mark.parametrize("arch", ["mlp", "cnn", "resnet", "vit"])
@pytest.mark.parametrize("norm", ["none", "batch", "layer"])
def test_models_build_run_and_expose_probes(arch, norm):
    sizes = resolve_config(preset="small")["models"][arch]
    m = build_model(arch, in_shape=(3, 16, 16), num_classes=7, norm=norm, affine=False, dropout=0.1, **sizes)
    assert m(torch.randn(4, 3, 16, 16)).shape == (4, 7)
    names = list(probes(m))
    expected = {"mlp": sizes.get("depth"), "cnn": len(sizes.get("channels", [])) + 1,
                "resnet": sum(sizes.get("blocks", [])), "vit": sizes.get("depth")}[arch]
    assert len(names) == expected and len(set(names)) == expected
    if norm != "none":  # affine=False really removes the norm parameters
        assert not any(n.endswith(("norm.weight", "norm1.weight")) for n, _ in m.named_parameters())


def test_paper_sizes_match_section_4():
    cfg = resolve_config(preset="paper")["models"]
    vit = build_model("vit", in_shape=(3, 64, 64), num_classes=200, **cfg["vit"])
    assert vit.blocks[0].attn.heads == 6 and vit.blocks[0].attn.head_dim == 64
    assert vit.blocks[0].mlp.fc1.out_features == 1536 and vit.pos_embed.shape == (1, 65, 384)
    res = build_model("resnet", in_shape=(3, 64, 64), num_classes=200, **cfg["resnet"])
    assert [b.conv2.out_channels for b in res.layers] == [64, 64, 128, 128, 256, 256, 512, 512]


def test_build_model_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown arch 'lstm'"):
        build_model("lstm", in_shape=(3, 8, 8), num_classes=2)
    with pytest.raises(ValueError, match="unknown norm"):
        build_model("mlp", in_shape=(3, 8, 8), num_classes=2, norm="group")
    with pytest.raises(ValueError, match="dropout"):
        build_model("mlp", in_shape=(3, 8, 8), num_classes=2, dropout=1.0)
    with pytest.raises(ValueError, match="patch"):
        build_model("vit", in_shape=(3, 10, 10), num_classes=2, patch=4, dim=8, heads=2, depth=1)


def test_cpu_tiers_meet_their_contracts():
    """The three CPU tiers (config.yaml, docs/power_analysis.md): what each one promises, read from the
    resolved config, so that an edit that breaks a promise fails here rather than in a 60-minute run."""
    assert RAW["preset"] == "cpu"  # the default is the tier whose fig3_1 shows the paper's effect
    tiers = {p: resolve_config(preset=p) for p in ("cpu", "decisive", "small")}
    for name, cfg in tiers.items():
        cc = cfg["continual"]
        assert cfg["device"] == "cpu" and cc["dataset"] == "synthetic", name
        # the embedded dataset must hold every task's classes (else the runs fail at start-up)
        assert cc["num_tasks"] * cc["classes_per_task"] <= cfg["data"]["synthetic"]["num_classes"], name
    cpu, dec = tiers["cpu"], tiers["decisive"]
    assert len(cpu["continual"]["seeds"]) >= 5 and cpu["continual"]["num_tasks"] >= 20
    assert dec["continual"]["num_tasks"] >= 20 and dec["continual"]["steps_per_task"] >= 200
    for family in ("continual", "cloning", "bitflip"):
        assert len(dec[family]["seeds"]) >= 5, family
    assert dec["cloning"]["stage2_steps"] > tiers["small"]["cloning"]["stage2_steps"]
    paper_bf = resolve_config(preset="paper")["bitflip"]
    assert {k: dec["bitflip"][k] for k in ("widths", "n_samples", "stream")} == \
        {k: paper_bf[k] for k in ("widths", "n_samples", "stream")}
