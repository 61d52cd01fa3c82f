"""ReDo, Recycling Dormant neurons (Sokar et al. 2023).

Every `every` steps, on the batch just trained on, per unit layer (lop.methods.units) the score of unit i
is s_i = mean|h_i| / (mean over the layer's units of mean|h|) (lop.metric_variants.redo_scores; conv
units average over samples and positions). Units with s_i <= tau are recycled:
  incoming weights and bias  <- a fresh draw from the initial distribution, U(-1/sqrt(fan_in), 1/sqrt(fan_in))
  outgoing weights           <- 0 (the unit's output is switched off until it relearns)
  Adam moments of those entries <- 0  (`reset_moments: true`, the default)

The moments are zeroed but Adam's step count is per tensor and stays, so bias correction is ~1: the first
update of a recycled entry is lr (1 - beta1) / sqrt(1 - beta2) = 3.2 lr (a fresh Adam's first step is lr),
and it stays above lr for hundreds of steps while v refills. At the CPU tiers' lr 1e-2 that destabilises
the MLP (docs/methods.md, measured); `reset_moments: false` keeps the recycled entries' moments as they are.
"""
from __future__ import annotations

import torch

from ..metric_variants import redo_scores
from .base import Method
from .units import reset_adam_moments


class ReDo(Method):
    name = "redo"
    records_units = True
    defaults = {"tau": 0.1, "every": 100, "reset_moments": True}
    limits = {"tau": (0.0, None), "every": (1, None)}

    def __init__(self, ctx, params=None):
        super().__init__(ctx, params)
        if self.params["tau"] < 0 or int(self.params["every"]) < 1:
            raise ValueError(f"continual.method_params.redo: need tau >= 0 and every >= 1; got {self.params}")
        self.recycled = {u.name: 0 for u in self.units}  # units recycled so far, per layer

    @torch.no_grad()
    def after_step(self, step: int) -> None:
        if step % int(self.params["every"]):
            return
        for layer in self.units:
            units = torch.nonzero(redo_scores(self.recorder.acts[layer.name]) <= self.params["tau"]).flatten()
            if len(units):
                self.recycle(layer, units)

    @torch.no_grad()
    def recycle(self, layer, units: torch.Tensor) -> None:
        w_in, bias = layer.w_in(), layer.inp.bias
        w_in[units] = self.uniform((len(units), w_in.shape[1]), layer.init_bound, w_in)
        if bias is not None:
            bias[units] = self.uniform((len(units),), layer.init_bound, bias)
        layer.w_out()[:, units] = 0
        if self.params["reset_moments"]:
            reset_adam_moments(self.ctx.opt, layer, units)
        self.recycled[layer.name] += len(units)

    def state_dict(self) -> dict:
        return {**super().state_dict(), "recycled": dict(self.recycled)}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.recycled.update(state.get("recycled", {}))
