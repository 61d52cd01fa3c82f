"""Cloning as a composition of per-module rules (Theorem 2.2 / A.3).

A rule clones ONE module type in place (on a deep copy): given the clone profile of the module's input
it rewrites the module's parameters/buffers/attributes and returns the profile of its output. Containers
call `ctx.clone(child, ...)` in dataflow order, so profiles must match at every interface; a module type
without a rule stops cloning with an error naming the type and the decorator to add.

Rule signature: rule(module, p_in: Profile, ctx: CloneContext, p_out: Profile | None) -> Profile.
`p_out` is the output profile the caller requires (None = the rule's default: a layer with its own
output units clones them, interleaved). The network's output is requested UNCLONED.
"""
from __future__ import annotations

import copy
from typing import Callable

import torch
from torch import nn

from .profile import UNCLONED, Profile

Rule = Callable[[nn.Module, Profile, "CloneContext", "Profile | None"], Profile]
RULES: dict[type, Rule] = {}


class UnsupportedModuleError(NotImplementedError):
    """Raised for a module type with no cloning rule (or a configuration a rule cannot clone exactly)."""


def register_rule(*types: type):
    """Decorator: `@register_rule(MyModule)` makes `clone_model` handle MyModule.

    Lookup is by EXACT type, not isinstance: a subclass may change `forward` (e.g. TokenBatchNorm
    reshapes), so it must be registered explicitly, possibly with the parent's rule.
    """
    def deco(fn: Rule) -> Rule:
        for t in types:
            RULES[t] = fn
        return fn
    return deco


class CloneContext:
    def __init__(self, model: nn.Module, factor: int):
        self.factor = factor
        self.names = {id(m): n or "<model>" for n, m in model.named_modules()}
        self.visited: set[int] = set()

    def clone(self, module: nn.Module, p_in: Profile, p_out: Profile | None = None) -> Profile:
        name = self.names.get(id(module), type(module).__name__)
        rule = RULES.get(type(module))
        if rule is None:
            t = type(module)
            raise UnsupportedModuleError(
                f"no cloning rule for module type {t.__module__}.{t.__qualname__} (at '{name}'); add one with "
                f"@lop.cloning.register_rule({t.__qualname__}) (see docs/cloning.md)")
        self.visited.add(id(module))
        out = rule(module, p_in, self, p_out)
        if p_out is not None and not out.same_as(p_out):
            raise UnsupportedModuleError(f"'{name}' ({type(module).__name__}) produced a clone profile different "
                                         "from the one its consumer requires")
        return out

    def default_out(self, n: int) -> Profile:
        return Profile.interleaved(n, self.factor)


def set_param(module: nn.Module, name: str, value: torch.Tensor, axes: dict[int, Profile] | None = None) -> None:
    """Replace parameter `name`; `axes` {axis: profile} records which axes are cloned (for
    `clone_parameter_axes`, used by the normal-space projection of lop.cloning.stability)."""
    old = getattr(module, name)
    setattr(module, name, nn.Parameter(value.detach().clone().contiguous(), requires_grad=old.requires_grad))
    cloned = {a: p.src for a, p in (axes or {}).items() if p.cloned}
    if cloned:
        if not hasattr(module, "clone_axes"):
            module.clone_axes = {}
        module.clone_axes[name] = cloned


def set_buffer(module: nn.Module, name: str, value: torch.Tensor) -> None:
    module._buffers[name] = value.detach().clone().contiguous()


def _check_factor(factor) -> int:
    if isinstance(factor, bool) or not isinstance(factor, int):
        raise ValueError(f"cloning factor must be an integer >= 2; got {factor!r}")
    if factor < 2:
        raise ValueError(f"cloning factor must be an integer >= 2; got {factor}")
    return factor


def clone_model(model: nn.Module, factor: int = 2) -> nn.Module:
    """A NEW model in which every hidden unit / channel / attention head is duplicated `factor` times.

    The original is untouched (deep copy). Input and output are not cloned, so the clone computes the
    same function (exactly, up to float rounding) in train and eval mode, with any norm layer in lop.models.
    Clone blocks are interleaved (base unit j -> clone units j*f .. j*f+f-1); `clone_blocks` returns
    them per probed layer. Weights fed by cloned inputs are divided by `factor`; biases, norm affine
    parameters and BatchNorm running statistics are duplicated. Optimizer state is NOT carried over:
    give the clone a fresh optimizer (Remark 2.3: invariance needs state that starts at cloning).
    """
    factor = _check_factor(factor)
    clone = copy.deepcopy(model)
    for m in clone.modules():  # a clone of a clone: forget the previous profiles
        for attr in ("clone_axes", "clone_src"):
            if attr in m.__dict__:
                delattr(m, attr)
    ctx = CloneContext(clone, factor)
    ctx.clone(clone, UNCLONED, p_out=UNCLONED)
    missed = [n for n, m in clone.named_modules() if id(m) not in ctx.visited]
    if missed:
        raise UnsupportedModuleError(f"cloning rules did not visit submodules {missed}; the rule of their parent "
                                     "must clone every child (register a rule for the parent type)")
    return clone


def clone_parameter_axes(model_clone: nn.Module) -> dict[str, dict[int, torch.Tensor]]:
    """{parameter name: {axis: src}} for every parameter of a clone with cloned axes (src[i] = base
    index of entry i along that axis). Parameters not listed have no cloned axis (e.g. the head bias)."""
    out = {}
    for mname, m in model_clone.named_modules():
        for pname, axes in getattr(m, "clone_axes", {}).items():
            out[f"{mname}.{pname}" if mname else pname] = axes
    return out


def clone_blocks(model_clone: nn.Module, layer_name: str, factor: int | None = None) -> torch.Tensor:
    """(base_units, factor) unit indices of the clone blocks at probed layer `layer_name`.

    Row j lists the clone units copying base unit j (interleaved layout: j*f .. j*f+f-1). Units are the
    columns of `lop.models.flatten_units` of the probe's activation (channels for conv, features for tokens).
    """
    from lop.models import probes
    ps = probes(model_clone)
    if layer_name not in ps:
        raise KeyError(f"no probed layer {layer_name!r}; the model has {list(ps)}")
    src = getattr(ps[layer_name], "clone_src", None)
    if src is None:
        raise ValueError(f"probe {layer_name!r} carries no clone profile: is the model a clone_model() output?")
    f = len(src) // int(src.max() + 1)
    if factor is not None and factor != f:
        raise ValueError(f"layer {layer_name!r} was cloned with factor {f}, not {factor}")
    return Profile(src, f).blocks()
