"""Optimizers of the paper that torch does not ship: Noisy SGD (paper Figs. 2.1, B.7-B.14).
Continual Backprop (bit flipping and the plasticity methods) is in lop.methods.cbp.

NoisySGD perturbs each parameter tensor's gradient with Gaussian noise whose per-coordinate std is
sigma_t * ||g|| (g = that tensor's gradient, ||.|| the Frobenius norm), sigma_t = sigma0 * lambda^t,
before weight decay and momentum, then takes a plain torch SGD step. The step counter t starts at 0:
the first call of `step()` uses sigma0, the k-th call sigma0 * lambda^(k-1). So lambda = 1.0 is
constant noise and lambda = 0 is noise at the first step only (0^0 = 1). This is the authors'
`NoisySGD` (noise_scale = sigma0, noise_decay = lambda, counter from 0), without its per-tensor
`.item()` host sync: the norm stays on the device.

The paper says SGD without momentum (the default here); the upstream code used momentum 0.9
(`presets.upstream.cloning.momentum`).
"""
from __future__ import annotations

import torch
from torch.optim import SGD


class NoisySGD(SGD):
    """SGD on gradients g + sigma_t * ||g|| * N(0, I), sigma_t = sigma0 * lambda^t, t = 0, 1, 2, ...

    `generator`: optional torch.Generator (on the parameters' device) for reproducible noise.
    With sigma0 = 0 the update is bitwise the same as torch.optim.SGD (no noise is drawn).
    """

    def __init__(self, params, lr: float = 0.01, sigma0: float = 0.01, decay: float = 1.0, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 generator: torch.Generator | None = None, **impl):
        if sigma0 < 0:
            raise ValueError(f"NoisySGD sigma0 must be >= 0 (config cloning.noisy_sgd.sigma0); got {sigma0}")
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f"NoisySGD decay lambda must be in [0, 1] (config cloning.noisy_sgd.decay); got {decay}")
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                         nesterov=nesterov, **impl)  # impl: torch SGD's foreach / fused switches
        self.sigma0, self.decay, self.generator = float(sigma0), float(decay), generator
        self.t = 0  # steps taken so far; the next step uses sigma0 * decay**t

    def sigma(self, t: int | None = None) -> float:
        """Noise scale of step t (default: the next step)."""
        t = self.t if t is None else t
        return self.sigma0 * self.decay ** t  # Python's 0.0 ** 0 == 1.0: lambda = 0 -> noise at t = 0 only

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:  # gradients first, then noise on them
            with torch.enable_grad():
                loss = closure()
        sigma = self.sigma()
        self.t += 1
        if sigma > 0:
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad
                    noise = torch.randn(g.shape, dtype=g.dtype, device=g.device, generator=self.generator)
                    g.add_(noise * (sigma * torch.linalg.vector_norm(g)))
        super().step()
        return loss

    def state_dict(self):
        sd = super().state_dict()
        sd["noisy_sgd_t"] = self.t
        return sd

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        self.t = int(state_dict.pop("noisy_sgd_t", 0))
        super().load_state_dict(state_dict)

