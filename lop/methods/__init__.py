"""Plasticity methods as plug-ins of the continual-learning loop (docs/methods.md).

`continual.method` picks the method of a run (default `none`, plain Adam); `continual.methods` lists the
methods the `extensions` grid compares; `continual.method_params.<name>` holds each method's settings.
This registry is the one list of method names (the config schema's enum is tested against it).
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

__all__ = ["METHODS", "Method", "MethodContext", "build_method"]


def build_method(name: str, params: dict, ctx: MethodContext) -> Method:
    """The method `name` with its settings `params[name]` (config continual.method_params)."""
    if name not in METHODS:
        raise ValueError(f"continual.method: unknown method {name!r}; choose one of {sorted(METHODS)} "
                         "or register a new one in lop/methods/__init__.py")
    return METHODS[name](ctx, (params or {}).get(name))
