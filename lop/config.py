"""Config as plain data: config.yaml holds the paper's values, a preset overrides some of them.

`resolve_config` is what the Snakefile and the command-line tools share: pick the preset, deep-merge it
over the base values, validate against the JSON schema and return a plain dict (config.yaml holds every
value once; the schema states only what is valid).
"""
from __future__ import annotations

import copy
import difflib
import functools
import re
from pathlib import Path

import yaml

from .provenance import REPO_ROOT

SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"
DEFAULT_CONFIG = REPO_ROOT / "config.yaml"


@functools.lru_cache(maxsize=None)
def default_preset(config_file: Path = DEFAULT_CONFIG) -> str:
    """config.yaml's own `preset` (what a plain `snakemake` runs; lop.figures.figure_dir)."""
    return yaml.safe_load(Path(config_file).read_text())["preset"]


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
    base = {k: v for k, v in config.items() if k != "presets"}
    return deep_merge(deep_merge(base, presets[name]),
                      {k: v for k, v in (overrides or {}).items() if k not in ("preset", "presets")})


# A number PyYAML (YAML 1.1) leaves as a string: `1e-3` has no dot, so it is not a float to YAML 1.1.
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def typed_overrides(overrides: dict | None, _where: str = "") -> dict:
    """The command line's `--config` values with YAML types.

    Snakemake parses a nested value such as `continual='{num_tasks: 4, lr: {mlp: 1e-3}}'` with YAML's
    BaseLoader, so every leaf arrives as a string ('4', '1e-3') and the schema rejects it. Each string
    leaf is read again as YAML (numbers, booleans, null, lists), and number-looking strings YAML 1.1
    keeps as text (`1e-3`) become floats. A top-level `key=value` is already typed by Snakemake.
    """
    def leaf(v, where):
        if isinstance(v, dict):
            return {k: leaf(x, f"{where}.{k}" if where else str(k)) for k, x in v.items()}
        if isinstance(v, list):
            return [leaf(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if not isinstance(v, str):
            return v
        try:
            out = yaml.safe_load(v) if v.strip() else v
        except yaml.YAMLError as e:
            raise ConfigError(f"--config value of `{where}` is not valid YAML ({str(e).splitlines()[0]}): {v!r}; "
                              "fix: quote the whole value, e.g. --config continual='{seeds: [0, 1, 2]}'") from None
        if isinstance(out, str) and _NUMBER.match(out):
            return float(out)
        return leaf(out, where) if isinstance(out, (dict, list)) else out

    return {k: leaf(v, f"{_where}{k}") for k, v in (overrides or {}).items()}


def _schema_at(schema: dict, root: dict, path) -> dict:
    """The sub-schema of a config path (follows `properties` and local `$ref`s; {} when unknown)."""
    node = schema
    for key in path:
        while "$ref" in node:
            node = _resolve_ref(root, node["$ref"])
        props = node.get("properties", {})
        if key in props:
            node = props[key]
        elif "items" in node and isinstance(key, int):
            node = node["items"]
        else:
            return {}
    while "$ref" in node:
        node = _resolve_ref(root, node["$ref"])
    return node


def _resolve_ref(root: dict, ref: str) -> dict:
    node = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _short(value) -> str:
    s = repr(value)
    return s if len(s) <= 60 else s[:57] + "..."


def explain(error, schema: dict, schema_path: Path = SCHEMA_PATH) -> str:
    """One line for a jsonschema error: the dotted key, the problem and the fix."""
    path = list(error.absolute_path)
    where = ".".join(str(p) for p in path) or "<top level>"
    sub = _schema_at(schema, schema, path)
    try:
        rel = Path(schema_path).resolve().relative_to(REPO_ROOT)
    except ValueError:
        rel = schema_path
    if error.validator == "additionalProperties":
        allowed = sorted(sub.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        name = extra[0] if extra else "?"
        key = f"{where}.{name}" if path else name
        close = difflib.get_close_matches(str(name), allowed, n=1)
        hint = f"did you mean `{close[0]}`? " if close else ""
        return (f"config key `{key}`: unknown key; {hint}fix: use one of {allowed} (unknown keys are errors so "
                f"that a typo never falls back to a default; schema: {rel})")
    if error.validator == "enum":
        problem = f"{_short(error.instance)} is not one of {error.validator_value}"
    elif error.validator == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        problem = f"{_short(error.instance)} is not of type {' or '.join(repr(t) for t in types)}"
    else:  # minimum, required, uniqueItems, ...: jsonschema's own sentence, cut short of any schema dump
        problem = error.message if len(error.message) <= 120 else error.message[:117] + "..."
    desc = f" ({sub['description']})" if isinstance(sub.get("description"), str) else ""
    return (f"config key `{where}`: {problem}{desc}; fix: set a valid value in config.yaml, a --configfile or "
            f"--config (schema: {rel})")


def validate(config: dict, schema_path: Path = SCHEMA_PATH) -> dict:
    """Validate with jsonschema (config.yaml holds every value, so the schema has no defaults to fill) and
    fill the plasticity methods' settings from their registry; raise ConfigError with one line naming the
    offending key."""
    import jsonschema

    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        raise ConfigError(explain(errors[0], schema, schema_path))
    if "continual" in config:  # plasticity methods: names and defaults live in their registry, not the schema
        from .methods import resolve_settings

        try:
            resolve_settings(config["continual"])
        except ValueError as e:
            raise ConfigError(str(e)) from None
    return config


def resolve_config(config: dict | None = None, *, preset: str | None = None) -> dict:
    """Load (if needed; config.yaml), apply the preset (`preset`, else the config's own), validate and
    return the resolved config."""
    if config is None:
        config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config = copy.deepcopy(config)
    if preset is not None:
        config["preset"] = preset
    resolved = apply_preset(config)
    validate(resolved)
    return resolved
