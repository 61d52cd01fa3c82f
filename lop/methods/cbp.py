"""Continual Backprop (Dohare et al. 2024): generate-and-test on the hidden units of a network.

The one implementation of CBP. It acts on unit layers (lop.methods.units): a Linear unit is a weight
row, a conv unit is an output channel, whose activation is averaged over samples and positions, whose
incoming weights are the channel's filter and whose outgoing weights are every column the next layer
reads from it (a filter slice of the next conv, or H*W columns of the FC layer after a flatten). Two
ways in:

  the plasticity method `cbp` of the continual loop (lop.train.continual): `after_step` reads the
      training activations the unit recorder kept; replaced units get incoming weights from the nets'
      initial distribution U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (Dohare's `init="default"`) drawn from the
      method's torch generator, and their Adam moments are zeroed (Dohare's AdamGnT);
  `ContinualBackprop.on_linears(layers, ...)`, a stack of nn.Linear (hidden ... output), the bit-flip
      experiment's plain reference (lop.train.bitflip): call `step(features)` after each optimizer step
      with features[l] the post-activation of hidden layer l on the batch just trained on; incoming
      weights are redrawn Kaiming-uniform (b = gain sqrt(3 / fan_in)) from a numpy Generator, so that the
      compiled bit-flip kernel (lop.train.bitflip_kernel, a scalar copy of this algorithm kept for speed),
      which draws from the same Generator type, reproduces it sample for sample.

Per layer, per unit j, after every step (paper Figs. B.1, B.2):

  age_j += 1
  h_hat_j  = EMA_rho(mean h_j) / (1 - rho^age_j)
  u_j      = EMA_rho(mean|h_j - h_hat_j| * mean|w_out[:, j]| / mean|w_in[j]|), bias-corrected the same way
  eligible = units with age > maturity
  n       += replacement_rate * #eligible   (fractional counts accumulate; or drawn stochastically)
  replace the floor(n) eligible units of lowest bias-corrected utility (ties -> lowest index):
    next bias += sum over j's outgoing weights of w_out * h_hat_j   (the output is unchanged in
                 expectation; exact for Linear -> Linear, for a conv it ignores the zero padding)
    w_out[:, j] = 0, w_in[j] redrawn, bias_in[j] = 0, age_j = u_j = h_bar_j = 0.

`variant="upstream"` reproduces the authors' inline bit-flipping CBP instead (audit finding d8-cbp-variant):
sums instead of means in the utility (+1e-10), max(1, int(width * rate)) units replaced every step once
any unit is mature, incoming weights NOT re-initialised (their `nn.init.uniform_` acted on an
advanced-indexing copy), ALL incoming biases of the layer zeroed at each replacement. Upstream also
computed the features for the utility with a second forward pass after the SGD step; the caller passes those.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
from torch import nn

from .base import Method
from .units import UnitLayer, reset_adam_moments

VARIANTS = ("paper", "upstream")


class ContinualBackprop(Method):
    name = "cbp"
    records_units = True
    defaults = {"replacement_rate": 1.0e-4, "decay": 0.99, "maturity": 100}
    limits = {"replacement_rate": (0.0, 1.0), "decay": (0.0, 1.0), "maturity": (0, None)}

    def __init__(self, ctx, params=None, *, variant: str = "paper", accumulate: bool = True):
        super().__init__(ctx, params)
        self._start("continual.method_params.cbp", variant, accumulate, ctx.opt,
                    [u.init_bound for u in self.units], self.uniform, self._torch_coin)

    @classmethod
    def on_linears(cls, layers: Sequence[nn.Linear], *, replacement_rate: float = 1e-4, decay: float = 0.99,
                   maturity: int = 100, accumulate: bool = True, variant: str = "paper",
                   init_gain: float = math.sqrt(2.0), rng: np.random.Generator | None = None) -> ContinualBackprop:
        """CBP on a stack of >= 2 nn.Linear (hidden ... output), plain SGD, numpy random numbers."""
        if len(layers) < 2 or not all(isinstance(l, nn.Linear) for l in layers):
            raise ValueError("ContinualBackprop needs a stack of >= 2 nn.Linear layers (hidden ... output)")
        # No MethodContext here: no model to find unit layers in, no optimizer moments, no run seed.
        self = cls.__new__(cls)
        self.ctx = None
        self.params = {"replacement_rate": float(replacement_rate), "decay": float(decay), "maturity": int(maturity)}
        self.units = [UnitLayer(f"linear{l}", layers[l], None, layers[l + 1]) for l in range(len(layers) - 1)]
        self.rng = rng if rng is not None else np.random.default_rng()
        gain = float(init_gain)
        self._start("bitflip.cbp", variant, accumulate, None,
                    [gain * math.sqrt(3.0 / u.inp.in_features) for u in self.units], self._numpy_uniform,
                    lambda: self.rng.random())
        return self

    def _start(self, where, variant, accumulate, opt, bounds, uniform, coin):
        p = self.params
        if not (0 <= p["replacement_rate"] <= 1 and 0 < p["decay"] < 1 and p["maturity"] >= 0):
            raise ValueError(f"{where}: need replacement_rate in [0, 1], decay in (0, 1) and maturity >= 0; got {p}")
        if variant not in VARIANTS:
            raise ValueError(f"{where}.variant must be one of {VARIANTS}, got {variant!r}")
        self.variant, self.accumulate, self.opt = variant, bool(accumulate), opt
        self.bounds, self._uniform, self._coin = bounds, uniform, coin
        like = dict(dtype=self.units[0].inp.weight.dtype, device=self.units[0].inp.weight.device)
        self.age = [torch.zeros(u.width, **like) for u in self.units]
        self.mean_act = [torch.zeros(u.width, **like) for u in self.units]
        self.util = [torch.zeros(u.width, **like) for u in self.units]
        self.pending = [0.0 for _ in self.units]  # accumulated fractional replacement counts
        self.replaced = [0 for _ in self.units]  # total replacements per layer (for tests and logs)
        self.last_replaced: list[list[int]] = [[] for _ in self.units]

    def _numpy_uniform(self, shape, bound: float, like: torch.Tensor) -> torch.Tensor:
        return torch.as_tensor(self.rng.uniform(-bound, bound, size=shape), dtype=like.dtype, device=like.device)

    def _torch_coin(self) -> float:
        return float(torch.rand((), generator=self.gen, dtype=torch.float64))

    @torch.no_grad()
    def after_step(self, step: int) -> None:
        self.step([self.recorder.acts[layer.name] for layer in self.units])

    @torch.no_grad()
    def step(self, features: Sequence[torch.Tensor]) -> None:
        if len(features) != len(self.units):
            raise ValueError(f"step() needs one feature tensor per hidden layer ({len(self.units)}), "
                             f"got {len(features)}")
        for l, (layer, h) in enumerate(zip(self.units, features)):
            self.last_replaced[l] = self._layer_step(l, layer, h.reshape(-1, h.shape[-1]))

    def _layer_step(self, l: int, layer, h: torch.Tensor) -> list[int]:
        rho = self.params["decay"]
        rate = self.params["replacement_rate"]
        w_in, w_out = layer.w_in(), layer.w_out()
        self.age[l] += 1
        correction = 1 - rho ** self.age[l]
        self.mean_act[l].mul_(rho).add_((1 - rho) * h.mean(dim=0))
        h_hat = self.mean_act[l] / correction
        if self.variant == "paper":
            new_util = (h - h_hat).abs().mean(dim=0) * w_out.abs().mean(dim=(0, 2)) / w_in.abs().mean(dim=1)
        else:
            new_util = ((h - h_hat).abs().mean(dim=0) * w_out.abs().sum(dim=(0, 2))
                        / (w_in.abs().sum(dim=1) + 1e-10))
        self.util[l].mul_(rho).add_((1 - rho) * new_util)
        util_hat = self.util[l] / correction

        eligible = torch.nonzero(self.age[l] > self.params["maturity"]).flatten()
        if len(eligible) == 0 or rate == 0:
            return []
        if self.variant == "upstream":
            k = max(1, int(layer.width * rate))
        elif self.accumulate:
            self.pending[l] += rate * len(eligible)
            k = int(self.pending[l])
            self.pending[l] -= k
        else:  # Dohare's stochastic rounding of a fractional count
            expected = rate * len(eligible)
            k = int(expected)
            if expected < 1 and self._coin() <= expected:
                k = 1
        k = min(k, len(eligible))
        if k == 0:
            return []
        order = torch.argsort(util_hat[eligible].cpu(), stable=True)[:k]
        units = eligible[order.to(eligible.device)]

        if layer.out.bias is not None:  # before the reset: it needs the units' h_hat and w_out
            layer.out.bias += (w_out[:, units, :] * h_hat[units][None, :, None]).sum(dim=(1, 2))
        w_out[:, units] = 0
        if self.variant == "paper":
            w_in[units] = self._uniform((k, w_in.shape[1]), self.bounds[l], w_in)
            if layer.inp.bias is not None:
                layer.inp.bias[units] = 0
        elif layer.inp.bias is not None:
            layer.inp.bias.zero_()  # upstream: nn.init.zeros_(fc1.bias) on every replacement; w_in left as it was
        if self.opt is not None:
            reset_adam_moments(self.opt, layer, units)
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
