"""The method interface of the continual-learning loop (lop.train.continual).

A method is a small object with three hooks the loop calls, in this order within a task:

  task_start(task)   at the start of every task, before the protocol zeroes the shared head (so the
                     head starts every task at zero whatever the method); not called again when a run
                     resumes inside a task
  extra_loss()       a term added to the training loss of each step (None: nothing is added; the online
                     loss the run records stays the task's cross-entropy)
  after_step(step)   after every optimizer step; `step` counts the steps done so far

It is built with a `MethodContext`: the model, its Adam optimizer (for state resets), the arch, the run
seed and `fresh_model()`, which builds a new model of the same arch from the initial distribution.
Methods that act on units set `records_units`; they then find the unit layers (lop.methods.units) and
the latest training activations in `self.recorder.acts`.

Randomness: a method draws only from its own generator (seeded from the run seed and kept in its
checkpointed state), never from the global RNG, so that dropout and the data order are those of `none`.
The base class is plain Adam: every hook does nothing, and the loop's arithmetic is exactly as without it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from .units import unit_layers, unit_recorder


@dataclass
class MethodContext:
    model: nn.Module
    opt: torch.optim.Optimizer
    arch: str
    seed: int
    fresh_model: Callable[[], nn.Module]


class Method:
    name = "none"
    records_units = False
    defaults: dict = {}  # every setting and its default value: the one place they are written
    limits: dict = {}  # {setting: (low, high)} of the numeric settings, inclusive, None = unbounded

    @classmethod
    def check(cls, params: dict) -> None:
        """Raise ValueError naming the config key when a setting has another type than its default or
        lies outside `limits` (lop.methods.resolve_settings calls this when the config is validated)."""
        for key, value in params.items():
            default = cls.defaults[key]
            numeric = isinstance(default, (int, float)) and not isinstance(default, bool)
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif numeric:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
                ok = ok and (isinstance(value, int) or not isinstance(default, int))  # an int setting takes ints
            else:
                ok = isinstance(value, type(default))
            if not ok:
                raise ValueError(f"config key `continual.method_params.{cls.name}.{key}`: {value!r} is not of "
                                 f"the type of its default {default!r}")
            low, high = cls.limits.get(key, (None, None))
            if numeric and ((low is not None and value < low) or (high is not None and value > high)):
                raise ValueError(f"config key `continual.method_params.{cls.name}.{key}`: {value!r} is outside "
                                 f"[{low}, {high}]")

    def __init__(self, ctx: MethodContext, params: dict | None = None):
        self.ctx = ctx
        unknown = set(params or {}) - set(self.defaults)
        if unknown:
            raise ValueError(f"continual.method_params.{self.name}: unknown keys {sorted(unknown)}; "
                             f"this method takes {sorted(self.defaults) or 'none'}")
        self.params = {**self.defaults, **(params or {})}
        if self.records_units:
            self.units = unit_layers(ctx.model, ctx.arch)
            self.recorder = unit_recorder(self.units)
        # Own random stream: CPU generator, seeded per (run seed, method).
        self.gen = torch.Generator().manual_seed(ctx.seed * 1_000_003 + sum(map(ord, self.name)))

    def task_start(self, task: int) -> None:
        pass

    def extra_loss(self) -> torch.Tensor | None:
        return None

    def after_step(self, step: int) -> None:
        pass

    def state_dict(self) -> dict:
        """What a resumed run needs besides model and optimizer (a checkpoint stores it)."""
        return {"gen": self.gen.get_state()}

    def load_state_dict(self, state: dict) -> None:
        if "gen" in state:
            self.gen.set_state(state["gen"])

    def uniform(self, shape, bound: float, like: torch.Tensor) -> torch.Tensor:
        """U(-bound, bound) from the method's generator, with `like`'s dtype and device."""
        u = torch.rand(shape, generator=self.gen, dtype=torch.float64) * (2 * bound) - bound
        return u.to(dtype=like.dtype, device=like.device)


class PlainAdam(Method):
    """`none`: plain Adam with the protocol's head zeroing, today's behaviour."""
