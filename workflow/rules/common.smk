# Shared set-up: resolve the preset, validate the config (filling defaults), helpers for rules.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir)))  # the checkout's lop/, also without `pip install -e .`

from lop.config import apply_preset, ConfigError, RESOLVED_KEY, typed_overrides, validate
from lop.provenance import config_hash, source_hash

try:  # config.yaml <- preset <- the command line's --config values (YAML-typed), validated with defaults filled
    CFG = validate(apply_preset(config, overrides=typed_overrides(workflow.config_settings.overwrite_config)))
except ConfigError as e:  # one line naming the key and the fix (lop.config.explain), not jsonschema's dump
    print(f"ConfigError: {e}", file=sys.stderr)
    sys.exit(1)
config[RESOLVED_KEY] = CFG  # rule scripts read this via lop.config.resolve_config(snakemake.config)

PRESET = CFG["preset"]
RESULTS = f"results/{PRESET}"
CONFIG_HASH = config_hash(CFG)
# Conda env for --use-conda / --lint; the pip install of this repo provides the same packages.
ENV = "../../environment.yml"


def gpu_resources():
    """Training jobs ask for a GPU token when the preset runs on CUDA (cluster profiles schedule on it)."""
    return 1 if CFG["device"] in ("cuda", "auto") and PRESET != "small" else 0


wildcard_constraints:
    arch="mlp|cnn|resnet|vit",
    seed=r"\d+",
    fig=r"fig[0-9A-Z]+_[0-9]+",
