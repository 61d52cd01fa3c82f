"""Continual Backprop (Dohare et al. 2024) for the image nets' Linear and conv layers.

The generate-and-test of lop/cbp.py (the bit-flipping experiment's CBP, its `paper` variant with accumulated fractional
counts), generalised from a stack of Linears to every unit layer of lop.methods.units: a conv unit is an
output channel, its activation is averaged over samples and positions, its incoming weights are the
channel's filter and its outgoing weights every column the next layer reads from it (a filter slice of
the next conv, or H*W columns of the FC layer after a flatten). After every step, per layer, per unit j:

  age_j += 1
  h_hat_j  = EMA_rho(mean h_j) / (1 - rho^age_j)
  u_j      = EMA_rho(mean|h_j - h_hat_j| * mean|w_out[:, j]| / mean|w_in[j]|), bias-corrected the same way
  pending += replacement_rate * #(age > maturity); replace floor(pending) mature units of lowest u
  (ties -> lowest index):
    next bias += sum over j's outgoing weights of w_out * h_hat_j   (exact for Linear -> Linear; for a
                 conv it ignores the zero padding at the borders)
    w_out[:, j] = 0, w_in[j] ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (the nets' initial distribution,
    Dohare's `init="default"`), bias_in[j] = 0, Adam moments of those entries = 0 (Dohare's AdamGnT),
    age_j = u_j = h_bar_j = 0.
"""
from __future__ import annotations

import torch

from .base import Method
from .units import reset_adam_moments


class ContinualBackprop(Method):
    name = "cbp"
    records_units = True
    defaults = {"replacement_rate": 1.0e-4, "decay": 0.99, "maturity": 100}
    limits = {"replacement_rate": (0.0, 1.0), "decay": (0.0, 1.0), "maturity": (0, None)}

    def __init__(self, ctx, params=None):
        super().__init__(ctx, params)
        p = self.params
        if not (0 <= p["replacement_rate"] <= 1 and 0 < p["decay"] < 1 and p["maturity"] >= 0):
            raise ValueError("continual.method_params.cbp: need replacement_rate in [0, 1], decay in (0, 1) and "
                             f"maturity >= 0; got {p}")
        like = dict(dtype=ctx.model.head.weight.dtype, device=ctx.model.head.weight.device)
        self.age = [torch.zeros(u.width, **like) for u in self.units]
        self.mean_act = [torch.zeros(u.width, **like) for u in self.units]
        self.util = [torch.zeros(u.width, **like) for u in self.units]
        self.pending = [0.0 for _ in self.units]
        self.replaced = [0 for _ in self.units]
        self.last_replaced: list[list[int]] = [[] for _ in self.units]

    @torch.no_grad()
    def after_step(self, step: int) -> None:
        for l, layer in enumerate(self.units):
            self.last_replaced[l] = self._layer_step(l, layer, self.recorder.acts[layer.name])

    def _layer_step(self, l: int, layer, h: torch.Tensor) -> list[int]:
        rho = self.params["decay"]
        w_in, w_out = layer.w_in(), layer.w_out()
        self.age[l] += 1
        correction = 1 - rho ** self.age[l]
        self.mean_act[l].mul_(rho).add_((1 - rho) * h.mean(dim=0))
        h_hat = self.mean_act[l] / correction
        new_util = (h - h_hat).abs().mean(dim=0) * w_out.abs().mean(dim=(0, 2)) / w_in.abs().mean(dim=1)
        self.util[l].mul_(rho).add_((1 - rho) * new_util)
        util_hat = self.util[l] / correction

        eligible = torch.nonzero(self.age[l] > self.params["maturity"]).flatten()
        if len(eligible) == 0 or self.params["replacement_rate"] == 0:
            return []
        self.pending[l] += self.params["replacement_rate"] * len(eligible)
        k = int(self.pending[l])
        self.pending[l] -= k
        k = min(k, len(eligible))
        if k == 0:
            return []
        order = torch.argsort(util_hat[eligible].cpu(), stable=True)[:k]
        units = eligible[order.to(eligible.device)]

        if layer.out.bias is not None:  # before the reset: it needs the units' h_hat and w_out
            layer.out.bias += (w_out[:, units, :] * h_hat[units][None, :, None]).sum(dim=(1, 2))
        w_out[:, units] = 0
        w_in[units] = self.uniform((k, w_in.shape[1]), layer.init_bound, w_in)
        if layer.inp.bias is not None:
            layer.inp.bias[units] = 0
        reset_adam_moments(self.ctx.opt, layer, units)
        self.age[l][units] = 0
        self.util[l][units] = 0
        self.mean_act[l][units] = 0
        self.replaced[l] += k
        return units.tolist()

    def state_dict(self) -> dict:
        return {**super().state_dict(), "age": [t.cpu() for t in self.age], "mean_act": [t.cpu() for t in self.mean_act],
                "util": [t.cpu() for t in self.util], "pending": list(self.pending), "replaced": list(self.replaced)}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        if "age" in state:
            dev = self.age[0].device
            self.age, self.mean_act, self.util = ([t.to(dev) for t in state[k]] for k in ("age", "mean_act", "util"))
            self.pending, self.replaced = list(state["pending"]), list(state["replaced"])
