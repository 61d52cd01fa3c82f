"""Config as plain data: config.yaml holds the paper's values, a preset overrides some of them.

`resolve_config` is what the Snakefile and the command-line tools share: pick the preset, deep-merge it
over the base values, validate against the JSON schema (filling defaults) and return a plain dict.
"""
from __future__ import annotations

import copy
from pathlib import Path

import yaml

from .provenance import REPO_ROOT

SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"
DEFAULT_CONFIG = REPO_ROOT / "config.yaml"
# The Snakefile stores the validated config under this key so that scripts see exactly what it planned with.
RESOLVED_KEY = "_resolved"


class ConfigError(ValueError):
    """A config problem, with a message that names the key and the fix."""


def deep_merge(base: dict, override: dict) -> dict:
    """Recursively merge `override` into a copy of `base` (dicts merge, everything else replaces)."""
    out = copy.deepcopy(base)
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def apply_preset(config: dict, overrides: dict | None = None) -> dict:
    """Return base config merged with `presets[preset]`, then `overrides`, without the `presets` table.

    `overrides` are the command line's `--config` values: they win over the preset (Snakemake has
    already merged them into `config`, where the preset would otherwise overwrite them).
    """
    presets = config.get("presets", {})
    name = config.get("preset", "cpu")
    if name not in presets:
        raise ConfigError(f"unknown preset {name!r}; choose one of {sorted(presets)} "
                          f"(e.g. `snakemake --config preset=small`) or add it under `presets:` in config.yaml")
    base = {k: v for k, v in config.items() if k not in ("presets", RESOLVED_KEY)}
    return deep_merge(deep_merge(base, presets[name]),
                      {k: v for k, v in (overrides or {}).items() if k not in ("preset", "presets", RESOLVED_KEY)})


def validate(config: dict, schema_path: Path = SCHEMA_PATH) -> dict:
    """Validate with jsonschema, filling defaults; raise ConfigError naming the offending key."""
    import jsonschema

    schema = yaml.safe_load(Path(schema_path).read_text())
    validator_cls = jsonschema.validators.validator_for(schema)
    fill = _extend_with_default(validator_cls)
    errors = sorted(fill(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = ".".join(str(p) for p in e.absolute_path) or "<top level>"
        raise ConfigError(f"config key `{where}`: {e.message} (see {schema_path.relative_to(REPO_ROOT)})")
    return config


def _extend_with_default(validator_cls):
    """A validator that fills `default` values in place (the jsonschema FAQ recipe)."""
    validate_properties = validator_cls.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for prop, sub in properties.items():
                if "default" in sub:
                    instance.setdefault(prop, copy.deepcopy(sub["default"]))
        yield from validate_properties(validator, properties, instance, schema)

    import jsonschema

    return jsonschema.validators.extend(validator_cls, {"properties": set_defaults})


def resolve_config(config: dict | None = None, *, preset: str | None = None) -> dict:
    """Load (if needed), apply the preset, validate and return the resolved config.

    Given Snakemake's config (in a rule's script), returns the config the workflow resolved and validated.
    """
    if config is not None and RESOLVED_KEY in config and preset is None:
        return copy.deepcopy(config[RESOLVED_KEY])
    if config is None:
        config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config = copy.deepcopy(config)
    if preset is not None:
        config["preset"] = preset
    resolved = apply_preset(config)
    validate(resolved)
    return resolved
