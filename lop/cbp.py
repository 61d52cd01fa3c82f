"""Continual Backprop (Dohare et al. 2024): generate-and-test on the hidden units of a stack of Linears.

Call `step(features)` after each optimizer step, with features[l] the post-activation of hidden layer l
(the output of layers[l] after the nonlinearity) on the batch that was just trained on. Per hidden
layer, per unit j (paper Figs. B.1, B.2):

  age_j += 1
  h_bar_j  = EMA_rho(mean_batch h_j),            bias-corrected: h_hat_j = h_bar_j / (1 - rho^age_j)
  u_j      = EMA_rho(|h_j - h_hat_j| * mean|w_out[:, j]| / mean|w_in[j, :]|),  bias-corrected the same way
  eligible = units with age > maturity
  n       += replacement_rate * #eligible   (fractional counts accumulate; or drawn stochastically)
  replace the floor(n) eligible units of lowest bias-corrected utility (ties -> lowest index):
    w_in[j, :] ~ U(-b, b) (Kaiming uniform, b = gain sqrt(3 / fan_in)), bias_in[j] = 0,
    next bias += w_out[:, j] * h_hat_j  (so the output is unchanged in expectation),
    w_out[:, j] = 0, age_j = u_j = h_bar_j = 0.

`variant="upstream"` reproduces the authors' inline bit-flipping CBP instead (the audit, audit finding d8-cbp-variant):
sums instead of means in the utility (+1e-10), max(1, int(width * rate)) units replaced every step once
any unit is mature, incoming weights NOT re-initialised (their `nn.init.uniform_` acted on an
advanced-indexing copy), ALL first-layer biases zeroed at each replacement. Upstream also computed the
features for the utility with a second forward pass after the SGD step; the caller passes those.

Random numbers come from a numpy Generator so that the compiled bit-flip kernel, which draws from the
same Generator type, reproduces this reference sample for sample.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch
from torch import nn

VARIANTS = ("paper", "upstream")


class ContinualBackprop:
    def __init__(self, layers: Sequence[nn.Linear], *, replacement_rate: float = 1e-4, decay: float = 0.99,
                 maturity: int = 100, accumulate: bool = True, variant: str = "paper",
                 init_gain: float = math.sqrt(2.0), rng: np.random.Generator | None = None):
        if len(layers) < 2 or not all(isinstance(l, nn.Linear) for l in layers):
            raise ValueError("ContinualBackprop needs a stack of >= 2 nn.Linear layers (hidden ... output)")
        if not 0 <= replacement_rate <= 1:
            raise ValueError(f"cbp.replacement_rate must be in [0, 1], got {replacement_rate}")
        if not 0 < decay < 1:
            raise ValueError(f"cbp.decay must be in (0, 1), got {decay}")
        if maturity < 0:
            raise ValueError(f"cbp.maturity must be >= 0, got {maturity}")
        if variant not in VARIANTS:
            raise ValueError(f"cbp.variant must be one of {VARIANTS}, got {variant!r}")
        self.layers = list(layers)
        self.rate, self.decay, self.maturity = float(replacement_rate), float(decay), int(maturity)
        self.accumulate, self.variant, self.gain = bool(accumulate), variant, float(init_gain)
        self.rng = rng if rng is not None else np.random.default_rng()
        like = dict(dtype=layers[0].weight.dtype, device=layers[0].weight.device)
        hidden = [l.out_features for l in self.layers[:-1]]
        self.age = [torch.zeros(n, **like) for n in hidden]
        self.mean_act = [torch.zeros(n, **like) for n in hidden]
        self.util = [torch.zeros(n, **like) for n in hidden]
        self.pending = [0.0 for _ in hidden]  # accumulated fractional replacement counts
        self.replaced = [0 for _ in hidden]  # total replacements per layer (for tests and logs)
        self.last_replaced: list[list[int]] = [[] for _ in hidden]

    @torch.no_grad()
    def step(self, features: Sequence[torch.Tensor]):
        if len(features) != len(self.age):
            raise ValueError(f"step() needs one feature tensor per hidden layer ({len(self.age)}), "
                             f"got {len(features)}")
        for l, h in enumerate(features):
            self.last_replaced[l] = self._layer_step(l, h.reshape(-1, h.shape[-1]))

    def _layer_step(self, l: int, h: torch.Tensor) -> list[int]:
        w_in, b_in = self.layers[l].weight, self.layers[l].bias
        w_out, b_out = self.layers[l + 1].weight, self.layers[l + 1].bias
        rho = self.decay
        self.age[l] += 1
        correction = 1 - rho ** self.age[l]
        self.mean_act[l].mul_(rho).add_((1 - rho) * h.mean(dim=0))
        h_hat = self.mean_act[l] / correction
        if self.variant == "paper":
            new_util = (h - h_hat).abs().mean(dim=0) * w_out.abs().mean(dim=0) / w_in.abs().mean(dim=1)
        else:
            new_util = ((h - h_hat).abs().mean(dim=0) * w_out.abs().sum(dim=0)
                        / (w_in.abs().sum(dim=1) + 1e-10))
        self.util[l].mul_(rho).add_((1 - rho) * new_util)
        util_hat = self.util[l] / correction

        eligible = torch.nonzero(self.age[l] > self.maturity).flatten()
        if len(eligible) == 0 or self.rate == 0:
            return []
        if self.variant == "upstream":
            k = max(1, int(w_in.shape[0] * self.rate))
        elif self.accumulate:
            self.pending[l] += self.rate * len(eligible)
            k = int(self.pending[l])
            self.pending[l] -= k
        else:  # Dohare's stochastic rounding of a fractional count
            expected = self.rate * len(eligible)
            k = int(expected)
            if expected < 1 and self.rng.random() <= expected:
                k = 1
        k = min(k, len(eligible))
        if k == 0:
            return []
        order = np.argsort(util_hat[eligible].cpu().numpy(), kind="stable")[:k]
        units = eligible[torch.as_tensor(order, device=eligible.device)]

        # Bias correction first: it needs h_hat and w_out of the units before they are reset.
        b_out += (w_out[:, units] * h_hat[units]).sum(dim=1)
        w_out[:, units] = 0
        if self.variant == "paper":
            bound = self.gain * math.sqrt(3.0 / w_in.shape[1])
            new = self.rng.uniform(-bound, bound, size=(k, w_in.shape[1]))
            w_in[units] = torch.as_tensor(new, dtype=w_in.dtype, device=w_in.device)
            b_in[units] = 0
        else:
            b_in.zero_()  # upstream: nn.init.zeros_(fc1.bias) on every replacement; w_in left as it was
        self.age[l][units] = 0
        self.util[l][units] = 0
        self.mean_act[l][units] = 0
        self.replaced[l] += k
        return units.tolist()
