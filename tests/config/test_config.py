"""config.yaml holds every value once: the schema states what is valid and repeats no value as a
`default`, and config.yaml's own `preset` decides where the default preset's figures go."""
import yaml

from lop.config import DEFAULT_CONFIG, SCHEMA_PATH, default_preset
from lop.figures import figure_dir


def _defaults(node, path=""):
    if isinstance(node, dict):
        if "default" in node:
            yield path
        for k, v in node.items():
            yield from _defaults(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _defaults(v, f"{path}[{i}]")


def test_the_schema_writes_no_default():
    assert list(_defaults(yaml.safe_load(SCHEMA_PATH.read_text()))) == []


def test_default_preset_figures_go_to_figures_and_others_to_their_folder(tmp_path):
    assert default_preset() == yaml.safe_load(DEFAULT_CONFIG.read_text())["preset"]
    assert figure_dir(default_preset(), default_preset()) == "figures" and figure_dir("paper", "cpu") == "figures/paper"
    (tmp_path / "config.yaml").write_text("preset: small\n")
    assert figure_dir("small", default_preset(tmp_path / "config.yaml")) == "figures"
