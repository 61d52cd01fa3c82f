"""Typed command-line overrides: `--config continual='{num_tasks: 4}'` reaches the schema as the integer 4
(Snakemake hands nested values over as strings; lop.config.typed_overrides reads them as YAML)."""
import pytest
import yaml
from rel_helpers import REPO, snakemake

from lop.config import ConfigError, apply_preset, typed_overrides, validate


def test_string_leaves_get_their_yaml_types():
    got = typed_overrides({"preset": "paper", "continual": {"num_tasks": "4", "lr": {"mlp": "1e-3", "vit": "0.02"},
                                                           "seeds": ["0", "1", "2"], "augment": {"flip": "false"}},
                           "data": {"tinyimagenet": {"archive": "data/tiny.zip", "url": "null"}}})
    assert got == {"preset": "paper", "continual": {"num_tasks": 4, "lr": {"mlp": 1e-3, "vit": 0.02},
                                                    "seeds": [0, 1, 2], "augment": {"flip": False}},
                   "data": {"tinyimagenet": {"archive": "data/tiny.zip", "url": None}}}
    assert type(got["continual"]["num_tasks"]) is int and type(got["continual"]["lr"]["mlp"]) is float


def test_a_whole_nested_value_snakemake_left_as_text_is_parsed():
    assert typed_overrides({"continual": "{num_tasks: 4, seeds: [0, 1]}"}) == {"continual": {"num_tasks": 4,
                                                                                              "seeds": [0, 1]}}
    with pytest.raises(ConfigError, match=r"--config value of `continual` is not valid YAML"):
        typed_overrides({"continual": "{seeds: [}"})


def test_typed_overrides_win_over_the_preset_and_validate():
    base = yaml.safe_load((REPO / "config.yaml").read_text())
    over = {"continual": {"num_tasks": "4", "seeds": ["0", "1", "2"], "lr": {"mlp": "0.02"}}}
    cfg = validate(apply_preset({**base, "preset": "small"}, overrides=typed_overrides(over)))
    assert cfg["continual"]["num_tasks"] == 4 and cfg["continual"]["seeds"] == [0, 1, 2]
    assert cfg["continual"]["lr"] == {"mlp": 0.02, "cnn": 1e-2, "resnet": 1e-2, "vit": 5e-3}  # the rest: preset
    assert cfg["continual"]["steps_per_task"] == 80                                          # preset, untouched


@pytest.mark.parametrize("value", ["{num_tasks: 4}", "{lr: {mlp: 0.02}}", "{seeds: [0, 1, 2]}"])
def test_the_nested_overrides_plan(checkout, value):
    p = snakemake(checkout, "-n", "figures/fig3_1.pdf", "--config", f"continual={value}")
    if "seeds" in value:  # the third seed is planned (small preset: one job per cell lists every seed's output)
        assert "results/small/continual/mlp/none/seed2/metrics.parquet" in p.stdout
