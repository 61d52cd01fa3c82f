"""Shrink-and-perturb (Ash & Adams 2020): at each task boundary every parameter becomes

    theta <- shrink * theta + sigma * eps,     eps ~ the initial distribution

with eps the parameters of a freshly built model of the same arch (`MethodContext.fresh_model`, drawn in a
forked RNG seeded from the method's own generator, so the draw is exactly the nets' own init and the
run's global RNG is not touched). Applied before the protocol zeroes the head, so the head still starts
each task at zero. Adam's state is kept. Task 0 has no boundary before it.
"""
from __future__ import annotations

import torch

from .base import Method


class ShrinkPerturb(Method):
    name = "shrink_perturb"
    defaults = {"shrink": 0.8, "sigma": 0.1}
    limits = {"shrink": (0.0, 1.0), "sigma": (0.0, None)}

    def __init__(self, ctx, params=None):
        super().__init__(ctx, params)
        if not 0 < self.params["shrink"] <= 1 or self.params["sigma"] < 0:
            raise ValueError("continual.method_params.shrink_perturb: need 0 < shrink <= 1 and sigma >= 0; "
                             f"got {self.params}")

    def draw(self) -> dict[str, torch.Tensor]:
        """eps: {parameter name: tensor} from the initial distribution (consumes one seed of self.gen)."""
        seed = int(torch.randint(0, 2 ** 62, (1,), generator=self.gen))
        device = next(self.ctx.model.parameters()).device
        with torch.random.fork_rng(devices=[]):  # fresh_model() builds on the CPU
            torch.manual_seed(seed)
            fresh = self.ctx.fresh_model()
        return {n: p.detach().to(device) for n, p in fresh.named_parameters()}

    @torch.no_grad()
    def task_start(self, task: int) -> None:
        if task == 0:
            return
        eps = self.draw()
        for n, p in self.ctx.model.named_parameters():
            p.mul_(self.params["shrink"]).add_(eps[n], alpha=self.params["sigma"])
