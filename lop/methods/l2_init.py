"""L2-init / regenerative regularisation (Kumar et al. 2023): the training loss becomes

    loss + coef * ||theta - theta_0||^2

summed over every parameter, theta_0 being the parameters at initialisation (before the first step;
the head's theta_0 is its random init, although the protocol zeroes the head at each task start).
theta_0 is part of the method's checkpointed state, so a resumed run pulls towards the same point.
"""
from __future__ import annotations

import torch

from .base import Method


class L2Init(Method):
    name = "l2_init"
    defaults = {"coef": 1.0e-3}
    limits = {"coef": (0.0, None)}

    def __init__(self, ctx, params=None):
        super().__init__(ctx, params)
        if self.params["coef"] < 0:
            raise ValueError(f"continual.method_params.l2_init.coef must be >= 0; got {self.params['coef']}")
        self.theta0 = [p.detach().clone() for p in ctx.model.parameters()]

    def extra_loss(self) -> torch.Tensor:
        return self.params["coef"] * sum(((p - p0) ** 2).sum() for p, p0 in zip(self.ctx.model.parameters(), self.theta0))

    def state_dict(self) -> dict:
        return {**super().state_dict(), "theta0": [t.cpu() for t in self.theta0]}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        if "theta0" in state:
            self.theta0 = [t.to(p.device) for t, p in zip(state["theta0"], self.ctx.model.parameters())]
