"""Plasticity methods as plug-ins of the continual-learning loop (docs/methods.md).

`continual.method` picks the method of a run (default `none`, plain Adam); `continual.methods` lists the
methods the `extensions` grid compares (`all`: every registered method); `continual.method_params.<name>`
overrides some of a method's settings. `METHODS` is the one list of method names and each method's class
the one place of its defaults (`Method.defaults`): `resolve_settings` fills them into the resolved config
(lop.config.validate), so the config file and the schema name neither.

Adding a method: a new module of lop/methods/ with a `Method` subclass (its `name` and `defaults`), and
one line in the tuple below.
"""
from __future__ import annotations

from .base import Method, MethodContext, PlainAdam
from .cbp import ContinualBackprop
from .head_reset import HeadReset
from .l2_init import L2Init
from .redo import ReDo
from .shrink_perturb import ShrinkPerturb

METHODS: dict[str, type[Method]] = {m.name: m for m in (PlainAdam, HeadReset, ReDo, ShrinkPerturb, L2Init,
                                                         ContinualBackprop)}

__all__ = ["METHODS", "Method", "MethodContext", "build_method", "resolve_settings"]


def resolve_settings(cc: dict) -> dict:
    """Resolve the method keys of the `continual` config section in place: `methods: all` becomes every
    registered name, and `method_params` becomes each method's `defaults` under the given overrides.
    A name or key no method has is a ValueError naming the config key."""
    names = list(METHODS) if cc["methods"] == "all" else list(cc["methods"])
    given = cc.get("method_params") or {}
    named = [("continual.method", cc["method"])] + [("continual.methods", n) for n in names]
    for key, name in named + [(f"continual.method_params.{n}", n) for n in given]:
        if name not in METHODS:
            raise ValueError(f"config key `{key}`: unknown method {name!r}; choose one of {', '.join(METHODS)} "
                             "or register a new one in lop/methods/__init__.py")
    params = {}
    for name, m in METHODS.items():
        unknown = set(given.get(name) or {}) - set(m.defaults)
        if unknown:
            raise ValueError(f"config key `continual.method_params.{name}`: unknown keys {sorted(unknown)}; "
                             f"this method takes {sorted(m.defaults) or 'none'} (lop/methods/)")
        if m.defaults:
            params[name] = {**m.defaults, **(given.get(name) or {})}
            m.check(params[name])
    cc.update(methods=names, method_params=params)
    return cc


def build_method(name: str, params: dict, ctx: MethodContext) -> Method:
    """The method `name` with its settings `params[name]` (config continual.method_params)."""
    if name not in METHODS:
        raise ValueError(f"continual.method: unknown method {name!r}; choose one of {sorted(METHODS)} "
                         "or register a new one in lop/methods/__init__.py")
    return METHODS[name](ctx, (params or {}).get(name))
